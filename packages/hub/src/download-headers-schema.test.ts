import { describe, expect, it } from 'vitest';
import { DownloadHeadersSchema, downloadHeaders } from './download-headers-schema.js';
import { HubError } from './hub-error.js';
import { checkHubShape } from './hub-shape.js';

const WHERE = 'GET http://hub.test/org/tiny/resolve/main/model.safetensors (headers)';
const SHA = 'ab'.repeat(32);
const good = { 'content-range': 'bytes 0-0/1234', 'content-length': '1', etag: `"${SHA}"`, 'x-linked-etag': `"${SHA}"`, 'x-linked-size': '1234' };

function message(headers: Record<string, unknown>): string {
  try {
    checkHubShape(DownloadHeadersSchema, headers, WHERE);
  } catch (e) {
    expect(e).toBeInstanceOf(HubError);
    expect((e as HubError).reason).toBe('malformed');
    return (e as Error).message;
  }
  throw new Error('expected a HubError');
}

describe('DownloadHeadersSchema (the first, ranged request of a download)', () => {
  it('accepts what the Hub sends for an LFS file and for a small one', () => {
    expect(checkHubShape(DownloadHeadersSchema, good, WHERE)).toEqual(good);
    expect(checkHubShape(DownloadHeadersSchema, { 'content-range': 'bytes 0-0/612', etag: 'W/"4a1c"' }, WHERE)).toBeDefined();
  });
  it('refuses an answer without a size (Content-Range) or without a file id (ETag), naming the header', () => {
    const { 'content-range': _, ...noRange } = good;
    expect(message(noRange)).toBe(`${WHERE}: field "content-range" is invalid: missing: the answer to a ranged request gives the size in Content-Range`);
    const { etag: _e, 'x-linked-etag': _x, ...noEtag } = good;
    expect(message(noEtag)).toBe(`${WHERE}: field "etag" is invalid: missing: the Hub names a file by X-Linked-Etag or ETag`);
  });
  it('refuses values that do not parse: a size that is not a number, a range without a total, an empty entity tag', () => {
    expect(message({ ...good, 'x-linked-size': '12a' })).toBe(`${WHERE}: field "x-linked-size" is invalid: expected a number of bytes`);
    expect(message({ ...good, 'content-length': '-1' })).toBe(`${WHERE}: field "content-length" is invalid: expected a number of bytes`);
    expect(message({ ...good, 'content-range': 'bytes 0-0/*' })).toBe(`${WHERE}: field "content-range" is invalid: expected "bytes <first>-<last>/<size>"`);
    expect(message({ ...good, etag: '""' })).toContain('field "etag" is invalid: expected an entity tag');
    expect(message({ ...good, etag: 7 })).toBe(`${WHERE}: field "etag" should be string, got 7`);
  });
  it('asks a file served through Xet for its size, hash and links', () => {
    expect(message({ 'content-type': 'application/vnd.xet-fileinfo+json', etag: '"a"' })).toContain('field "x-linked-size" is invalid: missing');
    expect(message({ 'content-type': 'application/vnd.xet-fileinfo+json', etag: '"a"', 'x-linked-size': '5' })).toContain('field "x-xet-hash" is invalid: missing');
  });
  it('ignores headers it does not read', () => {
    expect(checkHubShape(DownloadHeadersSchema, { ...good, 'x-repo-commit': 'abc', 'x-powered-by': 'mock' }, WHERE)).toEqual(good);
  });
});

describe('downloadHeaders', () => {
  it('takes the headers the schema reads', () => {
    expect(downloadHeaders(new Headers({ ETag: '"abc"', 'X-Other': '1', 'Content-Range': 'bytes 0-0/3' }))).toEqual({ etag: '"abc"', 'content-range': 'bytes 0-0/3' });
  });
});
