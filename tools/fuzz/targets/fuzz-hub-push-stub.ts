/**
 * The push side of the in-process Hub of the `hub` fuzz target: a `fetch` that answers what
 * `pushAdapter` asks (repository creation, pre-upload, the Git LFS batch, LFS uploads in one piece or
 * in parts, the commit) for the repository `org/tiny`, where a script of bytes decides, request by
 * request, whether the answer is right or which fault it carries. Like the real Hub, a commit that
 * names an LFS object nobody uploaded is refused, so a client that trusted a wrong answer cannot
 * commit files the Hub does not hold.
 */
import { createHash } from 'node:crypto';
import { type FuzzRandom, mutateJson } from '../fuzz-random.js';
import { stubFetch } from './stub-fetch.js';

const BASE = 'http://hub.fuzz';

/** The faults per kind of request; the script's byte picks one (or none). */
const FAULTS = {
  any: ['401', '403', '404', '500-text', '500-bad-json', 'redirect-loop', 'not-json-ok', 'stall-body'],
  create: ['mutated-json', 'no-url', 'bad-url', 'exists-409'],
  preupload: ['mutated-json', 'unknown-mode', 'dropped-file', 'extra-file', 'all-regular', 'all-lfs', 'array'],
  batch: ['mutated-json', 'other-oid', 'error-object', 'no-actions', 'bad-href', 'multipart', 'multipart-bad-size', 'multipart-missing-part', 'xet-transfer'],
  upload: ['no-etag', 'truncated-store'],
  commit: ['mutated-json', 'no-oid', 'numeric-oid', 'bad-url', 'truncated', 'conflict-412'],
} as const;

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

async function bodyBytes(init: RequestInit | undefined): Promise<Uint8Array> {
  if (init?.body === undefined || init.body === null) return new Uint8Array(0);
  return new Uint8Array(await new Response(init.body).arrayBuffer());
}

/**
 * The stub Hub for pushes: `fetch` serves `org/tiny` from `endpoint`, consuming one byte of `script`
 * per request (a byte below 200, or the script's end, is a right answer). `committed` holds the files
 * of the commit it accepted, if any.
 *
 * @example
 * ```ts
 * const stub = new HubPushStub(script, r);
 * await pushAdapter(dir, { repo: 'org/tiny', endpoint: stub.endpoint, fetch: stub.fetch, token: 'hf_fuzz0000', env: {}, progress: null });
 * ```
 */
export class HubPushStub {
  readonly endpoint = BASE;
  /** The faults served, in order (for the report). */
  readonly served: string[] = [];
  /** The files of the commit the stub accepted (path → bytes). */
  committed: Map<string, Uint8Array> | undefined;
  private readonly uploads = new Map<string, Uint8Array>();
  private readonly parts = new Map<string, Uint8Array>();
  private at = 0;

  constructor(
    private readonly script: Uint8Array,
    private readonly r: FuzzRandom,
  ) {}

  /** The fetch to give the Hub client (redirects followed as Node's fetch does: at most 20). */
  readonly fetch: typeof fetch = stubFetch((url, init) => this.answer(url, init));

  private fault(kind: keyof typeof FAULTS): string | undefined {
    const b = this.at < this.script.length ? this.script[this.at++] : 0;
    if (b < 200) return undefined;
    const all = [...FAULTS.any, ...FAULTS[kind]];
    const f = all[b % all.length];
    this.served.push(`${kind}:${f}`);
    return f;
  }

  private async answer(url: string, init: RequestInit | undefined): Promise<Response> {
    const u = new URL(url);
    const method = (init?.method ?? 'GET').toUpperCase();
    const body = await bodyBytes(init);
    let m: RegExpMatchArray | null;
    if (method === 'POST' && u.pathname === '/api/repos/create') return this.create(url);
    if (method === 'POST' && u.pathname === '/api/models/org/tiny/preupload/main') return this.preupload(url, body);
    if (method === 'POST' && u.pathname === '/org/tiny.git/info/lfs/objects/batch') return this.batch(url, body);
    if (method === 'PUT' && (m = u.pathname.match(/^\/_upload\/([0-9a-f]{64})$/))) return this.upload(url, m[1], u.searchParams.get('part'), body);
    if (method === 'POST' && (m = u.pathname.match(/^\/_complete\/([0-9a-f]{64})$/))) return this.complete(url, m[1], body);
    if (method === 'POST' && u.pathname === '/api/models/org/tiny/commit/main') return this.commit(url, body);
    return json(404, { error: `no route for ${method} ${u.pathname}` });
  }

