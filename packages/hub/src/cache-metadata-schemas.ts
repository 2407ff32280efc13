import * as v from 'valibot';
import { GIT_ID, RepoPathSchema, SHA256 } from './hub-api-schemas.js';

/**
 * A ref file of the cache (`refs/<branch>` in Node, the revision entry of the browser's Cache
 * Storage): the commit a branch or tag pointed at, 40 hex digits (surrounding white space allowed, as
 * Python writes none and editors add a newline).
 *
 * @example
 * ```ts
 * const commit = checkHubShape(RefFileSchema, text, '/cache/models--org--name/refs/main');
 * ```
 */
export const RefFileSchema = v.pipe(v.string(), v.trim(), v.regex(GIT_ID, 'expected the 40-hex-digit commit id the revision pointed at'));

/**
 * The file listing the browser loader keeps in Cache Storage per commit (it writes it itself, so
 * the shape is strict): each file's path, size and id (the git blob id, or the sha256 of an LFS file).
 *
 * @example
 * ```ts
 * const files = checkHubShape(BrowserListingSchema, await hit.json(), treeKey);
 * ```
 */
export const BrowserListingSchema = v.array(
  v.strictObject({
    path: RepoPathSchema,
    size: v.pipe(v.number(), v.safeInteger(), v.minValue(0)),
    etag: v.pipe(
      v.string(),
      v.check((e) => GIT_ID.test(e) || SHA256.test(e), 'expected a git blob id (40 hex digits) or a sha256 (64)'),
    ),
  }),
);
