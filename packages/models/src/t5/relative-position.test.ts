import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURES } from '../test-support/fixtures.js';
import { relativePositionBucket } from './relative-position.js';

/** transformers' `T5Attention._relative_position_bucket` over -300..300 in four settings (tools/t5-variants.py). */
const reference = JSON.parse(readFileSync(join(FIXTURES, 'variants', 't5-buckets', 'buckets.json'), 'utf8')) as {
  relative_positions: number[];
  settings: { bidirectional: boolean; num_buckets: number; max_distance: number; buckets: number[] }[];
};

describe('T5 relative position buckets', () => {
  it.each(reference.settings.map((s) => [`${s.bidirectional ? 'bidirectional' : 'causal'}, ${s.num_buckets} buckets, max distance ${s.max_distance}`, s] as const))(
    'gives transformers’ bucket for every relative position from -300 to 300 (%s)',
    (_name, s) => {
      const ours = reference.relative_positions.map((r) => relativePositionBucket(r, { bidirectional: s.bidirectional, numBuckets: s.num_buckets, maxDistance: s.max_distance }));
      expect(ours).toEqual(s.buckets);
    },
  );
});