  /** The faults every kind of request can get; undefined when `f` is not one of them. */
  private common(f: string | undefined, url: string, good: string): Response | undefined {
    switch (f) {
      case '401':
        return json(401, { error: 'Invalid credentials' });
      case '403':
        return json(403, { error: 'You have read access but not the required permissions for this operation' });
      case '404':
        return json(404, { error: 'Repository not found' }, { 'X-Error-Code': 'RepoNotFound' });
      case '500-text':
        return new Response('Internal Error', { status: 500 });
      case '500-bad-json':
        return new Response('{"error": "bo', { status: 500, headers: { 'content-type': 'application/json' } });
      case 'redirect-loop':
        return new Response(null, { status: 302, headers: { location: url } });
      case 'not-json-ok':
        return new Response('<html>maintenance</html>', { status: 200, headers: { 'content-type': 'text/html' } });
      case 'stall-body': {
        // the answer's first bytes, then nothing: the client must give the body up
        const first = new TextEncoder().encode(good.slice(0, this.r.int(good.length)));
        return new Response(new ReadableStream<Uint8Array>({ start: (c) => c.enqueue(first), pull: () => new Promise(() => undefined) }), { status: 200, headers: { 'content-type': 'application/json' } });
      }
      default:
        return undefined;
    }
  }

  private create(url: string): Response {
    const f = this.fault('create');
    const good = JSON.stringify({ url: `${BASE}/org/tiny`, name: 'org/tiny', id: 'x' });
    const common = this.common(f, url, good);
    if (common) return common;
    if (f === 'mutated-json') return jsonText(200, mutateJson(this.r, good));
    if (f === 'no-url') return json(200, { name: 'org/tiny' });
    if (f === 'bad-url') return json(200, { url: this.r.pick([5, '', 'not a url', 'javascript:x', null]) });
    if (f === 'exists-409') return json(409, { error: 'You already created this model repo', url: `${BASE}/org/tiny` });
    return jsonText(200, good);
  }

  private preupload(url: string, body: Uint8Array): Response {
    const f = this.fault('preupload');
    const sent = (JSON.parse(new TextDecoder().decode(body)) as { files: { path: string }[] }).files;
    let files: Record<string, unknown>[] = sent.map((x) => ({ path: x.path, uploadMode: x.path.endsWith('.safetensors') ? 'lfs' : 'regular', shouldIgnore: false }));
    const good = JSON.stringify({ files });
    const common = this.common(f, url, good);
    if (common) return common;
    switch (f) {
      case 'mutated-json':
        return jsonText(200, mutateJson(this.r, good));
      case 'unknown-mode':
        this.r.pick(files).uploadMode = this.r.pick(['xet', '', 7, null, 'LFS']);
        break;
      case 'dropped-file':
        files.splice(this.r.int(files.length), 1);
        break;
      case 'extra-file':
        files.push({ path: this.r.pick(['../../etc/passwd', 'other.bin', '']), uploadMode: 'lfs' });
        break;
      case 'all-regular':
      case 'all-lfs':
        files = files.map((x) => ({ ...x, uploadMode: f === 'all-lfs' ? 'lfs' : 'regular' }));
        break;
      case 'array':
        return jsonText(200, '[]');
      default:
        break;
    }
    return json(200, { files });
  }

  private batch(url: string, body: Uint8Array): Response {
    const f = this.fault('batch');
    const asked = (JSON.parse(new TextDecoder().decode(body)) as { objects: { oid: string; size: number }[] }).objects;
    const objects: Record<string, unknown>[] = asked.map((o) => ({ oid: o.oid, size: o.size, authenticated: true, actions: { upload: { href: `${BASE}/_upload/${o.oid}` } } }));
    const good = JSON.stringify({ transfer: 'basic', objects });
    const common = this.common(f, url, good);
    if (common) return common;
    const o = this.r.pick(objects);
    const oid = o.oid as string;
    const size = o.size as number;
    switch (f) {
      case 'mutated-json':
        return jsonText(200, mutateJson(this.r, good), { 'content-type': 'application/vnd.git-lfs+json' });
      case 'other-oid':
        o.oid = this.r.pick(['0'.repeat(64), 'x', oid.slice(1)]);
        break;
      case 'error-object':
        delete o.actions;
        o.error = this.r.chance(0.8) ? { code: 422, message: 'Object too large' } : { code: 'x' };
        break;
      case 'no-actions':
        // claims to hold the bytes already: the commit must then be refused, since nobody uploaded them
        delete o.actions;
        break;
      case 'bad-href':
        o.actions = { upload: { href: this.r.pick(['file:///etc/passwd', '/relative', 'javascript:alert(1)', 'http://[bad', '', 7]) } };
        break;
      case 'multipart':
      case 'multipart-bad-size':
      case 'multipart-missing-part': {
        const chunk = f === 'multipart-bad-size' ? this.r.pick(['0', '-5', 'x', '1e3', '']) : String(Math.max(1, Math.ceil(size / (1 + this.r.int(3)))));
        const count = Math.max(1, Math.ceil(size / Math.max(1, Number(chunk) || 1)));
        const header: Record<string, string> = { chunk_size: chunk };
        for (let p = 1; p <= Math.min(count, 8); p++) header[String(p)] = `${BASE}/_upload/${oid}?part=${p}`;
        if (f === 'multipart-missing-part') delete header['1'];
        o.actions = { upload: { href: `${BASE}/_complete/${oid}`, header } };
        break;
      }
      case 'xet-transfer':
        return json(200, { transfer: 'xet', objects }, { 'content-type': 'application/vnd.git-lfs+json' });
      default:
        break;
    }
    return json(200, { transfer: 'basic', objects }, { 'content-type': 'application/vnd.git-lfs+json' });
  }

