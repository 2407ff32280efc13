import { describe, expect, it } from 'vitest';
import { type LossPoint, escapeXml, lossCurveSvg, lossSeriesFromMetrics, smoothLoss } from './loss-curve.js';

const pts = (losses: (number | null)[], start = 1): LossPoint[] => losses.map((loss, i) => ({ step: start + i, loss }));

/** The `points` attribute of each polyline of a class, as point counts. */
function polylineSizes(svg: string, cls: string): number[] {
  const re = new RegExp(`<polyline class="${cls}" points="([^"]*)"`, 'g');
  return [...svg.matchAll(re)].map((m) => m[1].split(' ').length);
}

function texts(svg: string, group: string): string[] {
  const body = svg.split(`<g class="${group}"`)[1].split('</g>')[0];
  return [...body.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);
}

describe('lossCurveSvg', () => {
  it('draws a standalone SVG document with one point per logged step', () => {
    const svg = lossCurveSvg({ train: pts([3, 2.5, 2.2, 2, 1.9]), eval: pts([2.6, 2.1], 2).map((p, i) => ({ ...p, step: 2 + 2 * i })) });
    expect(svg.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    expect(polylineSizes(svg, 'train')).toEqual([5]);
    expect(polylineSizes(svg, 'eval')).toEqual([2]);
    expect(svg.match(/class="eval-marker"/g)).toHaveLength(2);
    expect(svg).not.toMatch(/NaN|Infinity|undefined/);
  });

  it('labels both axes with round ticks, axis titles and a legend', () => {
    const svg = lossCurveSvg({ train: pts([3, 2.5, 2.2, 2, 1.9]) }, { xLabel: 'optimizer step', yLabel: 'cross-entropy' });
    expect(texts(svg, 'x-ticks')).toEqual(['1', '2', '3', '4', '5']);
    expect(texts(svg, 'y-ticks')).toEqual(['1.8', '2.0', '2.2', '2.4', '2.6', '2.8', '3.0']);
    expect(svg).toContain('>optimizer step</text>');
    expect(svg).toContain('>cross-entropy</text>');
    expect(texts(svg, 'legend')).toEqual(['train']);
  });

  it('escapes the title and labels', () => {
    const svg = lossCurveSvg({ train: pts([1, 2]) }, { title: 'r=8 & alpha<16> "q,v"' });
    expect(svg).toContain('>r=8 &amp; alpha&lt;16&gt; &quot;q,v&quot;</text>');
    expect(svg).not.toContain('alpha<16>');
  });

  it('breaks the curve at NaN and null values and draws a lone point as a dot', () => {
    const svg = lossCurveSvg({ train: pts([3, 2.8, Number.NaN, 2.5, 2.4, 2.3, null, 2.1]) });
    expect(polylineSizes(svg, 'train')).toEqual([2, 3]);
    expect(svg.match(/<circle class="train"/g)).toHaveLength(1);
    expect(svg).not.toMatch(/NaN/);
  });

  it('draws a single point with an axis around it', () => {
    const svg = lossCurveSvg({ train: [{ step: 100, loss: 2.5 }] });
    expect(polylineSizes(svg, 'train')).toEqual([]);
    expect(svg.match(/<circle class="train"/g)).toHaveLength(1);
    expect(texts(svg, 'x-ticks')).toContain('100');
    expect(texts(svg, 'y-ticks').length).toBeGreaterThanOrEqual(2);
    expect(svg).not.toMatch(/NaN|Infinity/);
  });

  it('gives constant values a readable axis and a flat line in the middle of it', () => {
    const svg = lossCurveSvg({ train: pts([2, 2, 2, 2]) });
    const ys = [...svg.matchAll(/<polyline class="train" points="([^"]*)"/g)][0][1].split(' ').map((p) => Number(p.split(',')[1]));
    expect(new Set(ys).size).toBe(1);
    expect(ys[0]).toBeGreaterThan(44);
    expect(ys[0]).toBeLessThan(420 - 48);
    expect(new Set(texts(svg, 'y-ticks')).size).toBe(texts(svg, 'y-ticks').length);
  });

  it('draws a faint raw curve under the smoothed one when smoothing', () => {
    const svg = lossCurveSvg({ train: pts([3, 1, 3, 1, 3, 1]) }, { smoothing: 0.6 });
    expect(polylineSizes(svg, 'train-raw')).toEqual([6]);
    expect(polylineSizes(svg, 'train')).toEqual([6]);
    expect(svg).toMatch(/<polyline class="train-raw"[^>]*opacity="0.3"/);
    expect(texts(svg, 'legend')).toEqual(['train (smoothed 0.6)']);
  });

  it('says so when there is nothing to draw', () => {
    const svg = lossCurveSvg({ train: pts([Number.NaN, null]) });
    expect(svg).toContain('no finite loss values');
    expect(svg).not.toMatch(/<polyline|NaN|Infinity/);
  });

  it('rejects a smoothing weight outside [0, 1) and a size too small to draw', () => {
    expect(() => lossCurveSvg({ train: pts([1]) }, { smoothing: 1 })).toThrow(
      'lossCurveSvg: smoothing must be a number in [0, 1), got 1',
    );
    expect(() => lossCurveSvg({}, { width: 50 })).toThrow('lossCurveSvg: width and height must be at least 200 × 150, got 50 × 420');
  });
});

describe('smoothLoss', () => {
  it('averages exponentially with bias correction and keeps gaps', () => {
    const s = smoothLoss(pts([4, 2, null, 2]), 0.5).map((p) => p.loss);
    expect(s[0]).toBe(4);
    expect(s[1]).toBeCloseTo((0.5 * 0.5 * 4 + 0.5 * 2) / 0.75, 12);
    expect(s[2]).toBeNull();
    expect(s[3]).toBeCloseTo((0.25 * 0.5 * 4 + 0.25 * 2 + 0.5 * 2) / 0.875, 12);
  });

  it('returns the values unchanged with weight 0', () => {
    expect(smoothLoss(pts([3, 1, 2]), 0)).toEqual(pts([3, 1, 2]));
  });
});

describe('lossSeriesFromMetrics', () => {
  it('takes loss as training and eval_loss as evaluation, keeping null gaps', () => {
    expect(
      lossSeriesFromMetrics([
        { step: 1, loss: 3, learning_rate: 1e-3 },
        { step: 2, loss: null },
        { step: 2, eval_loss: 2.9 },
        { step: 3, grad_norm: 1 },
      ]),
    ).toEqual({ train: [{ step: 1, loss: 3 }, { step: 2, loss: null }], eval: [{ step: 2, loss: 2.9 }] });
  });
});

describe('escapeXml', () => {
  it('replaces the five XML special characters', () => {
    expect(escapeXml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&apos;&amp;&apos;&lt;/a&gt;');
  });
});
