import { describe, expect, it } from 'vitest';
import { createShapeBackend } from './shape-backend.js';
import { Linear, tensor, zeros } from '../../index.js';
import { matmul } from '../../plugin.js';

describe('the shape backend', () => {
  it('counts the bytes a tensor would hold without holding them', () => {
    const shapes = createShapeBackend();
    const w = zeros([50257, 768], { backend: shapes });
    expect(shapes.memory().liveBytes).toBe(50257 * 768 * 4);
    w.dispose();
    expect(shapes.memory().liveBytes).toBe(0);
    expect(shapes.memory().peakBytes).toBe(50257 * 768 * 4);
  });

  it('gives kernel outputs the shape and size a real backend would', async () => {
    const shapes = createShapeBackend();
    const a = zeros([2, 3, 4], { backend: shapes });
    const b = zeros([4, 5], { backend: shapes });
    const c = matmul(a, b);
    expect(c.shape).toEqual([2, 3, 5]);
    expect(c.sum(-1).shape).toEqual([2, 3]);
    expect(Array.from(await c.data())).toEqual(new Array(30).fill(0));
    expect(shapes.memory().liveBytes).toBeGreaterThanOrEqual((24 + 20 + 30) * 4);
  });

  it('builds a layer from host data by its size alone', () => {
    const shapes = createShapeBackend();
    const layer = new Linear(16, 8, { backend: shapes });
    expect(layer.weight.shape).toEqual([8, 16]);
    tensor([1, 2, 3], { backend: shapes });
    expect(shapes.memory().liveBytes).toBe((8 * 16 + 8 + 3) * 4);
  });
});
