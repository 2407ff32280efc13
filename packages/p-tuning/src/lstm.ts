import { type Backend, type Generator, Module, Parameter, ShapeError, concat, defaultGenerator, dropout, fromArray, type Tensor } from '@peft/core';
import { linear, sigmoid, tanh } from '@peft/core/plugin';

/**
 * A bidirectional, multi-layer LSTM over one sequence `[seq, input]`, with PyTorch's parameter names
 * (`weight_ih_l0`, `weight_hh_l0`, `bias_ih_l0`, `bias_hh_l0`, and `_reverse` for the backward
 * direction), gate order (input, forget, cell, output) and initialisation (U(−1/√h, 1/√h)). Returns
 * `[seq, 2·hidden]`: each position's forward and backward hidden states. Dropout applies to the
 * outputs of every layer but the last while training.
 *
 * @example
 * ```ts
 * const lstm = new BiLstm(32, 16, 2);
 * lstm.forward(x).shape; // x [5, 32] -> [5, 32]
 * ```
 */
export class BiLstm extends Module {
  constructor(
    readonly inputSize: number,
    readonly hiddenSize: number,
    readonly numLayers: number,
    readonly dropoutP = 0,
    opts?: { generator?: Generator; backend?: Backend },
  ) {
    super();
    const gen = opts?.generator ?? defaultGenerator();
    const bound = 1 / Math.sqrt(hiddenSize);
    const param = (shape: number[]): Parameter => {
      const n = shape.reduce((a, b) => a * b, 1);
      const values = Array.from(gen.uniform(n), (u) => (2 * u - 1) * bound);
      return new Parameter(fromArray(values, shape, { backend: opts?.backend }));
    };
    for (let l = 0; l < numLayers; l++) {
      const input = l === 0 ? inputSize : 2 * hiddenSize;
      for (const suffix of ['', '_reverse']) {
        this.registerParameter(`weight_ih_l${l}${suffix}`, param([4 * hiddenSize, input]));
        this.registerParameter(`weight_hh_l${l}${suffix}`, param([4 * hiddenSize, hiddenSize]));
        this.registerParameter(`bias_ih_l${l}${suffix}`, param([4 * hiddenSize]));
        this.registerParameter(`bias_hh_l${l}${suffix}`, param([4 * hiddenSize]));
      }
    }
  }

  /** Runs the LSTM over `x` `[seq, inputSize]`. @example `lstm.forward(embeddings)` */
  forward(x: Tensor): Tensor {
    if (x.shape.length !== 2 || x.shape[1] !== this.inputSize) {
      throw new ShapeError(`BiLstm.forward: expected [seq, ${this.inputSize}], got [${x.shape.join(', ')}]`);
    }
    let h = x;
    for (let l = 0; l < this.numLayers; l++) {
      if (l > 0 && this.training && this.dropoutP > 0) h = dropout(h, this.dropoutP);
      h = concat([this.direction(h, l, ''), this.direction(h, l, '_reverse')], 1);
    }
    return h;
  }

  private direction(x: Tensor, layer: number, suffix: string): Tensor {
    const p = (name: string): Tensor => this.getParameter(`${name}_l${layer}${suffix}`);
    const hs = this.hiddenSize;
    const seq = x.shape[0];
    const inputs = linear(x, p('weight_ih'), p('bias_ih')); // [seq, 4h]
    const order = suffix === '' ? [...Array(seq).keys()] : [...Array(seq).keys()].reverse();
    const outputs = new Array<Tensor>(seq);
    let h: Tensor | undefined;
    let c: Tensor | undefined;
    for (const t of order) {
      const xt = inputs.slice([t, 0], [t + 1, 4 * hs]);
      const gates = h ? xt.add(linear(h, p('weight_hh'), p('bias_hh'))) : xt.add(p('bias_hh'));
      const gate = (k: number): Tensor => gates.slice([0, k * hs], [1, (k + 1) * hs]);
      const i = sigmoid(gate(0));
      const f = sigmoid(gate(1));
      const g = tanh(gate(2));
      const o = sigmoid(gate(3));
      c = c ? f.mul(c).add(i.mul(g)) : i.mul(g);
      h = o.mul(tanh(c));
      outputs[t] = h;
    }
    return concat(outputs, 0);
  }
}