  private upload(url: string, oid: string, part: string | null, body: Uint8Array): Response {
    const f = this.fault('upload');
    const common = this.common(f, url, '');
    if (common) return common;
    if (part !== null) {
      this.parts.set(`${oid}#${part}`, body);
      return new Response(null, { status: 200, headers: f === 'no-etag' ? {} : { etag: `"${sha256(body).slice(0, 32)}"` } });
    }
    // the storage checks what it stores, as S3 does with the checksum it is given
    if (sha256(body) === oid) this.uploads.set(oid, f === 'truncated-store' ? body.subarray(0, body.length >> 1) : body);
    else return json(400, { error: 'sha256 mismatch' });
    return new Response(null, { status: 200 });
  }

  private complete(url: string, oid: string, body: Uint8Array): Response {
    const common = this.common(this.fault('upload'), url, '');
    if (common) return common;
    const { parts } = JSON.parse(new TextDecoder().decode(body)) as { parts: { partNumber: number }[] };
    const chunks = parts.map((p) => this.parts.get(`${oid}#${p.partNumber}`));
    if (chunks.some((c) => c === undefined)) return json(400, { error: 'a part is missing' });
    const whole = new Uint8Array(chunks.reduce((n, c) => n + c!.length, 0));
    let at = 0;
    for (const c of chunks) {
      whole.set(c!, at);
      at += c!.length;
    }
    if (sha256(whole) !== oid) return json(400, { error: 'sha256 mismatch' });
    this.uploads.set(oid, whole);
    return new Response(null, { status: 200 });
  }

  private commit(url: string, body: Uint8Array): Response {
    const f = this.fault('commit');
    const commitOid = createHash('sha1').update(body).digest('hex');
    const good = JSON.stringify({ commitOid, commitUrl: `${BASE}/org/tiny/commit/${commitOid}`, success: true });
    const common = this.common(f, url, good);
    if (common) return common;
    if (f === 'conflict-412') return json(412, { error: 'A commit has happened since. Please refresh and try again.' });
    const files = new Map<string, Uint8Array>();
    for (const line of new TextDecoder().decode(body).split('\n').filter(Boolean)) {
      const { key, value } = JSON.parse(line) as { key: string; value: { path: string; content?: string; oid?: string; size?: number } };
      if (key === 'file') files.set(value.path, new Uint8Array(Buffer.from(value.content ?? '', 'base64')));
      if (key === 'lfsFile') {
        const bytes = this.uploads.get(value.oid ?? '');
        // like the Hub: an LFS pointer to an object it does not hold (or holds other bytes for) is refused
        if (!bytes || sha256(bytes) !== value.oid || bytes.length !== value.size) return json(422, { error: `LFS object ${value.oid} not found for ${value.path}` });
        files.set(value.path, bytes);
      }
    }
    this.committed = files;
    if (f === 'mutated-json') return jsonText(200, mutateJson(this.r, good));
    if (f === 'no-oid') return json(200, { commitUrl: `${BASE}/org/tiny/commit/${commitOid}` });
    if (f === 'numeric-oid') return json(200, { commitOid: 7, commitUrl: `${BASE}/x` });
    if (f === 'bad-url') return json(200, { commitOid, commitUrl: this.r.pick(['', 'x', 5]) });
    if (f === 'truncated') return jsonText(200, good.slice(0, this.r.int(good.length)));
    return jsonText(200, good);
  }
}

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return jsonText(status, JSON.stringify(body), headers);
}

function jsonText(status: number, text: string, headers: Record<string, string> = {}): Response {
  return new Response(text, { status, headers: { 'content-type': 'application/json', ...headers } });
}
