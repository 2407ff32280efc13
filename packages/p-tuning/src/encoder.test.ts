import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { type Tensor, loadSafetensorsTensors, noGrad, tidy } from '@peft/core';
import { PromptEmbedding } from '@peft/core/plugin';
import { expectClose, readF64, testBackends } from '@peft/core/testing';
import { pTuningConfig, preparePTuningConfig } from './config.js';
import { PTuningEncoder, createPTuningEncoder } from './encoder.js';

const backends = await testBackends();
const REFERENCE = join(dirname(fileURLToPath(import.meta.url)), '..', 'test', 'fixtures', 'lstm_encoder.safetensors');
const lstmConfig = pTuningConfig({ numVirtualTokens: 4, tokenDim: 8, numTransformerSubmodules: 1, encoderReparameterizationType: 'LSTM', encoderHiddenSize: 6, encoderNumLayers: 2 });

describe.each(backends)('p-tuning prompt encoder on $name', ({ backend }) => {
  it('reproduces PyTorch’s LSTM encoder output and gradients (tools/make-lstm-reference.py)', async () => {
    const ref = loadSafetensorsTensors(readFileSync(REFERENCE), { backend }).tensors;
    const enc = new PTuningEncoder(lstmConfig, { backend });
    const params = new Map(enc.namedParameters());
    const expected = [...ref.keys()].filter((k) => k.startsWith('param.')).map((k) => k.slice(6));
    expect([...params.keys()].sort()).toEqual(expected.sort());
    for (const [k, p] of params) noGrad(() => tidy(() => void p.assign(ref.get(`param.${k}`)!)));
    const out = enc.forward();
    expectClose(await readF64(out), await readF64(ref.get('output')!), { atol: 1e-5, rtol: 0 }, 'LSTM encoder output');
    out.mul(ref.get('probe')!).sum().backward();
    for (const [k, p] of params) {
      expectClose(await readF64((p as unknown as { grad: Tensor }).grad), await readF64(ref.get(`grad.${k}`)!), { atol: 1e-5, rtol: 0 }, `gradient of ${k}`);
    }
  });

  it('builds PEFT’s MLP head: Linear–ReLU–Linear–ReLU–Linear, whatever encoderNumLayers says', () => {
    const enc = new PTuningEncoder(pTuningConfig({ numVirtualTokens: 5, tokenDim: 32, encoderHiddenSize: 16, encoderNumLayers: 7 }), { backend });
    const shapes = Object.fromEntries([...enc.namedParameters()].map(([k, p]) => [k, p.shape]));
    expect(shapes).toEqual({
      'embedding.weight': [5, 32],
      'mlp_head.0.weight': [16, 32],
      'mlp_head.0.bias': [16],
      'mlp_head.2.weight': [16, 16],
      'mlp_head.2.bias': [16],
      'mlp_head.4.weight': [32, 16],
      'mlp_head.4.bias': [32],
    });
    expect(enc.forward().shape).toEqual([5, 32]);
    expect(enc.savedParameter()).toBeUndefined();
  });

  it('is the plain saved table in inference mode', () => {
    const enc = createPTuningEncoder(pTuningConfig({ ...lstmConfig, inferenceMode: true }), { backend } as never);
    expect(enc).toBeInstanceOf(PromptEmbedding);
    expect(enc.forward().shape).toEqual([4, 8]);
  });
});

describe('p-tuning config', () => {
  it('takes the model’s hidden size as encoder_hidden_size when none is given', () => {
    const info = { hiddenSize: 32 } as never;
    expect(preparePTuningConfig(pTuningConfig(), info).encoderHiddenSize).toBe(32);
    expect(preparePTuningConfig(pTuningConfig({ encoderHiddenSize: 8 }), info).encoderHiddenSize).toBe(8);
  });

  it('rejects an unknown reparameterization type, naming the field', () => {
    expect(() => pTuningConfig({ encoderReparameterizationType: 'GRU' as never })).toThrow(/encoder_reparameterization_type/);
  });
});
