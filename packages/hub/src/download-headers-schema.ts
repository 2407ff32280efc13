import * as v from 'valibot';

const DIGITS = /^\d{1,15}$/;
/** An HTTP entity tag, weak or strong, quoted or not (the Hub quotes them). */
const ETAG = /^(?:W\/)?"?[^"\s]+"?$/;

/**
 * The headers of the Hub's answer to a download's first request (`GET …/resolve/<commit>/<path>` with
 * `Range: bytes=0-0`, after redirects) that the download relies on: the size (`Content-Range`'s total,
 * or `X-Linked-Size` for files served through Xet), the file's id (`X-Linked-Etag`, else `ETag`),
 * `Content-Length`, and for Xet files their hash (`X-Xet-Hash`) and links. Missing sizes or ids, and
 * values that do not parse, are refused; headers it does not name are ignored.
 *
 * @example
 * ```ts
 * checkHubShape(DownloadHeadersSchema, downloadHeaders(res), `GET ${url} (headers)`);
 * ```
 */
export const DownloadHeadersSchema = v.pipe(
  v.object({
    'content-type': v.optional(v.string()),
    'content-range': v.optional(v.pipe(v.string(), v.regex(/^bytes (?:\d{1,15}-\d{1,15}|\*)\/\d{1,15}$/, 'expected "bytes <first>-<last>/<size>"'))),
    'content-length': v.optional(v.pipe(v.string(), v.regex(DIGITS, 'expected a number of bytes'))),
    etag: v.optional(v.pipe(v.string(), v.regex(ETAG, 'expected an entity tag such as "\\"4a1c…\\""'))),
    'x-linked-etag': v.optional(v.pipe(v.string(), v.regex(ETAG, 'expected an entity tag such as "\\"4a1c…\\""'))),
    'x-linked-size': v.optional(v.pipe(v.string(), v.regex(DIGITS, 'expected a number of bytes'))),
    'x-xet-hash': v.optional(v.string()),
    link: v.optional(v.string()),
  }),
  v.forward(
    v.check((h) => h.etag !== undefined || h['x-linked-etag'] !== undefined, 'missing: the Hub names a file by X-Linked-Etag or ETag'),
    ['etag'],
  ),
  v.forward(
    v.check((h) => !isXet(h) || h['x-linked-size'] !== undefined, 'missing: a file served through Xet gives its size in X-Linked-Size'),
    ['x-linked-size'],
  ),
  v.forward(
    v.check((h) => isXet(h) || h['content-range'] !== undefined, 'missing: the answer to a ranged request gives the size in Content-Range'),
    ['content-range'],
  ),
  v.forward(
    v.check((h) => !isXet(h) || (h['x-xet-hash'] !== undefined && h.link !== undefined), 'missing: a file served through Xet needs X-Xet-Hash and its Link header'),
    ['x-xet-hash'],
  ),
);

function isXet(h: { 'content-type'?: string }): boolean {
  return h['content-type']?.includes('application/vnd.xet-fileinfo+json') ?? false;
}

/** The header names {@link DownloadHeadersSchema} reads. */
const NAMES = ['content-type', 'content-range', 'content-length', 'etag', 'x-linked-etag', 'x-linked-size', 'x-xet-hash', 'link'] as const;

/**
 * The headers {@link DownloadHeadersSchema} checks, as a plain object (absent ones left out).
 *
 * @example
 * ```ts
 * downloadHeaders(new Headers({ ETag: '"abc"' })); // { etag: '"abc"' }
 * ```
 */
export function downloadHeaders(headers: Headers): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of NAMES) {
    const value = headers.get(name);
    if (value !== null) out[name] = value;
  }
  return out;
}
