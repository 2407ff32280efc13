import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createCpuBackend, noGrad, parseSafetensors } from '@peft/core';
import { expectClose, readF64 } from '@peft/core/testing';
import { directorySource } from '@peft/core/node';
import { loadPretrained } from './auto-model.js';
import { checkpointTensors, savePretrained } from './save-pretrained.js';
import { intTensor, modelDir, readCase } from './test-support/fixtures.js';

const cpu = createCpuBackend();

describe('savePretrained', () => {
  it('writes a checkpoint folder that loads back to the same logits, with the tied head written once', async () => {
    const source = directorySource(modelDir('gpt2'));
    const model = await loadPretrained(source, { backend: cpu, onWarning: () => {} });
    const dir = mkdtempSync(join(tmpdir(), 'peft-save-'));
    const written = await savePretrained(model, dir, { copyFrom: source });
    expect(written).toContain('config.json');
    expect(readFileSync(join(dir, 'config.json'))).toEqual(readFileSync(join(modelDir('gpt2'), 'config.json')));
    const keys = [...parseSafetensors(readFileSync(join(dir, 'model.safetensors'))).tensors.keys()];
    expect(keys).toContain('transformer.wte.weight');
    expect(keys).not.toContain('lm_head.weight');
    expect(readdirSync(dir).some((f) => f.endsWith('.tmp'))).toBe(false);
    const again = await loadPretrained(directorySource(dir), { backend: cpu, onWarning: () => {} });
    const ids = intTensor(readCase('gpt2_lora').inputs.input_ids, cpu);
    const [a, b] = noGrad(() => [model.forward({ inputIds: ids }).logits, again.forward({ inputIds: ids }).logits]);
    expectClose(await readF64(b), await readF64(a), { atol: 0, rtol: 0 }, 'reloaded logits');
  });

  it('lists every tensor once even when two names share it', async () => {
    const model = await loadPretrained(directorySource(modelDir('gpt2')), { backend: cpu, onWarning: () => {} });
    const tensors = checkpointTensors(model);
    expect(new Set(tensors.values()).size).toBe(tensors.size);
    expect(tensors.size).toBe(model.stateDict().size - 1);
  });
});
