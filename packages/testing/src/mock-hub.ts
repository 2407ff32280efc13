import { createHash, randomBytes } from 'node:crypto';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * One request the mock Hub received (for tests that check what was asked: a resumed range, a token).
 *
 * @example
 * ```ts
 * hub.requests.filter((r) => r.path.includes('/resolve/')).map((r) => r.range);
 * ```
 */
export interface MockHubRequest {
  readonly method: string;
  readonly path: string;
  readonly range: string | undefined;
  readonly authorization: string | undefined;
}

/**
 * A commit pushed to the mock Hub: the repository, branch, title and every file it added.
 *
 * @example
 * ```ts
 * hub.pushes[0].files.get('README.md');
 * ```
 */
export interface MockHubPush {
  readonly repo: string;
  readonly branch: string;
  readonly summary: string;
  readonly commit: string;
  readonly files: Map<string, Uint8Array>;
}

interface StoredFile {
  readonly content: Uint8Array;
  readonly lfs: boolean;
  readonly oid: string;
  readonly sha256: string;
}

interface StoredRepo {
  readonly type: 'model' | 'dataset';
  readonly id: string;
  readonly isPrivate: boolean;
  /** Gated: readable only with a token in the hub's `gatedTokens` (others get 403). */
  readonly gated?: boolean;
  readonly refs: Map<string, string>;
  readonly commits: Map<string, Map<string, StoredFile>>;
}

const LFS_SUFFIXES = ['.safetensors', '.parquet', '.bin', '.gguf'];
const MAX_BODY = 64 * 1024 * 1024;

