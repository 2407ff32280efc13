import { describe, expect, it } from 'vitest';
import { ArgumentError } from '../errors.js';
import { Dropout } from '../nn/dropout.js';
import { GELU } from '../nn/activations.js';
import { LayerNorm } from '../nn/layer-norm.js';
import { Linear } from '../nn/linear.js';
import { Module } from '../nn/module.js';
import * as ops from '../ops/index.js';
import { Generator, defaultGenerator } from '../random.js';
import { tidy } from '../scope.js';
import type { Tensor } from '../tensor.js';
import { testOpBackends } from '../test-support/backends.js';
import { liveBuffers, rand, readF64, toTensor } from '../test-support/numeric.js';
import { checkpoint } from './checkpoint.js';
import { noGrad } from './graph.js';

/** A residual MLP block with dropout from two generators: the global one and its own. */
class Block extends Module {
  readonly norm: LayerNorm;
  readonly up: Linear;
  readonly down: Linear;
  readonly act = new GELU();
  readonly dropGlobal: Dropout;
  readonly dropOwn: Dropout;

  constructor(d: number, backend: Parameters<typeof toTensor>[1], seed: number) {
    super();
    const g = new Generator(seed);
    this.norm = this.registerModule('norm', new LayerNorm(d, { backend }));
    this.up = this.registerModule('up', new Linear(d, 4 * d, { backend, generator: g }));
    this.down = this.registerModule('down', new Linear(4 * d, d, { backend, generator: g }));
    this.dropGlobal = this.registerModule('dropGlobal', new Dropout(0.3));
    this.dropOwn = this.registerModule('dropOwn', new Dropout(0.2, { generator: new Generator(seed + 100) }));
  }

  forward(x: Tensor): Tensor {
    const h = this.dropGlobal.forward(this.act.forward(this.up.forward(this.norm.forward(x))));
    return ops.add(x, this.dropOwn.forward(this.down.forward(h)));
  }
}

const backends = await testOpBackends();

describe.each(backends)('checkpoint on $name', ({ backend }) => {
  const d = 8;
  const makeBlocks = () => [new Block(d, backend, 1), new Block(d, backend, 2)];
  const input = () => toTensor(rand([2, 5, d], { seed: 7 }), backend, true);

  /** Input and parameter gradients of two blocks and a sum-of-squares loss, with or without checkpointing. */
  async function gradients(useCheckpoint: boolean, inputNeedsGrad = true): Promise<Float64Array[]> {
    defaultGenerator().manualSeed(5);
    const blocks = makeBlocks();
    blocks[1].up.weight.requiresGrad = false; // a frozen parameter inside a checkpointed block
    const x = input();
    x.requiresGrad = inputNeedsGrad;
    tidy(() => {
      let h = x;
      for (const b of blocks) h = useCheckpoint ? checkpoint((y) => b.forward(y), h, { name: 'block', module: b }) : b.forward(h);
      ops.sum(ops.mul(h, h)).backward();
    });
    const tensors = [...(inputNeedsGrad ? [x.grad!] : []), ...blocks.flatMap((b) => [...b.parameters()].filter((p) => p.requiresGrad).map((p) => p.grad!))];
    const out = await Promise.all(tensors.map(readF64));
    out.push(Float64Array.of(defaultGenerator().state().counter));
    x.dispose();
    for (const b of blocks) b.dispose();
    return out;
  }

  it('gives the gradients of the plain forward, dropout masks included', async () => {
    const plain = await gradients(false);
    const recomputed = await gradients(true);
    expect(recomputed.length).toBe(plain.length);
    for (let k = 0; k < plain.length; k++) expect(recomputed[k]).toEqual(plain[k]);
  });

  it('gives parameters their gradients when the input needs none (frozen embeddings under an adapter)', async () => {
    const plain = await gradients(false, false);
    const recomputed = await gradients(true, false);
    for (let k = 0; k < plain.length; k++) expect(recomputed[k]).toEqual(plain[k]);
  });

  it('keeps only the block output alive after the forward', () => {
    const blocks = makeBlocks();
    tidy(() => {
      const x = input();
      const before = liveBuffers(backend);
      checkpoint((y) => blocks[0].forward(y), x, { module: blocks[0] });
      const kept = liveBuffers(backend) - before;
      const plainBefore = liveBuffers(backend);
      blocks[0].forward(x);
      const plainKept = liveBuffers(backend) - plainBefore;
      expect(kept).toBe(1);
      expect(plainKept).toBeGreaterThan(5);
    });
    for (const b of blocks) b.dispose();
  });

  it('just runs the function when nothing records a gradient', () => {
    const block = makeBlocks()[0];
    tidy(() => {
      const y = noGrad(() => checkpoint((v) => block.forward(v), input(), { module: block }));
      expect(y.node).toBeNull();
    });
    block.dispose();
  });
});

describe('checkpoint arguments', () => {
  it('refuses a function that is not one', () => {
    expect(() => checkpoint(42 as never, undefined as never, { name: 'layer 0' })).toThrow(ArgumentError);
    expect(() => checkpoint(42 as never, undefined as never, { name: 'layer 0' })).toThrow(/checkpoint\(layer 0\): expected a function of one tensor, got number/);
  });
});
