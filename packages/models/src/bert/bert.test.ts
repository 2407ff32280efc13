import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fromArray, noGrad, parseSafetensors, tidy, type Backend, type PretrainedModel } from '@peft/core';
import { expectClose, readF64, testBackends } from '@peft/core/testing';
import { loadPretrained } from '../auto-model.js';
import { directorySource } from '@peft/core/node';
import { flat, intTensor, modelDir, readCase } from '../test-support/fixtures.js';
import { type BertForSequenceClassification, BertModel } from './model.js';

const backends = await testBackends();
const quiet = { onWarning: () => {} };

function run(model: PretrainedModel, ids: number[][], mask: number[][], backend: Backend, labels?: number[]) {
  return noGrad(() =>
    model.forward({
      inputIds: intTensor(ids, backend),
      attentionMask: intTensor(mask, backend),
      labels: labels ? fromArray(labels, [labels.length], { dtype: 'i32', backend }) : undefined,
    }),
  );
}

describe.each(backends)('BERT on $name', ({ backend }) => {
  it('reproduces the fixture base logits of BertForSequenceClassification', async () => {
    const model = await loadPretrained(directorySource(modelDir('bert')), { backend });
    const c = readCase('bert_lora');
    const { logits } = run(model, c.inputs.input_ids, c.inputs.attention_mask, backend);
    expect(logits.shape).toEqual([2, 3]);
    expectClose(await readF64(logits), flat(c.logits_base), { atol: 1e-5, rtol: 0 }, 'bert logits');
  });

  it('reproduces the right-padded base logits and loss, and each padded row equals the row run alone', async () => {
    const model = await loadPretrained(directorySource(modelDir('bert')), { backend });
    const c = readCase('bert_lora_pad_right');
    const { logits, loss } = run(model, c.inputs.input_ids, c.inputs.attention_mask, backend, c.labels);
    const padded = await readF64(logits);
    expectClose(padded, flat(c.logits_base), { atol: 1e-5, rtol: 0 }, 'padded logits');
    expectClose(await readF64(loss!), [c.loss_base], { atol: 1e-5, rtol: 0 }, 'loss');
    for (let row = 0; row < 2; row++) {
      const n = c.inputs.lengths[row] as number;
      const ids = [(c.inputs.input_ids[row] as number[]).slice(0, n)];
      const alone = await readF64(run(model, ids, [ids[0].map(() => 1)], backend).logits);
      expectClose(alone, padded.slice(row * 3, row * 3 + 3), { atol: 1e-5, rtol: 0 }, `row ${row} alone`);
    }
  });

  it('makes the padding mask matter: without it the padded row moves by more than the parity tolerance', async () => {
    const model = await loadPretrained(directorySource(modelDir('bert')), { backend });
    const c = readCase('bert_lora_pad_right');
    const unmasked = c.inputs.attention_mask.map((r: number[]) => r.map(() => 1));
    const out = await readF64(run(model, c.inputs.input_ids, unmasked, backend).logits);
    const base = flat(c.logits_base);
    // twice the 1e-5 tolerance: the row-alone comparison above could not pass with the mask ignored
    expect(Math.max(...[3, 4, 5].map((i) => Math.abs(out[i] - base[i])))).toBeGreaterThan(2e-5);
  });

  it('gives the same logits from inputsEmbeds as from the ids they embed, and token types change them', async () => {
    const model = await loadPretrained(directorySource(modelDir('bert')), { backend });
    const c = readCase('bert_lora');
    const ids = intTensor(c.inputs.input_ids, backend);
    const viaEmbeds = noGrad(() => model.forward({ inputsEmbeds: model.getInputEmbeddings().forward(ids) }).logits);
    expectClose(await readF64(viaEmbeds), flat(c.logits_base), { atol: 1e-5, rtol: 0 }, 'inputsEmbeds');
    const types = intTensor(c.inputs.input_ids.map((r: number[]) => r.map((_, i) => (i < 4 ? 0 : 1))), backend);
    const typed = await readF64(noGrad(() => model.forward({ inputIds: ids, tokenTypeIds: types }).logits));
    expect(Math.max(...typed.map((v, i) => Math.abs(v - flat(c.logits_base)[i])))).toBeGreaterThan(1e-4);
  });

  it('loads the classifier checkpoint as a bare BertModel whose forward returns the last hidden state and whose pooler feeds the head', async () => {
    const warnings: string[] = [];
    const bert = await loadPretrained(directorySource(modelDir('bert')), { backend, className: 'BertModel', onWarning: (m) => warnings.push(m) });
    expect(bert).toBeInstanceOf(BertModel);
    expect(bert.info.task).toBe('base');
    expect(bert.info.embeddingPath).toBe('embeddings.word_embeddings');
    expect([...bert.stateDict().keys()]).toContain('encoder.layer.1.attention.self.query.weight');
    expect(warnings.join('\n')).toMatch(/ignored 2 checkpoint tensor\(s\).*classifier\.(weight|bias)/);
    const c = readCase('bert_lora');
    const ids = intTensor(c.inputs.input_ids, backend);
    const hidden = noGrad(() => bert.forward({ inputIds: ids }).logits);
    expect(hidden.shape).toEqual([2, 8, 32]);
    const full = (await loadPretrained(directorySource(modelDir('bert')), { backend, ...quiet })) as BertForSequenceClassification;
    const logits = noGrad(() => full.classifier.forward((bert as BertModel).encode({ inputIds: ids }).poolerOutput!));
    expectClose(await readF64(logits), flat(c.logits_base), { atol: 1e-5, rtol: 0 }, 'encode + classifier');
  });

  it('trains: every parameter gets a gradient and one SGD step lowers the classification loss', async () => {
    const model = await loadPretrained(directorySource(modelDir('bert')), { backend });
    model.train();
    const c = readCase('bert_lora_pad_right');
    const inputs = () => ({
      inputIds: intTensor(c.inputs.input_ids, backend),
      attentionMask: intTensor(c.inputs.attention_mask, backend),
      labels: fromArray(c.labels as number[], [2], { dtype: 'i32', backend }),
    });
    const before = model.forward(inputs()).loss!;
    expectClose(await readF64(before), [c.loss_base], { atol: 1e-5, rtol: 0 }, 'loss in train mode');
    before.backward();
    const params = [...model.namedParameters()];
    const fileNames = [...parseSafetensors(readFileSync(join(modelDir('bert'), 'model.safetensors'))).tensors.keys()];
    expect(params.map(([name]) => name).sort()).toEqual(fileNames.sort()); // transformers' parameter paths, one for one
    for (const [name, p] of params) expect(p.grad?.shape, name).toEqual(p.shape);
    noGrad(() => tidy(() => params.forEach(([, p]) => p.assign(p.sub(p.grad!.mul(0.5))))));
    const after = noGrad(() => model.forward(inputs()).loss!);
    expect((await readF64(after))[0]).toBeLessThan(c.loss_base - 1e-3);
  });
});
