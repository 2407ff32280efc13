/**
 * An in-process Hub for the `hub` fuzz target: a `fetch` that answers the requests of `@peft/hub`
 * (revision info, tree listing, `resolve` probes and downloads, LFS redirects) for one small model
 * repository, where a script of bytes decides, request by request, whether the answer is right or which
 * fault it carries. Redirects are followed as Node's fetch follows them (at most 20, then a
 * `TypeError`), and an abort signal ends a request that hangs, as in Node's fetch.
 */
import { createHash } from 'node:crypto';
import { type FuzzRandom, mutateBytes, mutateJson } from '../fuzz-random.js';
import { stubFetch } from './stub-fetch.js';

/** A file of the stub repository: its bytes and whether the Hub stores it with Git LFS. */
export interface StubFile {
  readonly bytes: Uint8Array;
  readonly lfs: boolean;
}

const BASE = 'http://hub.fuzz';
const COMMIT = 'c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00';

/** The faults per kind of request; the script's byte picks one (or none). */
const FAULTS = {
  any: ['401', '403', '404', '500-text', '500-bad-json', 'no-answer', 'redirect-loop', 'not-json-ok'],
  revision: ['mutated-json', 'other-sha', 'truncated', 'array'],
  tree: ['mutated-json', 'bad-path', 'wrong-size', 'wrong-oid', 'link-loop', 'duplicate', 'truncated', 'dropped-lfs'],
  probe: ['no-etag', 'wrong-total', 'garbage-range', 'no-range-200', 'xet', 'other-etag', 'range-416', 'weak-etag'],
  content: ['truncated', 'extra-bytes', 'flipped', 'stall', 'no-body-204', 'wrong-length-header', 'ignores-range', 'empty'],
} as const;

