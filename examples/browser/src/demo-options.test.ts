import { describe, expect, it } from 'vitest';
import { DEFAULT_DEMO_OPTIONS, parseDemoOptions } from './demo-options.js';

describe('parseDemoOptions', () => {
  it('reads a short run from the query string', () => {
    expect(parseDemoOptions('?steps=12&batch=4&eval=8&samples=1&autostart=1')).toEqual({ ...DEFAULT_DEMO_OPTIONS, steps: 12, batch: 4, evalExamples: 8, samples: 1, autostart: true });
  });

  it('reads a Hub model id, the Hub URL, the method and its rank', () => {
    expect(parseDemoOptions('?model=org/tiny&hub=http://127.0.0.1:9&method=loha&rank=4')).toMatchObject({ model: 'org/tiny', hub: 'http://127.0.0.1:9', method: 'loha', rank: 4 });
    expect(parseDemoOptions('?method=other&rank=0')).toMatchObject({ method: 'lora', rank: 8 });
  });

  it('keeps the defaults for missing, non-integer or out-of-range values', () => {
    expect(parseDemoOptions('')).toEqual(DEFAULT_DEMO_OPTIONS);
    expect(parseDemoOptions('?steps=2.5&batch=0&eval=x&autostart=0')).toEqual(DEFAULT_DEMO_OPTIONS);
  });
});
