import { afterEach, describe, expect, it } from 'vitest';
import { AdamW, type Backend, Generator, MethodRegistry, PeftModel, type PeftConfig, Stack, type Tensor, fromArray, noGrad, tidy } from '@peft/core';
import { readF64, testBackends } from '@peft/core/testing';
import { bottleneck, bottleneckConfig } from '@peft/adapters';
import { lora, loraConfig } from '@peft/lora';
import { createTinyModel } from '@peft/testing';
import { bitfit, bitfitConfig } from './index.js';
import { prefixTuning, prefixTuningConfig } from '@peft/prefix';


const backends = await testBackends();
const STEPS = 30;
const CONFIGS: Record<string, () => PeftConfig> = {
  lora: () => loraConfig({ r: 2, targetModules: ['c_attn'] }),
  adapters: () => bottleneckConfig({ config: 'pfeiffer', bottleneckSize: 4 }),
  bitfit: () => bitfitConfig({ targetModules: ['ln_1', 'ln_2', 'ln_f', 'attn.c_proj', 'c_fc'] }),
  prefix: () => prefixTuningConfig({ numVirtualTokens: 3 }),
};

/**
 * The task: sequences that count up by 3 (mod 60, shifted past the special ids) from a start token.
 * Eight starts train, four others are held out.
 */
function counting(starts: readonly number[], backend: Backend): Tensor {
  const ids = starts.flatMap((s) => Array.from({ length: 8 }, (_, t) => 2 + ((s + 3 * t) % 60)));
  return fromArray(ids, [starts.length, 8], { dtype: 'i32', backend });
}

describe.each(backends)('training LoRA, adapters, BitFit and a prefix together on $name', ({ backend }) => {
  const made: { dispose(): void }[] = [];
  afterEach(() => {
    for (const m of made.splice(0)) m.dispose();
  });
  const registry = new MethodRegistry().register(lora).register(bottleneck).register(bitfit).register(prefixTuning);

  /** Trains the named adapters as one stack for STEPS AdamW steps; returns the last training loss and the held-out loss. */
  const train = async (names: readonly string[]): Promise<{ trainable: number; first: number; train: number; heldOut: number }> => {
    const model = createTinyModel('gpt2', backend, 0);
    const peft = new PeftModel(model, { registry, generator: new Generator(1), warn: () => {} });
    made.push(peft);
    for (const n of names) await peft.addAdapter(n, CONFIGS[n]());
    peft.setComposition(Stack(...names));
    const trainIds = counting([0, 7, 14, 21, 28, 35, 42, 49], backend);
    const heldIds = counting([4, 19, 33, 52], backend);
    made.push(trainIds, heldIds);
    peft.train();
    const opt = new AdamW([...peft.parameters()].filter((p) => p.requiresGrad), { lr: 1e-2, weightDecay: 0 });
    let last = Infinity;
    let first = Infinity;
    for (let step = 0; step < STEPS; step++) {
      const loss = tidy(() => {
        const out = peft.forward({ inputIds: trainIds, labels: trainIds });
        out.loss!.backward();
        return out.loss!.detach();
      });
      opt.step();
      peft.zeroGrad();
      last = (await readF64(loss))[0];
      if (step === 0) first = last;
      loss.dispose();
    }
    opt.dispose?.();
    peft.eval();
    const held = noGrad(() => peft.forward({ inputIds: heldIds, labels: heldIds }).loss!);
    made.push(held);
    return { trainable: peft.trainableParameters().trainable, first, train: last, heldOut: (await readF64(held))[0] };
  };

  it(`the four together reach a lower loss than each alone after ${STEPS} steps`, async () => {
    const results: Record<string, { trainable: number; first: number; train: number; heldOut: number }> = {};
    for (const n of Object.keys(CONFIGS)) results[n] = await train([n]);
    results.together = await train(Object.keys(CONFIGS));
    // the numbers docs/composition.md reports
    console.log(JSON.stringify(results));
    for (const n of Object.keys(CONFIGS)) {
      expect(results.together.train, `training loss, together vs ${n}`).toBeLessThan(results[n].train);
      expect(results.together.heldOut, `held-out loss, together vs ${n}`).toBeLessThan(results[n].heldOut);
    }
  });
});
