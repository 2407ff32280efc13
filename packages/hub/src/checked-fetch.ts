import { HubError } from './hub-error.js';
import { DownloadHeadersSchema, downloadHeaders } from './download-headers-schema.js';
import { RevisionInfoSchema, TreeListingSchema } from './hub-api-schemas.js';
import { checkHubShape } from './hub-shape.js';
import { CommitAnswerSchema, CreateRepoAnswerSchema, LfsBatchAnswerSchema, PreuploadAnswerSchema } from './push-api-schemas.js';

/** The Hub's JSON answers the library uses, by method and path, and the schema each must satisfy. */
const JSON_ROUTES = [
  { method: 'GET', path: /^\/api\/(?:models|datasets)\/[^/]+(?:\/[^/]+)?\/revision\//, schema: RevisionInfoSchema },
  { method: 'GET', path: /^\/api\/(?:models|datasets)\/[^/]+(?:\/[^/]+)?\/tree\//, schema: TreeListingSchema },
  // a push: the repository, the pre-upload (which files go through LFS), the LFS batch, the commit
  { method: 'POST', path: /^\/api\/repos\/create$/, schema: CreateRepoAnswerSchema },
  { method: 'POST', path: /^\/api\/(?:models|datasets)\/[^/]+\/[^/]+\/preupload\//, schema: PreuploadAnswerSchema },
  { method: 'POST', path: /^\/(?:datasets\/)?[^/]+\/[^/]+\.git\/info\/lfs\/objects\/batch$/, schema: LfsBatchAnswerSchema },
  { method: 'POST', path: /^\/api\/(?:models|datasets)\/[^/]+\/[^/]+\/commit\//, schema: CommitAnswerSchema },
] as const;

function urlOf(input: string | URL | Request): string {
  return typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
}

function headerOf(init: RequestInit | undefined, name: string): string | undefined {
  return init?.headers ? (new Headers(init.headers).get(name) ?? undefined) : undefined;
}

/** `promise`, or `onTimeout()`'s error after `ms` without a result. */
async function within<T>(promise: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), ms);
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Reads one chunk of a stream, or fails with a `HubError` (`network`) when none comes within `ms`
 * (a server that stops sending, or a body that never starts); the stream is cancelled then.
 *
 * @example
 * ```ts
 * const { done, value } = await readWithin(reader, 10_000, 'org/name/model.safetensors');
 * ```
 */
export function readWithin(reader: ReadableStreamDefaultReader<Uint8Array>, ms: number, what: string): Promise<ReadableStreamReadResult<Uint8Array>> {
  return within(reader.read(), ms, () => {
    const e = new HubError('network', `${what}: no data for ${ms} ms; the connection was given up (raise HF_HUB_DOWNLOAD_TIMEOUT for a slow link)`);
    // cancelled after the timeout's rejection has settled the race (a cancel ends the pending read as done)
    setTimeout(() => void reader.cancel(e).catch(() => undefined), 0);
    return e;
  });
}

/** The same response with another body, keeping status, headers and URL (which the Hub client reads). */
function withBody(res: Response, body: BodyInit | null, headers: Headers = res.headers): Response {
  const nullBody = [101, 103, 204, 205, 304].includes(res.status);
  const out = new Response(nullBody ? null : body, { status: res.status, statusText: res.statusText, headers });
  Object.defineProperty(out, 'url', { value: res.url });
  return out;
}

/**
 * Wraps the `fetch` the Hub client uses so that nothing from the network is used unchecked and no
 * request waits forever:
 *
 * - a request without a body gets no answer within `timeoutMs`, or a body pauses longer than that
 *   between chunks: a `HubError` (`network`), and the request is aborted;
 * - the JSON of revision info and tree listings is parsed and checked against
 *   {@link RevisionInfoSchema} and {@link TreeListingSchema} before the client sees it, and so are
 *   a push's answers (repository creation, pre-upload, LFS batch, commit: {@link CreateRepoAnswerSchema},
 *   {@link PreuploadAnswerSchema}, {@link LfsBatchAnswerSchema}, {@link CommitAnswerSchema}); the headers
 *   of a download's first ranged request against {@link DownloadHeadersSchema}; a mismatch is a
 *   `HubError` (`malformed`) naming the URL and the field;
 * - an error answer (4xx, 5xx) whose JSON does not parse reaches the client as text, so that the
 *   status still tells what went wrong.
 *
 * Redirects are followed by `fetch` itself (at most 20, then it fails).
 *
 * @example
 * ```ts
 * const params = { hubUrl, fetch: checkedFetch(fetch, { timeoutMs: 10_000 }) };
 * await modelInfo({ ...params, name: 'org/name', additionalFields: ['sha'] });
 * ```
 */
export function checkedFetch(inner: typeof fetch, opts: { timeoutMs: number }): typeof fetch {
  const ms = opts.timeoutMs;
  return async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = urlOf(input);
    const method = (init?.method ?? (input instanceof Request ? input.method : 'GET')).toUpperCase();
    const controller = new AbortController();
    const outer = init?.signal;
    if (outer) {
      if (outer.aborted) controller.abort(outer.reason);
      else outer.addEventListener('abort', () => controller.abort(outer.reason), { once: true });
    }
    // uploads may take long before an answer: only requests without a body wait at most `ms`
    const bounded = init?.body === undefined || init.body === null;
    const request = inner(input, { ...init, signal: controller.signal });
    const res = bounded
      ? await within(request, ms, () => {
          const e = new HubError('network', `${method} ${url}: no answer within ${ms} ms (raise HF_HUB_DOWNLOAD_TIMEOUT for a slow link)`);
          controller.abort(e);
          request.catch(() => undefined);
          return e;
        })
      : await request;
    let checked = res;
    if (res.body) {
      const reader = res.body.getReader();
      checked = withBody(
        res,
        new ReadableStream<Uint8Array>({
          async pull(c) {
            const { done, value } = await readWithin(reader, ms, `${method} ${url}`).catch((e: unknown) => {
              controller.abort(e);
              throw e;
            });
            if (done) c.close();
            else c.enqueue(value);
          },
          cancel(reason) {
            return reader.cancel(reason);
          },
        }),
      );
    }
    const path = new URL(url).pathname;
    const route = JSON_ROUTES.find((r) => r.method === method && r.path.test(path));
    if (!checked.ok) return route || /\/resolve\//.test(path) ? plainErrorBody(checked) : checked;
    if (route) {
      const text = await checked.text();
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch (e) {
        throw new HubError('malformed', `${url}: the Hub's answer is not JSON (${(e as Error).message})`);
      }
      checkHubShape(route.schema, json, url);
      return withBody(checked, text);
    }
    if (/\/resolve\//.test(path) && headerOf(init, 'range') === 'bytes=0-0') {
      checkHubShape(DownloadHeadersSchema, downloadHeaders(checked.headers), `${method} ${url} (headers)`);
    }
    return checked;
  };
}

/** An error answer whose body is not a JSON object is passed on as text (the client reads an object's `error`, or else the text, as the message). */
async function plainErrorBody(res: Response): Promise<Response> {
  if (!res.headers.get('content-type')?.startsWith('application/json')) return res;
  const text = await res.text().catch(() => '');
  try {
    const json: unknown = JSON.parse(text);
    if (typeof json === 'object' && json !== null && !Array.isArray(json)) return withBody(res, text);
  } catch {
    // not JSON: passed on as text below
  }
  const headers = new Headers(res.headers);
  headers.set('content-type', 'text/plain');
  return withBody(res, text, headers);
}
