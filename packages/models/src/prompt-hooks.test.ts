/**
 * The two prompt-learning hooks of the model protocol (`inputsEmbeds`, prefix `pastKeyValues`) are
 * enough for prompt tuning and prefix tuning: thin wrappers written here, without touching the models,
 * reproduce Python PEFT's logits and generated tokens on the fixture cases.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  type Backend,
  type Embedding,
  type ModelInfo,
  type ModelInputs,
  type ModelOutput,
  Module,
  type PretrainedModel,
  type Tensor,
  concat,
  loadSafetensorsTensors,
  noGrad,
  ones,
  unsqueeze,
} from '@peft/core';
import { KVCache, composite, expand, reshape } from '@peft/core/plugin';
import { expectClose, readF64, testBackends } from '@peft/core/testing';
import { loadPretrained } from './auto-model.js';
import { directorySource } from '@peft/core/node';
import { generate } from './generation/generate.js';
import { FIXTURES, type FixtureCase, flat, intTensor, modelDir } from './test-support/fixtures.js';

const backends = await testBackends();

function readPromptCase(name: string, backend: Backend): { c: FixtureCase; embeddings: Tensor } {
  const dir = join(FIXTURES, 'prompt-cases', name);
  const c = JSON.parse(readFileSync(join(dir, 'case.json'), 'utf8')) as FixtureCase;
  const { tensors } = loadSafetensorsTensors(readFileSync(join(dir, 'adapter_model.safetensors')), { backend });
  return { c, embeddings: tensors.get('prompt_embeddings')! };
}

/** Prompt or prefix tuning over a frozen base, the way PEFT wires it: only model inputs change. */
class PromptWrapper extends Module implements PretrainedModel {
  constructor(
    readonly base: PretrainedModel,
    readonly kind: 'prompt' | 'prefix',
    readonly embeddings: Tensor, // prompt: [virtual, hidden]; prefix: [virtual, layers·2·kvHeads·headDim]
  ) {
    super();
  }
  get info(): ModelInfo {
    return this.base.info;
  }
  get config(): Readonly<Record<string, unknown>> {
    return this.base.config;
  }
  getInputEmbeddings(): Embedding {
    return this.base.getInputEmbeddings();
  }
  forward(inputs: ModelInputs): ModelOutput {
    const virtual = this.embeddings.shape[0];
    const ids = inputs.inputIds!;
    const [b] = ids.shape;
    const backend = ids.backend;
    const cache = inputs.pastKeyValues ?? new KVCache(this.info.numLayers);
    const first = cache.length === 0;
    const seen = first ? 0 : cache.length - virtual;
    const mask = composite(() => {
      const given = inputs.attentionMask ?? ones([b, seen + ids.shape[1]], { dtype: 'i32', backend });
      return concat([ones([b, virtual], { dtype: given.dtype, backend }), given], 1);
    });
    if (this.kind === 'prefix') {
      if (first) {
        const { numLayers: layers, numKeyValueHeads: heads, headDim } = this.info;
        // [virtual, layers·2·heads·headDim] -> per layer (key, value), each [batch, heads, virtual, headDim]
        const pkv = reshape(expand(unsqueeze(this.embeddings, 0), [b, virtual, this.embeddings.shape[1]]), [b, virtual, layers * 2, heads, headDim]).permute([2, 0, 3, 1, 4]);
        for (let l = 0; l < layers; l++) cache.update(l, pkv.slice([2 * l], [2 * l + 1]).reshape([b, heads, virtual, headDim]), pkv.slice([2 * l + 1], [2 * l + 2]).reshape([b, heads, virtual, headDim]));
      }
      return this.base.forward({ inputIds: ids, attentionMask: mask, pastKeyValues: cache, labels: inputs.labels });
    }
    if (!first) return this.base.forward({ inputIds: ids, attentionMask: mask, pastKeyValues: cache });
    const prompt = expand(unsqueeze(this.embeddings, 0), [b, ...this.embeddings.shape]);
    const embeds = concat([prompt, this.getInputEmbeddings().forward(ids)], 1);
    return this.base.forward({ inputsEmbeds: embeds, attentionMask: mask, pastKeyValues: inputs.pastKeyValues });
  }
}

describe.each(backends)('prompt-learning hooks on $name', ({ backend }) => {
  describe.each(['gpt2', 'llama'] as const)('%s', (model) => {
    const load = () => loadPretrained(directorySource(modelDir(model)), { backend, onWarning: () => {} });

    it.each(['prefix', 'prompt'] as const)('reproduce PEFT %s tuning logits through the model inputs alone', async (kind) => {
      const { c, embeddings } = readPromptCase(`${model}_${kind === 'prefix' ? 'prefix' : 'prompt_random'}`, backend);
      const wrapped = new PromptWrapper(await load(), kind, embeddings);
      const logits = noGrad(() => wrapped.forward({ inputIds: intTensor(c.inputs.input_ids, backend), attentionMask: intTensor(c.inputs.attention_mask, backend) }).logits);
      expect(logits.shape).toEqual(kind === 'prefix' ? [2, 8, 100] : [2, 13, 100]); // prompt tuning returns the virtual positions too
      expectClose(await readF64(logits), flat(c.logits_adapter), { atol: 1e-5, rtol: 0 }, `${model} ${kind} logits`);
    });

    it('generates PEFT’s tokens with a prefix or a prompt, through the KV cache', async () => {
      const name = model === 'gpt2' ? 'gpt2_prefix_generate' : 'llama_prompt_generate';
      const { c, embeddings } = readPromptCase(name, backend);
      const wrapped = new PromptWrapper(await load(), model === 'gpt2' ? 'prefix' : 'prompt', embeddings);
      const out = await generate(wrapped, c.inputs.input_ids, { maxNewTokens: 8 });
      expect(out.sequences).toEqual(c.with_adapter.sequences);
    });
  });
});
