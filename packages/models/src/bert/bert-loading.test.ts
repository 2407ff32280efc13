import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FileFormatError, ShapeError, noGrad, parseSafetensors, serializeSafetensors, type SafetensorsTensorInput } from '@peft/core';
import { expectClose, readF64, testBackends } from '@peft/core/testing';
import { loadPretrained } from '../auto-model.js';
import { directorySource } from '@peft/core/node';
import { intTensor, modelDir, readCase } from '../test-support/fixtures.js';
import type { BertForSequenceClassification } from './model.js';

const backends = await testBackends();
const root = mkdtempSync(join(tmpdir(), 'peft-bert-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let variants = 0;
/** A copy of the fixture BERT folder whose tensors `edit` rewrites. */
function variant(edit: (tensors: Map<string, SafetensorsTensorInput>) => Map<string, SafetensorsTensorInput>): string {
  const src = modelDir('bert');
  const contents = parseSafetensors(readFileSync(join(src, 'model.safetensors')));
  const dir = join(root, `v${variants++}`);
  mkdirSync(dir);
  writeFileSync(join(dir, 'config.json'), readFileSync(join(src, 'config.json')));
  writeFileSync(join(dir, 'model.safetensors'), serializeSafetensors(edit(new Map(contents.tensors)), { format: 'pt' }));
  return dir;
}

describe.each(backends)('loading BERT checkpoints on $name', ({ backend }) => {
  const c = readCase('bert_lora');
  const ids = () => intTensor(c.inputs.input_ids, backend);

  it('names a tensor the checkpoint lacks', async () => {
    const dir = variant((t) => (t.delete('bert.encoder.layer.1.attention.self.query.weight'), t));
    await expect(loadPretrained(directorySource(dir), { backend })).rejects.toThrow(FileFormatError);
    await expect(loadPretrained(directorySource(dir), { backend })).rejects.toThrow(/lacks 1 tensor\(s\).*"bert\.encoder\.layer\.1\.attention\.self\.query\.weight"/);
  });

  it('names a tensor whose shape differs from the model', async () => {
    const dir = variant((t) => {
      const w = t.get('bert.encoder.layer.0.intermediate.dense.weight')!;
      t.set('bert.encoder.layer.0.intermediate.dense.weight', { ...w, shape: [32, 64] });
      return t;
    });
    await expect(loadPretrained(directorySource(dir), { backend })).rejects.toThrow(ShapeError);
    await expect(loadPretrained(directorySource(dir), { backend })).rejects.toThrow(
      /"bert\.encoder\.layer\.0\.intermediate\.dense\.weight" has shape \[32, 64\], the model expects \[64, 32\]/,
    );
  });

  it('loads a bare-encoder checkpoint with gamma/beta names, pretraining heads and position_ids into the classifier, with a fresh head and one warning', async () => {
    const dir = variant((t) => {
      const out = new Map<string, SafetensorsTensorInput>();
      for (const [k, v] of t) {
        if (k.startsWith('classifier.')) continue;
        out.set(k.slice('bert.'.length).replace(/LayerNorm\.weight$/, 'LayerNorm.gamma').replace(/LayerNorm\.bias$/, 'LayerNorm.beta'), v);
      }
      out.set('cls.predictions.bias', { dtype: 'F32', shape: [100], data: new Float32Array(100) });
      out.set('cls.seq_relationship.weight', { dtype: 'F32', shape: [2, 32], data: new Float32Array(64) });
      out.set('embeddings.position_ids', { dtype: 'I64', shape: [1, 64], data: Int32Array.from({ length: 64 }, (_, i) => i) });
      return out;
    });
    expect(readFileSync(join(dir, 'model.safetensors')).toString('latin1')).toContain('embeddings.LayerNorm.gamma');
    const warnings: string[] = [];
    const model = (await loadPretrained(directorySource(dir), { backend, onWarning: (m) => warnings.push(m) })) as BertForSequenceClassification;
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/newly initialised \(not in the checkpoint\): classifier\.weight, classifier\.bias$/);
    const reference = (await loadPretrained(directorySource(modelDir('bert')), { backend })) as BertForSequenceClassification;
    const pooled = await readF64(noGrad(() => model.bert.encode({ inputIds: ids() }).poolerOutput!));
    const expected = await readF64(noGrad(() => reference.bert.encode({ inputIds: ids() }).poolerOutput!));
    expectClose(pooled, expected, { atol: 0, rtol: 0 }, 'encoder from the renamed checkpoint');
    const w = await readF64(model.classifier.weight);
    const std = Math.sqrt(w.reduce((s, v) => s + v * v, 0) / w.length);
    expect(std).toBeGreaterThan(0.01); // drawn from N(0, 0.02²), not left at zero
    expect(std).toBeLessThan(0.04);
    expect([...(await readF64(model.classifier.bias!))]).toEqual([0, 0, 0]);
  });
});
