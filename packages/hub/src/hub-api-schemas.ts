import * as v from 'valibot';

/** A 40-hex-digit git id: a commit, or a file's git blob id. */
export const GIT_ID = /^[0-9a-f]{40}$/;
/** A 64-hex-digit sha256 (a Git LFS file's id). */
export const SHA256 = /^[0-9a-f]{64}$/;

/**
 * A path inside a repository as the Hub lists it: relative, `/`-separated, without empty, `.` or `..`
 * segments, backslashes or NUL, so that it stays inside the cache's snapshot folder.
 *
 * @example
 * ```ts
 * v.is(RepoPathSchema, 'data/train.parquet'); // true
 * v.is(RepoPathSchema, '../../etc/passwd'); // false
 * ```
 */
export const RepoPathSchema = v.pipe(
  v.string(),
  v.check(
    (p) => p.length > 0 && !p.includes('\\') && !p.includes('\0') && p.split('/').every((s) => s !== '' && s !== '.' && s !== '..'),
    'expected a relative path inside the repository (no leading "/", no empty, "." or ".." segments)',
  ),
);

/** A size in bytes: a non-negative safe integer. @example `v.is(SizeSchema, 612) // true` */
export const SizeSchema = v.pipe(v.number(), v.safeInteger('expected a whole number of bytes'), v.minValue(0, 'expected a size of at least 0 bytes'));

/**
 * What `GET /api/{models,datasets}/<id>/revision/<revision>` must hold for the library to use it: the
 * commit (`sha`) the revision points at. The Hub sends many more fields (and adds some over time);
 * they are ignored.
 *
 * @example
 * ```ts
 * const { sha } = checkHubShape(RevisionInfoSchema, json, url);
 * ```
 */
export const RevisionInfoSchema = v.object({
  sha: v.pipe(v.string(), v.regex(GIT_ID, 'expected a 40-hex-digit commit id')),
});

/**
 * One entry of `GET /api/{models,datasets}/<id>/tree/<commit>?recursive=true`: its kind, path, size
 * and git id, and for Git LFS files the sha256 and size of the content. The blob in the cache is named
 * by the sha256 (LFS) or the git id, and checked against it, so both must be hex ids. Fields the
 * library does not read (`xetHash`, `lastCommit`, `securityFileStatus`, …) are ignored.
 *
 * @example
 * ```ts
 * const entry = v.parse(TreeEntrySchema, { type: 'file', path: 'config.json', size: 612, oid: '4a1c…' });
 * ```
 */
export const TreeEntrySchema = v.object({
  type: v.string(),
  path: RepoPathSchema,
  size: SizeSchema,
  oid: v.pipe(v.string(), v.regex(GIT_ID, 'expected a 40-hex-digit git id')),
  lfs: v.optional(
    v.object({
      oid: v.pipe(v.string(), v.regex(SHA256, 'expected a 64-hex-digit sha256')),
      size: SizeSchema,
    }),
  ),
});

/**
 * A page of the tree listing: an array of {@link TreeEntrySchema}.
 *
 * @example
 * ```ts
 * const entries = checkHubShape(TreeListingSchema, json, url);
 * ```
 */
export const TreeListingSchema = v.array(TreeEntrySchema);

/**
 * `model.safetensors.index.json`, as far as the download reads it: `weight_map`, from tensor names to
 * the shard files (paths inside the repository). `metadata` and any other field are ignored.
 *
 * @example
 * ```ts
 * const shards = new Set(Object.values(checkHubShape(SafetensorsIndexSchema, JSON.parse(text), 'org/name/model.safetensors.index.json').weight_map));
 * ```
 */
export const SafetensorsIndexSchema = v.object({
  weight_map: v.record(v.string(), RepoPathSchema),
});
