import * as v from 'valibot';
import { GIT_ID, SHA256, SizeSchema } from './hub-api-schemas.js';

/** An absolute http(s) URL (where a large file is uploaded, or a commit is shown). */
const HttpUrlSchema = v.pipe(v.string(), v.url('expected an absolute URL'), v.regex(/^https?:\/\//i, 'expected an http or https URL'));

/**
 * What `POST /api/{models,datasets}/<id>/preupload/<revision>` must hold for a push: for each file
 * sent, its `path` and whether it goes through Git LFS (`uploadMode: "lfs"`) or inline in the commit
 * (`"regular"`). The Hub also says which files it would ignore (`shouldIgnore`) and may add fields;
 * they are not read.
 *
 * @example
 * ```ts
 * const { files } = checkHubShape(PreuploadAnswerSchema, json, url);
 * ```
 */
export const PreuploadAnswerSchema = v.object({
  files: v.array(
    v.object({
      path: v.string(),
      uploadMode: v.picklist(['lfs', 'regular'], 'expected "lfs" or "regular"'),
      shouldIgnore: v.optional(v.boolean()),
    }),
  ),
});

/**
 * Where and how one large file is uploaded: `href`, and the request headers; a multipart upload
 * gives `chunk_size` and one URL per numbered part (`"1"`, `"2"`, …), each part `chunk_size` bytes.
 */
const LfsUploadActionSchema = v.object({
  href: HttpUrlSchema,
  header: v.optional(
    v.pipe(
      v.record(v.string(), v.string()),
      v.check((h) => h.chunk_size === undefined || /^[1-9]\d{0,15}$/.test(h.chunk_size), 'chunk_size must be a whole number of bytes above 0'),
      v.check((h) => h.chunk_size === undefined || Object.keys(h).every((k) => !/^\d+$/.test(k) || /^https?:\/\//i.test(h[k])), 'each numbered part must be an http or https URL'),
    ),
  ),
});

/**
 * What the Git LFS batch endpoint (`POST <id>.git/info/lfs/objects/batch`) must hold for a push:
 * for each object, its sha256 `oid`, and either an `upload` action (where to send the bytes; none
 * when the Hub already has them) or an `error` (`code`, `message`). `transfer` names the protocol the
 * Hub chose (`basic`, `multipart`, `xet`). `verify` actions and other fields are not read.
 *
 * @example
 * ```ts
 * const { objects } = checkHubShape(LfsBatchAnswerSchema, json, url);
 * ```
 */
export const LfsBatchAnswerSchema = v.object({
  transfer: v.optional(v.string()),
  objects: v.array(
    v.object({
      oid: v.pipe(v.string(), v.regex(SHA256, 'expected a 64-hex-digit sha256')),
      size: v.optional(SizeSchema),
      actions: v.optional(v.object({ upload: v.optional(LfsUploadActionSchema) })),
      error: v.optional(v.object({ code: v.number(), message: v.string() })),
    }),
  ),
});

/**
 * What `POST /api/{models,datasets}/<id>/commit/<revision>` must hold after a push: the new commit's
 * id (`commitOid`) and page (`commitUrl`), and for a pull request its page. `hookOutput`, `success`
 * and fields the Hub adds are not read.
 *
 * @example
 * ```ts
 * const { commitOid } = checkHubShape(CommitAnswerSchema, json, url);
 * ```
 */
export const CommitAnswerSchema = v.object({
  commitOid: v.pipe(v.string(), v.regex(GIT_ID, 'expected a 40-hex-digit commit id')),
  commitUrl: HttpUrlSchema,
  pullRequestUrl: v.optional(HttpUrlSchema),
  hookOutput: v.optional(v.string()),
});

/**
 * What `POST /api/repos/create` must hold when it creates a repository: its page (`url`). Other
 * fields (`name`, `id`) are not read.
 *
 * @example
 * ```ts
 * checkHubShape(CreateRepoAnswerSchema, json, url).url;
 * ```
 */
export const CreateRepoAnswerSchema = v.object({ url: HttpUrlSchema });
