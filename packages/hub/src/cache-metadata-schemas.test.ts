import { describe, expect, it } from 'vitest';
import { BrowserListingSchema, RefFileSchema } from './cache-metadata-schemas.js';
import { HubError } from './hub-error.js';
import { checkHubShape } from './hub-shape.js';

const COMMIT = '0123456789abcdef0123456789abcdef01234567';

function message(run: () => unknown): string {
  try {
    run();
  } catch (e) {
    expect(e).toBeInstanceOf(HubError);
    expect((e as HubError).reason).toBe('malformed');
    return (e as Error).message;
  }
  throw new Error('expected a HubError');
}

describe('RefFileSchema (refs/<revision> of the cache)', () => {
  const where = '/cache/models--org--tiny/refs/main';
  it('reads the commit, with the newline an editor adds', () => {
    expect(checkHubShape(RefFileSchema, `${COMMIT}\n`, where)).toBe(COMMIT);
  });
  it('refuses an empty, truncated or mistyped ref, naming the file', () => {
    expect(message(() => checkHubShape(RefFileSchema, '', where))).toBe(`${where}: the value is invalid: expected the 40-hex-digit commit id the revision pointed at`);
    expect(message(() => checkHubShape(RefFileSchema, COMMIT.slice(0, 20), where))).toContain(`${where}: the value is invalid`);
    expect(message(() => checkHubShape(RefFileSchema, 42, where))).toBe(`${where}: the value should be string, got 42`);
  });
});

describe("BrowserListingSchema (the browser cache's listing per commit, written by the library: strict)", () => {
  const where = 'Cache Storage http://hub.test/api/models/org/tiny/tree/x';
  const entry = { path: 'config.json', size: 612, etag: COMMIT };
  it('reads what the loader stored', () => {
    expect(checkHubShape(BrowserListingSchema, [entry, { path: 'model.safetensors', size: 9, etag: 'ab'.repeat(32) }], where)).toHaveLength(2);
  });
  it('refuses a missing, a mistyped and an extra field', () => {
    expect(message(() => checkHubShape(BrowserListingSchema, [{ path: 'config.json', size: 612 }], where))).toBe(`${where}: missing field "0.etag" (expected string)`);
    expect(message(() => checkHubShape(BrowserListingSchema, [{ ...entry, size: '612' }], where))).toBe(`${where}: field "0.size" should be number, got "612"`);
    expect(message(() => checkHubShape(BrowserListingSchema, [{ ...entry, url: 'x' }], where))).toMatch(/unexpected field "0\.url"/);
  });
  it('refuses an etag that names no hash (the blob could not be checked)', () => {
    expect(message(() => checkHubShape(BrowserListingSchema, [{ ...entry, etag: 'abc' }], where))).toContain('field "0.etag" is invalid: expected a git blob id');
  });
});
