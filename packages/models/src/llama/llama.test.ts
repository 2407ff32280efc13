import { describe, expect, it } from 'vitest';
import { concat, noGrad, type Backend, type PretrainedModel, type Tensor } from '@peft/core';
import { KVCache } from '@peft/core/plugin';
import { expectClose, readF64, testBackends } from '@peft/core/testing';
import { loadPretrained } from '../auto-model.js';
import { directorySource } from '@peft/core/node';
import { flat, intTensor, modelDir, readCase } from '../test-support/fixtures.js';

const backends = await testBackends();
const TOL = { atol: 1e-5, rtol: 0 };

/** Values of `logits [b, s, v]` at row `r`, positions `from..to`. */
function rowSlice(values: Float64Array | number[], shape: readonly number[], r: number, from: number, to: number): number[] {
  const [, s, v] = shape;
  return Array.from(values.slice((r * s + from) * v, (r * s + to) * v));
}

async function logitsOf(model: PretrainedModel, backend: Backend, inputs: { ids: number[][]; mask?: number[][]; pos?: number[][] }): Promise<{ values: Float64Array; shape: readonly number[] }> {
  const logits: Tensor = noGrad(
    () =>
      model.forward({
        inputIds: intTensor(inputs.ids, backend),
        attentionMask: inputs.mask ? intTensor(inputs.mask, backend) : undefined,
        positionIds: inputs.pos ? intTensor(inputs.pos, backend) : undefined,
      }).logits,
  );
  const out = { values: await readF64(logits), shape: logits.shape };
  logits.dispose();
  return out;
}

describe.each(backends)('LLaMA on $name', ({ backend }) => {
  const load = (): Promise<PretrainedModel> => loadPretrained(directorySource(modelDir('llama')), { backend });

  it('reproduces the fixture base logits of LlamaForCausalLM', async () => {
    const model = await load();
    const c = readCase('llama_lora');
    const { values, shape } = await logitsOf(model, backend, { ids: c.inputs.input_ids, mask: c.inputs.attention_mask });
    expect(shape).toEqual([2, 8, 100]);
    expectClose(values, flat(c.logits_base), TOL, 'llama logits');
  });

  it('reproduces the base logits and loss of a right-padded batch at its real positions', async () => {
    const model = await load();
    const c = readCase('llama_lora_pad_right');
    const { values, shape } = await logitsOf(model, backend, { ids: c.inputs.input_ids, mask: c.inputs.attention_mask });
    const expected = flat(c.logits_base);
    c.inputs.lengths.forEach((len: number, r: number) => {
      expectClose(rowSlice(values, shape, r, 0, len), rowSlice(expected, shape, r, 0, len), TOL, `row ${r}`);
    });
    const loss = noGrad(() =>
      model.forward({ inputIds: intTensor(c.inputs.input_ids, backend), attentionMask: intTensor(c.inputs.attention_mask, backend), labels: intTensor(c.labels, backend) }).loss!,
    );
    expect((await readF64(loss))[0]).toBeCloseTo(c.loss_base, 5);
  });

  it('reproduces the base logits and loss of a left-padded batch at its real positions', async () => {
    const model = await load();
    const c = readCase('llama_lora_pad_left');
    const { values, shape } = await logitsOf(model, backend, { ids: c.inputs.input_ids, mask: c.inputs.attention_mask });
    const expected = flat(c.logits_base);
    const s = shape[1];
    c.inputs.lengths.forEach((len: number, r: number) => {
      expectClose(rowSlice(values, shape, r, s - len, s), rowSlice(expected, shape, r, s - len, s), TOL, `row ${r}`);
    });
    const loss = noGrad(() =>
      model.forward({ inputIds: intTensor(c.inputs.input_ids, backend), attentionMask: intTensor(c.inputs.attention_mask, backend), labels: intTensor(c.labels, backend) }).loss!,
    );
    expect((await readF64(loss))[0]).toBeCloseTo(c.loss_base, 5);
  });

  it('gives a left-padded row with mask-derived positions the logits of the row alone', async () => {
    const model = await load();
    const c = readCase('llama_lora_pad_left');
    const padded = await logitsOf(model, backend, { ids: c.inputs.input_ids, mask: c.inputs.attention_mask, pos: c.position_ids_mask_derived });
    const s = padded.shape[1];
    for (const [r, len] of (c.inputs.lengths as number[]).entries()) {
      const alone = await logitsOf(model, backend, { ids: [c.inputs.input_ids[r].slice(s - len)] });
      expectClose(rowSlice(padded.values, padded.shape, r, s - len, s), Array.from(alone.values), TOL, `row ${r}`);
    }
  });

  it('rejects position ids whose shape differs from the inputs', async () => {
    const model = await load();
    const ids = intTensor([[1, 2, 3]], backend);
    expect(() => model.forward({ inputIds: ids, positionIds: intTensor([[0, 1]], backend) })).toThrow(/LlamaModel: expected positionIds \[1, 3\] \(one per input token\), got \[1, 2\]/);
  });

  it('gives the same logits for 5 + 3 tokens through a persistent KV cache as for 8 at once', async () => {
    const model = await load();
    const ids: number[][] = readCase('llama_lora').inputs.input_ids;
    const whole = await logitsOf(model, backend, { ids });
    const cache = new KVCache(model.info.numLayers, { persistent: true });
    const first = noGrad(() => model.forward({ inputIds: intTensor(ids.map((r) => r.slice(0, 5)), backend), pastKeyValues: cache }).logits);
    expect(cache.length).toBe(5);
    const second = noGrad(() => model.forward({ inputIds: intTensor(ids.map((r) => r.slice(5)), backend), pastKeyValues: cache }).logits);
    expect(cache.length).toBe(8);
    const both = concat([first, second], 1);
    expectClose(await readF64(both), Array.from(whole.values), TOL, 'cached logits');
    cache.dispose();
  });

  it('gives the same logits for cached decoding of a left-padded batch with a mask covering the cache', async () => {
    const model = await load();
    const c = readCase('llama_lora_pad_left');
    const ids: number[][] = c.inputs.input_ids;
    const mask: number[][] = c.inputs.attention_mask;
    const pos: number[][] = c.position_ids_mask_derived;
    const whole = await logitsOf(model, backend, { ids, mask, pos });
    const cache = new KVCache(model.info.numLayers, { persistent: true });
    const part = (a: number[][], from: number, to: number): number[][] => a.map((r) => r.slice(from, to));
    const first = noGrad(() => model.forward({ inputIds: intTensor(part(ids, 0, 6), backend), attentionMask: intTensor(part(mask, 0, 6), backend), positionIds: intTensor(part(pos, 0, 6), backend), pastKeyValues: cache }).logits);
    const second = noGrad(() => model.forward({ inputIds: intTensor(part(ids, 6, 8), backend), attentionMask: intTensor(mask, backend), positionIds: intTensor(part(pos, 6, 8), backend), pastKeyValues: cache }).logits);
    const got = await readF64(concat([first, second], 1));
    const s = whole.shape[1];
    for (const [r, len] of (c.inputs.lengths as number[]).entries()) {
      expectClose(rowSlice(got, whole.shape, r, s - len, s), rowSlice(whole.values, whole.shape, r, s - len, s), TOL, `row ${r}`);
    }
    cache.dispose();
  });
});