function gitOid(bytes: Uint8Array): string {
  return createHash('sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex');
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function stored(path: string, content: Uint8Array): StoredFile {
  const lfs = LFS_SUFFIXES.some((s) => path.endsWith(s));
  return { content, lfs, oid: gitOid(content), sha256: sha256(content) };
}

/**
 * A local stand-in for the Hugging Face Hub's HTTP API on 127.0.0.1 (random port), with only what the
 * `@huggingface/hub` client and the browser loader use: revision info, the file tree, `resolve` (ETag,
 * size, commit headers, a redirect to a content URL for LFS files, byte ranges), repository and branch creation,
 * pre-upload, the LFS batch and upload, commits, `whoami`; private and gated repositories answer 401
 * without a token, gated ones 403 to a token not granted access, and any invalid token is refused with 401. Tests point `HF_ENDPOINT` at {@link MockHub.url}.
 *
 * @example
 * ```ts
 * const hub = await startMockHub({ tokens: ['hf_test'] });
 * hub.addRepo('model', 'org/tiny', { 'config.json': '{}', 'model.safetensors': bytes });
 * process.env.HF_ENDPOINT = hub.url;
 * await hub.close();
 * ```
 */
export class MockHub {
  /** Every request, in order. */
  readonly requests: MockHubRequest[] = [];
  /** Every commit pushed through the commit endpoint. */
  readonly pushes: MockHubPush[] = [];
  private readonly repos = new Map<string, StoredRepo>();
  private readonly uploads = new Map<string, Uint8Array>();
  private cut: { path: string; after: number } | undefined;
  private cors = false;

  constructor(
    private readonly server: Server,
    /** The base URL (`http://127.0.0.1:<port>`). */
    readonly url: string,
    private readonly tokens: Set<string>,
    private readonly gatedTokens: Set<string> = new Set(),
  ) {}

  /** 401 without a token, 403 with one that was not granted access, for private and gated repositories. */
  private refused(res: ServerResponse, repo: StoredRepo, token: string | undefined): boolean {
    if ((repo.isPrivate || repo.gated) && !token) {
      json(res, 401, { error: 'Access to this repository requires authentication' }, { 'X-Error-Code': 'GatedRepo' });
      return true;
    }
    if (repo.gated && token && !this.gatedTokens.has(token)) {
      json(res, 403, { error: `Access to model ${repo.id} is restricted; you must have access to it and be authenticated to access it` }, { 'X-Error-Code': 'GatedRepo' });
      return true;
    }
    return false;
  }

  /** Adds a repository with one commit on `main`; returns the commit id. */
  addRepo(type: 'model' | 'dataset', id: string, files: Readonly<Record<string, string | Uint8Array>>, opts: { private?: boolean; gated?: boolean } = {}): string {
    const repo: StoredRepo = { type, id, isPrivate: opts.private ?? false, gated: opts.gated, refs: new Map(), commits: new Map() };
    this.repos.set(`${type}s/${id}`, repo);
    return this.commit(repo, 'main', new Map(Object.entries(files).map(([p, c]) => [p, stored(p, typeof c === 'string' ? new TextEncoder().encode(c) : c)])));
  }

  /** The files of a repository at a revision (default `main`), or undefined. */
  files(type: 'model' | 'dataset', id: string, revision = 'main'): Map<string, Uint8Array> | undefined {
    const repo = this.repos.get(`${type}s/${id}`);
    const commit = repo && (repo.refs.get(revision) ?? revision);
    const files = commit === undefined ? undefined : repo?.commits.get(commit);
    return files && new Map([...files].map(([p, f]) => [p, f.content]));
  }

  /** Whether a repository exists and is private. */
  isPrivate(type: 'model' | 'dataset', id: string): boolean | undefined {
    return this.repos.get(`${type}s/${id}`)?.isPrivate;
  }

  /** Makes the next content download whose path ends with `path` stop after `after` bytes (the connection is destroyed). */
  cutNextDownload(path: string, after: number): void {
    this.cut = { path, after };
  }

  /** Answers browsers' cross-origin requests (for a page served from another port). */
  allowCors(): void {
    this.cors = true;
  }

  /** Stops the server. */
  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.closeAllConnections();
      this.server.close(() => resolve());
    });
  }

  private commit(repo: StoredRepo, branch: string, files: Map<string, StoredFile>): string {
    const id = createHash('sha1').update(randomBytes(16)).digest('hex');
    repo.commits.set(id, files);
    repo.refs.set(branch, id);
    return id;
  }

  /** Handles one request (the server's listener). */
  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.url);
    const path = decodeURIComponent(url.pathname);
    this.requests.push({ method: req.method ?? 'GET', path, range: req.headers.range, authorization: req.headers.authorization });
    if (this.cors) {
      res.setHeader('Access-Control-Allow-Origin', '*');
      res.setHeader('Access-Control-Allow-Headers', '*');
      res.setHeader('Access-Control-Expose-Headers', 'ETag, X-Linked-Etag, X-Linked-Size, X-Repo-Commit, Content-Range, Content-Length');
      if (req.method === 'OPTIONS') return void res.writeHead(204).end();
    }
    const auth = req.headers.authorization;
    const token = auth?.startsWith('Bearer ') ? auth.slice(7) : undefined;
    if (token !== undefined && !this.tokens.has(token)) return json(res, 401, { error: 'Invalid credentials in Authorization header' });
    let m: RegExpMatchArray | null;
    if (path === '/api/whoami-v2') {
      return token ? json(res, 200, { type: 'user', name: 'tester', auth: { accessToken: { role: 'write' } } }) : json(res, 401, { error: 'Invalid username or password.' });
    }
    if (req.method === 'POST' && path === '/api/repos/create') {
      if (!token) return json(res, 401, { error: 'You must be authenticated' });
      const body = JSON.parse(new TextDecoder().decode(await readBody(req))) as { name: string; organization?: string; type?: string; visibility?: string; private?: boolean };
      const type = body.type === 'dataset' ? 'dataset' : 'model';
      const id = `${body.organization}/${body.name}`;
      if (this.repos.has(`${type}s/${id}`)) return json(res, 409, { error: 'You already created this model repo', url: `${this.url}/${id}` });
      const repo: StoredRepo = { type, id, isPrivate: body.visibility === 'private' || body.private === true, refs: new Map(), commits: new Map() };
      this.repos.set(`${type}s/${id}`, repo);
      this.commit(repo, 'main', new Map([['.gitattributes', stored('.gitattributes', new TextEncoder().encode('*.safetensors filter=lfs diff=lfs merge=lfs -text\n'))]]));
      return json(res, 200, { url: `${this.url}/${id}`, name: id });
    }
    if ((m = path.match(/^\/api\/(models|datasets)\/([^/]+\/[^/]+)\/(revision|tree|preupload|commit|branch)\/([^/]+)(?:\/(.*))?$/))) {
      const repo = this.repos.get(`${m[1]}/${m[2]}`);
      if (!repo) return json(res, token ? 404 : 401, { error: 'Repository not found' }, { 'X-Error-Code': 'RepoNotFound' });
      if ((m[3] === 'revision' || m[3] === 'tree') && this.refused(res, repo, token)) return;
      const rev = m[4];
      if (m[3] === 'preupload') {
        const body = JSON.parse(new TextDecoder().decode(await readBody(req))) as { files: { path: string }[] };
        return json(res, 200, { files: body.files.map((f) => ({ path: f.path, uploadMode: LFS_SUFFIXES.some((s) => f.path.endsWith(s)) ? 'lfs' : 'regular' })) });
      }
      if (m[3] === 'commit') return this.handleCommit(req, res, repo, rev);
      if (m[3] === 'branch') {
        if (!token) return json(res, 401, { error: 'You must be authenticated' });
        const body = JSON.parse(new TextDecoder().decode(await readBody(req)) || '{}') as { startingPoint?: string };
        if (repo.refs.has(rev)) return json(res, 409, { error: `Reference already exists: refs/heads/${rev}` });
        const from = repo.refs.get(body.startingPoint ?? 'main') ?? body.startingPoint;
        if (!from || !repo.commits.has(from)) return json(res, 404, { error: `Invalid rev id: ${body.startingPoint ?? 'main'}` });
        repo.refs.set(rev, from);
        return json(res, 200, {});
      }
      const commit = repo.refs.get(rev) ?? (repo.commits.has(rev) ? rev : undefined);
      const files = commit && repo.commits.get(commit);
      if (!commit || !files) return json(res, 404, { error: `Invalid rev id: ${rev}` }, { 'X-Error-Code': 'RevisionNotFound' });
      if (m[3] === 'revision') {
        return json(res, 200, { _id: repo.id, id: repo.id, sha: commit, private: repo.isPrivate, lastModified: new Date(0).toISOString(), siblings: [...files.keys()].map((rfilename) => ({ rfilename })) });
      }
      const under = m[5] ? `${m[5]}/` : '';
      return json(
        res,
        200,
        [...files].filter(([p]) => p.startsWith(under)).map(([p, f]) => ({ type: 'file', path: p, size: f.content.length, oid: f.oid, ...(f.lfs ? { lfs: { oid: f.sha256, size: f.content.length, pointerSize: 130 } } : {}) })),
      );
    }
    if ((m = path.match(/^\/(?:(datasets)\/)?([^/]+\/[^/]+)\/resolve\/([^/]+)\/(.+)$/))) {
      const repo = this.repos.get(`${m[1] ? 'datasets' : 'models'}/${m[2]}`);
      if (!repo) return json(res, 401, { error: 'Repository not found' }, { 'X-Error-Code': 'RepoNotFound' });
      if (this.refused(res, repo, token)) return;
      const commit = repo.refs.get(m[3]) ?? (repo.commits.has(m[3]) ? m[3] : undefined);
      const file = commit === undefined ? undefined : repo.commits.get(commit)?.get(m[4]);
      if (!commit || !file) return json(res, 404, { error: 'Entry not found' }, { 'X-Error-Code': 'EntryNotFound' });
      const headers = { 'X-Repo-Commit': commit, ETag: `"${file.lfs ? file.sha256 : file.oid}"` };
      if (file.lfs) {
        // the content URL stays on this host, so it answers with the file's metadata too (as a mirror
        // does); Python's client follows same-host redirects and reads the headers there
        res.writeHead(302, { ...headers, 'X-Linked-Etag': `"${file.sha256}"`, 'X-Linked-Size': String(file.content.length), Location: `${this.url}/_lfs/${file.sha256}?commit=${commit}` });
        return void res.end();
      }
      return this.sendContent(req, res, m[4], file.content, headers);
    }
    if ((m = path.match(/^\/_lfs\/([0-9a-f]{64})$/))) {
      for (const repo of this.repos.values()) {
        for (const files of repo.commits.values()) {
          for (const [p, f] of files) {
            if (f.sha256 !== m[1]) continue;
            const commit = url.searchParams.get('commit');
            const meta: Record<string, string> = commit ? { 'X-Repo-Commit': commit, 'X-Linked-Etag': `"${f.sha256}"`, 'X-Linked-Size': String(f.content.length) } : {};
            return this.sendContent(req, res, p, f.content, { ETag: `"${f.sha256}"`, ...meta });
          }
        }
      }
      return json(res, 404, { error: 'no such object' });
    }
    if ((m = path.match(/^\/(?:datasets\/)?([^/]+\/[^/]+)\.git\/info\/lfs\/objects\/batch$/))) {
      if (!token) return json(res, 401, { message: 'authentication required' });
      const body = JSON.parse(new TextDecoder().decode(await readBody(req))) as { objects: { oid: string; size: number }[] };
      return json(res, 200, { transfer: 'basic', objects: body.objects.map((o) => ({ oid: o.oid, size: o.size, authenticated: true, actions: { upload: { href: `${this.url}/_upload/${o.oid}` } } })) }, { 'Content-Type': 'application/vnd.git-lfs+json' });
    }
    if (req.method === 'PUT' && (m = path.match(/^\/_upload\/([0-9a-f]{64})$/))) {
      const bytes = await readBody(req);
      if (sha256(bytes) !== m[1]) return json(res, 400, { error: 'sha256 mismatch' });
      this.uploads.set(m[1], bytes);
      return void res.writeHead(200).end();
    }
    return json(res, 404, { error: `mock hub: no route for ${req.method} ${path}` });
  }

  private async handleCommit(req: IncomingMessage, res: ServerResponse, repo: StoredRepo, branch: string): Promise<void> {
    const auth = req.headers.authorization;
    if (!auth) return json(res, 401, { error: 'You must be authenticated' });
    const lines = new TextDecoder().decode(await readBody(req)).split('\n').filter(Boolean).map((l) => JSON.parse(l) as { key: string; value: Record<string, unknown> });
    const parent = repo.refs.get(branch);
    const files = new Map(parent ? repo.commits.get(parent) : []);
    const added = new Map<string, Uint8Array>();
    let summary = '';
    for (const { key, value } of lines) {
      if (key === 'header') summary = String(value.summary ?? '');
      else if (key === 'file') {
        const bytes = new Uint8Array(Buffer.from(String(value.content), 'base64'));
        files.set(String(value.path), stored(String(value.path), bytes));
        added.set(String(value.path), bytes);
      } else if (key === 'lfsFile') {
        const bytes = this.uploads.get(String(value.oid));
        if (!bytes) return json(res, 422, { error: `lfs object ${String(value.oid)} was not uploaded` });
        files.set(String(value.path), stored(String(value.path), bytes));
        added.set(String(value.path), bytes);
      } else if (key === 'deletedFile') files.delete(String(value.path));
    }
    const commit = this.commit(repo, branch, files);
    this.pushes.push({ repo: repo.id, branch, summary, commit, files: added });
    return json(res, 200, { commitOid: commit, commitUrl: `${this.url}/${repo.id}/commit/${commit}`, success: true });
  }

  private sendContent(req: IncomingMessage, res: ServerResponse, filePath: string, content: Uint8Array, headers: Record<string, string>): void {
    let start = 0;
    let end = content.length - 1;
    const range = req.headers.range?.match(/^bytes=(\d+)-(\d*)$/);
    if (range) {
      start = Number(range[1]);
      end = range[2] ? Math.min(Number(range[2]), content.length - 1) : content.length - 1;
      if (start >= content.length) return void res.writeHead(416, { 'Content-Range': `bytes */${content.length}` }).end();
    }
    const body = content.subarray(start, end + 1);
    const status = range ? 206 : 200;
    res.writeHead(status, {
      ...headers,
      'Accept-Ranges': 'bytes',
      'Content-Type': 'application/octet-stream',
      'Content-Length': String(body.length),
      ...(range ? { 'Content-Range': `bytes ${start}-${end}/${content.length}` } : {}),
    });
    if (req.method === 'HEAD') return void res.end();
    const cut = this.cut;
    if (cut && filePath.endsWith(cut.path) && body.length > cut.after) {
      this.cut = undefined;
      res.write(body.subarray(0, cut.after), () => res.destroy());
      return;
    }
    res.end(body);
  }
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

function readBody(req: IncomingMessage): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new Error('mock hub: request body too large'));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => resolve(new Uint8Array(Buffer.concat(chunks))));
    req.on('error', reject);
  });
}

/**
 * Starts a {@link MockHub} on 127.0.0.1 at a random port. `tokens` are the access tokens it accepts;
 * `gatedTokens` those also granted access to gated repositories.
 *
 * @example
 * ```ts
 * const hub = await startMockHub({ tokens: ['hf_valid'] });
 * ```
 */
export async function startMockHub(opts: { tokens?: readonly string[]; gatedTokens?: readonly string[] } = {}): Promise<MockHub> {
  const box: { hub?: MockHub } = {};
  const server = createServer((req, res) => {
    box.hub!.handle(req, res).catch((e: unknown) => {
      if (!res.headersSent) json(res, 500, { error: String(e) });
      else res.destroy();
    });
  });
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  box.hub = new MockHub(server, `http://127.0.0.1:${port}`, new Set(opts.tokens ?? []), new Set(opts.gatedTokens ?? []));
  return box.hub;
}
