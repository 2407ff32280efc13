import { describe, expect, it } from 'vitest';
import { fromArray, noGrad } from '@peft/core';
import { expectClose, readF64, testBackends } from '@peft/core/testing';
import { createModel } from '../auto-model.js';
import { bceWithLogits, inferProblemType, sequenceClassificationLoss } from './sequence-classification-loss.js';

const backends = await testBackends();

/** Binary cross-entropy written the textbook way, in f64. */
function bceReference(x: number[], y: number[]): number {
  const sig = (v: number) => 1 / (1 + Math.exp(-v));
  return x.reduce((s, v, i) => s - (y[i] * Math.log(sig(v)) + (1 - y[i]) * Math.log(1 - sig(v))), 0) / x.length;
}

const tiny = (extra: Record<string, unknown>) => ({
  model_type: 'bert',
  vocab_size: 20,
  hidden_size: 8,
  num_hidden_layers: 1,
  num_attention_heads: 2,
  intermediate_size: 16,
  max_position_embeddings: 16,
  hidden_dropout_prob: 0,
  attention_probs_dropout_prob: 0,
  ...extra,
});

describe.each(backends)('sequence classification losses on $name', ({ backend }) => {
  const logitsValues = [0.5, -1.25, 3, -40, 0, 2.5];
  const logits = () => fromArray(logitsValues, [2, 3], { backend });

  it('computes binary cross-entropy on logits like the textbook formula, also for large |x|', async () => {
    const y = [1, 0, 1, 0, 0.25, 1];
    const loss = bceWithLogits(logits(), fromArray(y, [2, 3], { backend }));
    expectClose(await readF64(loss), [bceReference(logitsValues, y)], { atol: 1e-6, rtol: 0 }, 'bce');
  });

  it('picks the loss by problem type: cross-entropy for class ids, MSE for one label, BCE for float targets', async () => {
    const ids = fromArray([2, 0], [2], { dtype: 'i32', backend });
    expect(inferProblemType(3, ids)).toBe('single_label_classification');
    const ce = sequenceClassificationLoss(logits(), ids);
    const lse = (r: number[]) => Math.log(r.reduce((s, v) => s + Math.exp(v), 0));
    const expectedCe = (lse(logitsValues.slice(0, 3)) - 3 + lse(logitsValues.slice(3)) - -40) / 2;
    expectClose(await readF64(ce), [expectedCe], { atol: 1e-5, rtol: 0 }, 'cross-entropy');
    const one = fromArray([0.5, -2], [2, 1], { backend });
    const mse = sequenceClassificationLoss(one, fromArray([1, 0], [2], { backend }));
    expectClose(await readF64(mse), [(0.25 + 4) / 2], { atol: 1e-6, rtol: 0 }, 'mse');
    const y = [1, 0, 0, 1, 1, 0];
    const multi = sequenceClassificationLoss(logits(), fromArray(y, [2, 3], { backend }));
    expectClose(await readF64(multi), [bceReference(logitsValues, y)], { atol: 1e-6, rtol: 0 }, 'multi-label');
  });

  it("makes the classifier's loss follow the config's problem_type", async () => {
    const inputIds = fromArray([1, 2, 3, 4, 5, 6, 7, 8], [2, 4], { dtype: 'i32', backend });
    const targets = [1, 0, 1, 0, 1, 1];
    const labels = fromArray(targets, [2, 3], { backend });
    const model = createModel(tiny({ num_labels: 3, problem_type: 'multi_label_classification' }), { backend });
    model.eval();
    const out = noGrad(() => model.forward({ inputIds, labels }));
    expect(out.logits.shape).toEqual([2, 3]);
    expectClose(await readF64(out.loss!), [bceReference([...(await readF64(out.logits))], targets)], { atol: 1e-6, rtol: 0 }, 'model bce');
    const regression = createModel(tiny({ num_labels: 1 }), { backend });
    const r = noGrad(() => regression.forward({ inputIds, labels: fromArray([0.5, -0.5], [2], { backend }) }));
    const [a, b] = await readF64(r.logits);
    expectClose(await readF64(r.loss!), [((a - 0.5) ** 2 + (b + 0.5) ** 2) / 2], { atol: 1e-6, rtol: 0 }, 'model mse');
  });

  it('initialises a fresh model as transformers does: word embeddings from N(0, 0.02²) with the padding row at zero', async () => {
    const model = createModel(tiny({ num_labels: 2 }), { backend });
    const table = await readF64(model.getInputEmbeddings().weight);
    expect([...table.slice(0, 8)]).toEqual(new Array(8).fill(0));
    const std = Math.sqrt(table.slice(8).reduce((s, v) => s + v * v, 0) / (table.length - 8));
    expect(std).toBeGreaterThan(0.01);
    expect(std).toBeLessThan(0.04);
  });
});