function gitOid(bytes: Uint8Array): string {
  return createHash('sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex');
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function etagOf(f: StubFile): string {
  return f.lfs ? sha256(f.bytes) : gitOid(f.bytes);
}

/**
 * The stub Hub: `fetch` serves the repository `org/tiny` at {@link HubStub.commit} from `endpoint`,
 * consuming one byte of `script` per request (a byte below 200, or the script's end, is a right answer).
 *
 * @example
 * ```ts
 * const stub = new HubStub(files, script, r);
 * await hubSource('org/tiny', { endpoint: stub.endpoint, fetch: stub.fetch, cacheDir, env: {}, progress: null });
 * ```
 */
export class HubStub {
  readonly endpoint = BASE;
  readonly commit = COMMIT;
  /** The faults served, in order (for the report's kind). */
  readonly served: string[] = [];
  private at = 0;

  constructor(
    private readonly files: ReadonlyMap<string, StubFile>,
    private readonly script: Uint8Array,
    private readonly r: FuzzRandom,
  ) {}

  /** The fetch to give the Hub client. */
  readonly fetch: typeof fetch = stubFetch((url, init) => this.answer(url, init));

  private fault(kind: keyof typeof FAULTS): string | undefined {
    const b = this.at < this.script.length ? this.script[this.at++] : 0;
    if (b < 200) return undefined;
    const all = [...FAULTS.any, ...FAULTS[kind]];
    const f = all[b % all.length];
    this.served.push(`${kind}:${f}`);
    return f;
  }

  private answer(url: string, init: RequestInit | undefined): Promise<Response> {
    const u = new URL(url);
    const range = new Headers(init?.headers).get('range') ?? undefined;
    const signal = init?.signal ?? undefined;
    let m: RegExpMatchArray | null;
    if (u.pathname === '/api/models/org/tiny/revision/main') return this.revision(signal);
    if ((m = u.pathname.match(/^\/api\/models\/org\/tiny\/tree\/([^/]+)$/))) return this.tree(signal, m[1], u.searchParams.has('page'));
    if ((m = u.pathname.match(/^\/org\/tiny\/resolve\/([^/]+)\/(.+)$/))) return this.resolve(signal, m[2], range);
    if ((m = u.pathname.match(/^\/_lfs\/(.+)$/))) return this.content(signal, decodeURIComponent(m[1]), range);
    return Promise.resolve(json(404, { error: 'no route' }));
  }

  /** The faults every kind of request can get; undefined when `f` is not one of them. */
  private common(f: string | undefined, signal: AbortSignal | undefined, url: string): Promise<Response> | undefined {
    switch (f) {
      case '401':
        return Promise.resolve(json(401, { error: 'Invalid credentials' }));
      case '403':
        return Promise.resolve(json(403, { error: 'gated' }, { 'X-Error-Code': 'GatedRepo' }));
      case '404':
        return Promise.resolve(json(404, { error: 'Entry not found' }, { 'X-Error-Code': 'EntryNotFound' }));
      case '500-text':
        return Promise.resolve(new Response('Internal Error', { status: 500 }));
      case '500-bad-json':
        return Promise.resolve(new Response('{"error": "bo', { status: 500, headers: { 'content-type': 'application/json' } }));
      case 'no-answer':
        return new Promise((_, reject) => signal?.addEventListener('abort', () => reject(signal.reason as Error), { once: true }));
      case 'redirect-loop':
        return Promise.resolve(new Response(null, { status: 302, headers: { location: url } }));
      case 'not-json-ok':
        return Promise.resolve(new Response('<html>maintenance</html>', { status: 200, headers: { 'content-type': 'text/html' } }));
      default:
        return undefined;
    }
  }

  private revision(signal: AbortSignal | undefined): Promise<Response> {
    const f = this.fault('revision');
    const url = `${BASE}/api/models/org/tiny/revision/main`;
    const text = JSON.stringify({ _id: 'x', id: 'org/tiny', sha: COMMIT, private: false, lastModified: '2026-01-01T00:00:00.000Z' });
    const common = this.common(f, signal, url);
    if (common) return common;
    if (f === 'mutated-json') return Promise.resolve(jsonText(200, mutateJson(this.r, text)));
    if (f === 'other-sha') return Promise.resolve(json(200, { sha: this.r.pick(['main', '', 'C0FFEE', '0'.repeat(40), COMMIT.slice(1)]) }));
    if (f === 'truncated') return Promise.resolve(jsonText(200, text.slice(0, this.r.int(text.length))));
    if (f === 'array') return Promise.resolve(jsonText(200, '[]'));
    return Promise.resolve(jsonText(200, text));
  }

  private listing(): Record<string, unknown>[] {
    return [...this.files].map(([path, f]) => ({ type: 'file', path, size: f.bytes.length, oid: gitOid(f.bytes), ...(f.lfs ? { lfs: { oid: sha256(f.bytes), size: f.bytes.length, pointerSize: 132 } } : {}) }));
  }

  private tree(signal: AbortSignal | undefined, commit: string, page: boolean): Promise<Response> {
    const f = this.fault('tree');
    const url = `${BASE}/api/models/org/tiny/tree/${commit}?recursive=true&expand=false`;
    const common = this.common(f, signal, url);
    if (common) return common;
    if (commit !== COMMIT) return Promise.resolve(json(404, { error: 'Invalid rev id' }, { 'X-Error-Code': 'RevisionNotFound' }));
    const entries = this.listing();
    const e = this.r.pick(entries);
    const text = JSON.stringify(entries);
    switch (f) {
      case 'mutated-json':
        return Promise.resolve(jsonText(200, mutateJson(this.r, text)));
      case 'bad-path':
        e.path = this.r.pick(['../../escape', '/abs', 'a//b', '', './x', 'sub/../../x']);
        break;
      case 'wrong-size':
        e.size = this.r.pick([0, 1, (e.size as number) + 1, -1, 2 ** 53, 1.5]);
        if (e.lfs) (e.lfs as { size: unknown }).size = e.size;
        break;
      case 'wrong-oid':
        if (e.lfs && this.r.chance(0.5)) (e.lfs as { oid: unknown }).oid = this.r.pick(['0'.repeat(64), 'x', '../blob']);
        else e.oid = this.r.pick(['0'.repeat(40), 'f'.repeat(40), 'ABC', '']);
        break;
      case 'link-loop':
        // every page points at a next page: the listing never ends unless it is bounded
        return Promise.resolve(jsonText(200, text, { Link: `<${url}&page=${page ? 2 : 1}>; rel="next"` }));
      case 'duplicate':
        entries.push({ ...e });
        break;
      case 'truncated':
        return Promise.resolve(jsonText(200, text.slice(0, this.r.int(text.length))));
      case 'dropped-lfs':
        delete e.lfs;
        break;
      default:
        break;
    }
    return Promise.resolve(jsonText(200, JSON.stringify(entries)));
  }

  private resolve(signal: AbortSignal | undefined, path: string, range: string | undefined): Promise<Response> {
    const file = this.files.get(path);
    if (!file) return Promise.resolve(json(404, { error: 'Entry not found' }, { 'X-Error-Code': 'EntryNotFound' }));
    if (file.lfs) {
      // the request before the redirect gets only the faults every request can get
      const common = this.common(this.fault('probe'), signal, `${BASE}/org/tiny/resolve/${COMMIT}/${path}`);
      if (common) return common;
      // an LFS file redirects to its content URL, which also answers with its metadata
      return Promise.resolve(new Response(null, { status: 302, headers: { location: `${BASE}/_lfs/${encodeURIComponent(path)}`, 'x-linked-etag': `"${etagOf(file)}"`, 'x-linked-size': String(file.bytes.length) } }));
    }
    return this.content(signal, path, range);
  }

  private content(signal: AbortSignal | undefined, path: string, range: string | undefined): Promise<Response> {
    const file = this.files.get(path);
    if (!file) return Promise.resolve(json(404, { error: 'no such object' }));
    const probing = range === 'bytes=0-0';
    const f = this.fault(probing ? 'probe' : 'content');
    const common = this.common(f, signal, `${BASE}/_lfs/${path}`);
    if (common) return common;
    const bytes = file.bytes;
    let start = 0;
    let end = bytes.length - 1;
    const m = range?.match(/^bytes=(\d+)-(\d*)$/);
    if (m && f !== 'ignores-range' && f !== 'no-range-200') {
      start = Number(m[1]);
      end = m[2] ? Math.min(Number(m[2]), bytes.length - 1) : bytes.length - 1;
      if (start >= bytes.length || f === 'range-416') return Promise.resolve(new Response(null, { status: 416, headers: { 'content-range': `bytes */${bytes.length}` } }));
    }
    const etag = etagOf(file);
    const headers: Record<string, string> = { etag: `"${etag}"`, 'x-linked-etag': `"${etag}"`, 'x-linked-size': String(bytes.length), 'accept-ranges': 'bytes', 'content-type': 'application/octet-stream' };
    const ranged = m !== null && m !== undefined && f !== 'ignores-range' && f !== 'no-range-200';
    if (ranged) headers['content-range'] = `bytes ${start}-${end}/${bytes.length}`;
    let body: Uint8Array = bytes.subarray(start, end + 1);
    switch (f) {
      case 'no-etag':
        delete headers.etag;
        delete headers['x-linked-etag'];
        break;
      case 'wrong-total':
        if (ranged) headers['content-range'] = `bytes ${start}-${end}/${this.r.pick([0, 1, bytes.length + 1, 2 ** 40])}`;
        break;
      case 'garbage-range':
        headers['content-range'] = this.r.pick(['bytes 0-0/', 'bytes */*', 'x', 'bytes 0-0/1e3', 'bytes 0-0/-5']);
        break;
      case 'xet':
        headers['content-type'] = 'application/vnd.xet-fileinfo+json';
        if (this.r.chance(0.5)) delete headers['x-linked-size'];
        break;
      case 'other-etag':
        headers['x-linked-etag'] = `"${this.r.pick(['0'.repeat(64), 'f'.repeat(40), 'abc'])}"`;
        break;
      case 'weak-etag':
        headers['x-linked-etag'] = `W/"${etag}"`;
        break;
      case 'truncated':
        body = body.subarray(0, this.r.int(body.length));
        break;
      case 'extra-bytes':
        body = new Uint8Array([...body, ...body.subarray(0, 1 + this.r.int(64))]);
        break;
      case 'flipped':
        body = mutateBytes(this.r, body);
        break;
      case 'empty':
        body = new Uint8Array(0);
        break;
      case 'wrong-length-header':
        headers['content-length'] = String(this.r.pick([0, body.length + 100, 1]));
        break;
      case 'no-body-204':
        return Promise.resolve(new Response(null, { status: 204, headers }));
      case 'stall': {
        const first = body.subarray(0, this.r.int(body.length));
        const stalled = new ReadableStream<Uint8Array>({ start: (c) => c.enqueue(first), pull: () => new Promise(() => undefined) });
        return Promise.resolve(new Response(stalled, { status: ranged ? 206 : 200, headers }));
      }
      default:
        break;
    }
    return Promise.resolve(new Response(body.slice(), { status: ranged ? 206 : 200, headers }));
  }
}

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return jsonText(status, JSON.stringify(body), headers);
}

function jsonText(status: number, text: string, headers: Record<string, string> = {}): Response {
  return new Response(text, { status, headers: { 'content-type': 'application/json', ...headers } });
}
