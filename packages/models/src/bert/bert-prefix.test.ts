import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ShapeError, ArgumentError, fromArray, noGrad, parseSafetensors, randn, tensorsFromSafetensors, type Backend, type Tensor } from '@peft/core';
import { KVCache, type KVPair } from '@peft/core/plugin';
import { expectClose, readF64, testBackends } from '@peft/core/testing';
import { loadPretrained } from '../auto-model.js';
import { directorySource } from '@peft/core/node';
import { FIXTURES, flat, intTensor, modelDir } from '../test-support/fixtures.js';

const backends = await testBackends();
const quiet = { onWarning: () => {} };
const PREFIX_DIR = join(FIXTURES, 'bert-prefix');
const [LAYERS, HEADS, HEAD_DIM, VIRTUAL] = [2, 4, 8, 5];

/**
 * PEFT's prefix layout: `prompt_embeddings` [virtual, layers·2·hidden] viewed as
 * [virtual, layers·2, heads, headDim]; entry 2l is layer l's keys and 2l+1 its values, each
 * [batch, heads, virtual, headDim].
 */
async function fixturePrefix(batch: number, backend: Backend): Promise<KVPair[]> {
  const contents = parseSafetensors(readFileSync(join(PREFIX_DIR, 'adapter_model.safetensors')));
  const table = tensorsFromSafetensors(contents, { backend }).get('prompt_embeddings')!;
  const pe = await readF64(table);
  const width = LAYERS * 2 * HEADS * HEAD_DIM;
  const part = (slot: number): Tensor => {
    const out = new Float32Array(batch * HEADS * VIRTUAL * HEAD_DIM);
    let i = 0;
    for (let b = 0; b < batch; b++)
      for (let h = 0; h < HEADS; h++)
        for (let t = 0; t < VIRTUAL; t++) for (let d = 0; d < HEAD_DIM; d++) out[i++] = pe[t * width + (slot * HEADS + h) * HEAD_DIM + d];
    return fromArray(out, [batch, HEADS, VIRTUAL, HEAD_DIM], { backend });
  };
  return Array.from({ length: LAYERS }, (_, l) => ({ key: part(2 * l), value: part(2 * l + 1) }));
}

function randomPrefix(batch: number, backend: Backend): KVPair[] {
  return Array.from({ length: LAYERS }, () => ({ key: randn([batch, HEADS, VIRTUAL, HEAD_DIM], { backend }), value: randn([batch, HEADS, VIRTUAL, HEAD_DIM], { backend }) }));
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

describe.each(backends)('BERT with a key/value prefix on $name', ({ backend }) => {
  const c = JSON.parse(readFileSync(join(PREFIX_DIR, 'case.json'), 'utf8')) as { inputs: { input_ids: number[][] }; logits_adapter: number[][] };
  const ids = c.inputs.input_ids;
  const [batch, seq] = [ids.length, ids[0].length];
  const mask = (prefixValue: number) => intTensor(ids.map((r) => [...Array<number>(VIRTUAL).fill(prefixValue), ...r.map(() => 1)]), backend);
  const positionsAfterPrefix = () => intTensor(ids.map((r) => r.map((_, i) => VIRTUAL + i)), backend);

  it("reproduces PEFT's prefix-tuning logits: the prefix joins every layer's keys and values and positions start after it", async () => {
    const model = await loadPretrained(directorySource(modelDir('bert')), { backend });
    const cache = KVCache.fromPrefix(await fixturePrefix(batch, backend));
    const logits = noGrad(() => model.forward({ inputIds: intTensor(ids, backend), attentionMask: mask(1), pastKeyValues: cache }).logits);
    expectClose(await readF64(logits), flat(c.logits_adapter), { atol: 1e-5, rtol: 0 }, 'prefix logits');
    for (let l = 0; l < LAYERS; l++) expect(cache.layer(l)!.key.shape).toEqual([batch, HEADS, VIRTUAL + seq, HEAD_DIM]);
  });

  it('changes the hidden states when the prefix is attended to', async () => {
    const bert = await loadPretrained(directorySource(modelDir('bert')), { backend, className: 'BertModel', ...quiet });
    const inputIds = intTensor(ids, backend);
    const plain = await readF64(noGrad(() => bert.forward({ inputIds, positionIds: positionsAfterPrefix() }).logits));
    const cache = KVCache.fromPrefix(randomPrefix(batch, backend));
    const attended = await readF64(noGrad(() => bert.forward({ inputIds, attentionMask: mask(1), pastKeyValues: cache }).logits));
    expect(maxAbsDiff(plain, attended)).toBeGreaterThan(1e-2);
  });

  it('equals the prefix-free model at shifted positions when the prefix is masked out, and the shift itself matters', async () => {
    const bert = await loadPretrained(directorySource(modelDir('bert')), { backend, className: 'BertModel', ...quiet });
    const inputIds = intTensor(ids, backend);
    const cache = KVCache.fromPrefix(randomPrefix(batch, backend));
    const masked = await readF64(noGrad(() => bert.forward({ inputIds, attentionMask: mask(0), pastKeyValues: cache }).logits));
    const shifted = await readF64(noGrad(() => bert.forward({ inputIds, positionIds: positionsAfterPrefix() }).logits));
    const unshifted = await readF64(noGrad(() => bert.forward({ inputIds }).logits));
    expectClose(masked, shifted, { atol: 1e-5, rtol: 0 }, 'masked prefix vs shifted positions');
    expect(maxAbsDiff(masked, unshifted)).toBeGreaterThan(1e-2);
  });

  it('rejects a mask that does not cover the prefix, and positions past max_position_embeddings', async () => {
    const bert = await loadPretrained(directorySource(modelDir('bert')), { backend, className: 'BertModel', ...quiet });
    const inputIds = intTensor(ids, backend);
    const cache = KVCache.fromPrefix(randomPrefix(batch, backend));
    const short = intTensor(ids.map((r) => r.map(() => 1)), backend);
    expect(() => bert.forward({ inputIds, attentionMask: short, pastKeyValues: cache })).toThrow(ShapeError);
    expect(() => bert.forward({ inputIds, attentionMask: short, pastKeyValues: cache })).toThrow(/5 cached \+ 8 new/);
    const long = KVCache.fromPrefix(Array.from({ length: LAYERS }, () => ({ key: randn([batch, HEADS, 60, HEAD_DIM], { backend }), value: randn([batch, HEADS, 60, HEAD_DIM], { backend }) })));
    expect(() => bert.forward({ inputIds, pastKeyValues: long })).toThrow(ArgumentError);
    expect(() => bert.forward({ inputIds, pastKeyValues: long })).toThrow(/60 cached \+ 8 new positions exceed max_position_embeddings 64/);
  });
});
