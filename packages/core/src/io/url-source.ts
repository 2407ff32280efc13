import { FileFormatError } from '../errors.js';
import type { CheckpointSource } from './checkpoint-source.js';
import type { ByteSource } from './safetensors-reader.js';

/**
 * Options of {@link urlSource}.
 *
 * @example
 * ```ts
 * const opts: UrlSourceOptions = { fetch: (url) => fetch(url, { credentials: 'include' }) };
 * ```
 */
export interface UrlSourceOptions {
  /** The fetch to use (default: the global `fetch`): add headers, credentials, a cache. */
  readonly fetch?: (url: string) => Promise<Response>;
}

/**
 * A {@link CheckpointSource} over files served under one URL (a folder on any static server, e.g.
 * `https://example.org/models/gpt2/`, or a path relative to the page): `config.json`,
 * `model.safetensors` and `tokenizer.json` are fetched by name. A 404 means the file does not
 * exist, and so does an HTML page (the fallback page single-page-app servers answer for unknown
 * paths; checkpoints hold no HTML); any other failure rejects with a FileFormatError naming the URL. Each file is downloaded
 * once and held only while it is being read.
 *
 * @example
 * ```ts
 * const model = await loadPretrained(urlSource('/models/base-model/'));
 * const tokenizer = await loadTokenizer(urlSource('/models/base-model/'));
 * ```
 */
export function urlSource(baseUrl: string, opts: UrlSourceOptions = {}): CheckpointSource {
  const base = baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`;
  const doFetch = opts.fetch ?? ((url: string) => fetch(url));
  const urlOf = (name: string): string => base + name.split('/').map(encodeURIComponent).join('/');
  const pending = new Map<string, Promise<Uint8Array | undefined>>();
  const get = (name: string): Promise<Uint8Array | undefined> => {
    let p = pending.get(name);
    if (!p) {
      p = download(doFetch, urlOf(name));
      pending.set(name, p);
      // a failed download is tried again next time
      p.catch(() => pending.delete(name));
    }
    return p;
  };
  return {
    label: base.replace(/\/$/, ''),
    has: async (name) => (await get(name)) !== undefined,
    async readText(name) {
      const bytes = await get(name);
      pending.delete(name);
      return bytes === undefined ? undefined : new TextDecoder().decode(bytes);
    },
    async withBytes(name, fn) {
      const bytes = await get(name);
      if (bytes === undefined) throw new FileFormatError(`urlSource: ${urlOf(name)} not found (404)`);
      try {
        return await fn(bytesSource(bytes, urlOf(name)));
      } finally {
        pending.delete(name);
      }
    },
  };
}

async function download(doFetch: (url: string) => Promise<Response>, url: string): Promise<Uint8Array | undefined> {
  let response: Response;
  try {
    response = await doFetch(url);
  } catch (e) {
    throw new FileFormatError(`urlSource: fetching ${url} failed (${(e as Error).message})`, { cause: e });
  }
  // a 404, or the HTML page single-page-app servers (Vite's dev server, many hosts) send for any unknown path
  if (response.status === 404 || (/^text\/html\b/i.test(response.headers.get('content-type') ?? '') && !/\.html?$/i.test(url))) return undefined;
  if (!response.ok) throw new FileFormatError(`urlSource: fetching ${url} answered ${response.status} ${response.statusText}; expected 200`);
  return new Uint8Array(await response.arrayBuffer());
}

function bytesSource(bytes: Uint8Array, label: string): ByteSource {
  return {
    size: bytes.length,
    read(target, position) {
      if (position < 0 || position + target.length > bytes.length) {
        return Promise.reject(new RangeError(`${label}: read of ${target.length} bytes at ${position} is past the end (${bytes.length} bytes)`));
      }
      target.set(bytes.subarray(position, position + target.length));
      return Promise.resolve();
    },
  };
}
