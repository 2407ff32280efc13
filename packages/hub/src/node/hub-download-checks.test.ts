import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type MockHub, startMockHub } from '@peft/testing/mock-hub';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { HubError } from '../hub-error.js';
import { forgetVerifiedBlobs } from './hub-cache.js';
import { type HubOptions } from './hub-settings.js';
import { openSnapshot } from './hub-snapshot.js';

/** Rewrites one answer of the mock Hub: `url` and the request, the real answer; returns what the client gets. */
type Tamper = (url: string, res: Response, init?: RequestInit) => Response | Promise<Response>;

const WEIGHTS = new Uint8Array(4096).map((_, i) => (i * 7) % 251);
const REPO = { type: 'model' as const, id: 'org/tiny' };
let hub: MockHub;
beforeAll(async () => {
  hub = await startMockHub();
  hub.addRepo('model', 'org/tiny', { 'config.json': '{"model_type": "gpt2"}', 'model.safetensors': WEIGHTS });
});
afterAll(() => hub.close());
afterEach(() => forgetVerifiedBlobs());

function settings(tamper?: Tamper, extra: HubOptions = {}): HubOptions {
  const cacheDir = mkdtempSync(join(tmpdir(), 'peft-hub-checks-'));
  const tampered: typeof fetch = async (input, init) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const res = await fetch(input, init);
    return tamper ? tamper(url, res, init) : res;
  };
  return { endpoint: hub.url, cacheDir, env: {}, progress: null, fetch: tampered, ...extra };
}

function jsonResponse(res: Response, body: unknown): Response {
  return new Response(JSON.stringify(body), { status: res.status, headers: res.headers });
}

/** Every file under the cache, relative, sorted. */
function cacheFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() || e.isSymbolicLink())
    .map((e) => join(e.parentPath, e.name).slice(dir.length + 1))
    .sort();
}

async function refusal(p: Promise<unknown>): Promise<HubError> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(HubError);
  return e as HubError;
}

describe('the Hub answers are checked before use', () => {
  it('refuses revision info without a commit, naming the URL and the field', async () => {
    const opts = settings(async (url, res) => (url.includes('/revision/') ? jsonResponse(res, { id: 'org/tiny', private: false }) : res));
    const e = await refusal(openSnapshot(REPO, 'main', (await import('./hub-settings.js')).hubSettings(opts)));
    expect(e.reason).toBe('malformed');
    expect(e.message).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api\/models\/org\/tiny\/revision\/main\?.*: missing field "sha" \(expected string\)$/);
  });

  it('refuses revision info that is not JSON', async () => {
    const opts = settings((url, res) => (url.includes('/revision/') ? new Response('{"sha": "abc', { status: 200, headers: res.headers }) : res));
    const e = await refusal(openSnapshot(REPO, 'main', (await import('./hub-settings.js')).hubSettings(opts)));
    expect(e.reason).toBe('malformed');
    expect(e.message).toMatch(/revision\/main\?.*: the Hub's answer is not JSON/);
  });

  it('refuses a tree entry whose path leaves the snapshot folder, before anything is written for it', async () => {
    const opts = settings(async (url, res) => {
      if (!url.includes('/tree/')) return res;
      const entries = (await res.json()) as { path: string }[];
      return jsonResponse(res, entries.map((e) => (e.path === 'config.json' ? { ...e, path: '../../../escaped.json' } : e)));
    });
    const e = await refusal(openSnapshot(REPO, 'main', (await import('./hub-settings.js')).hubSettings(opts)));
    expect(e.reason).toBe('malformed');
    expect(e.message).toMatch(/\/tree\/[0-9a-f]{40}\?recursive=true&expand=false: field "\d\.path" is invalid: expected a relative path inside the repository/);
    expect(cacheFiles(opts.cacheDir!).some((f) => f.includes('escaped'))).toBe(false);
  });

  it('ignores fields the Hub adds to its answers', async () => {
    const opts = settings(async (url, res) => {
      if (url.includes('/revision/')) return jsonResponse(res, { ...((await res.json()) as object), someNewField: { nested: [1, 2] } });
      if (url.includes('/tree/')) return jsonResponse(res, ((await res.json()) as object[]).map((e) => ({ ...e, xetHash: 'f'.repeat(64), lastCommit: null })));
      return res;
    });
    const snap = await openSnapshot(REPO, 'main', (await import('./hub-settings.js')).hubSettings(opts));
    expect(snap.paths).toEqual(['config.json', 'model.safetensors']);
    expect(existsSync(await snap.fetch('model.safetensors'))).toBe(true);
  });

  it('refuses a download whose headers name no file id, naming the header', async () => {
    const opts = settings((url, res, init) => {
      if (!url.includes('/resolve/') || new Headers(init?.headers).get('range') !== 'bytes=0-0') return res;
      const headers = new Headers(res.headers);
      headers.delete('etag');
      headers.delete('x-linked-etag');
      return new Response(res.body, { status: res.status, headers });
    });
    const snap = await openSnapshot(REPO, 'main', (await import('./hub-settings.js')).hubSettings(opts));
    const e = await refusal(snap.fetch('config.json'));
    expect(e.reason).toBe('malformed');
    expect(e.message).toMatch(/^GET http:\/\/127\.0\.0\.1:\d+\/org\/tiny\/resolve\/[0-9a-f]{40}\/config\.json \(headers\): field "etag" is invalid: missing/);
  });
});

describe('downloads are checked against the listing and leave no partial file behind', () => {
  it('refuses headers whose size contradicts the listing before writing anything', async () => {
    const opts = settings((url, res, init) => {
      if (!url.includes('/resolve/') || new Headers(init?.headers).get('range') !== 'bytes=0-0') return res;
      const headers = new Headers(res.headers);
      headers.set('content-range', 'bytes 0-0/99999');
      return new Response(res.body, { status: res.status, headers });
    });
    const snap = await openSnapshot(REPO, 'main', (await import('./hub-settings.js')).hubSettings(opts));
    const e = await refusal(snap.fetch('model.safetensors'));
    expect(e.reason).toBe('integrity');
    expect(e.message).toBe("org/tiny/model.safetensors: the download's headers give 99999 bytes but the file listing says 4096; refused");
    expect(cacheFiles(opts.cacheDir!).filter((f) => f.includes('/blobs/'))).toEqual([]);
  });

  it('refuses bytes whose hash is not the one the listing names, and removes them; a later load fetches good ones', async () => {
    let corrupt = true;
    const opts = settings(async (url, res, init) => {
      if (!corrupt || !url.includes('/_lfs/') || new Headers(init?.headers).get('range') === 'bytes=0-0') return res;
      const bytes = new Uint8Array(await res.arrayBuffer());
      bytes[100] ^= 0xff;
      return new Response(bytes, { status: res.status, headers: res.headers });
    });
    const s = (await import('./hub-settings.js')).hubSettings(opts);
    const e = await refusal((await openSnapshot(REPO, 'main', s)).fetch('model.safetensors'));
    expect(e.reason).toBe('integrity');
    expect(e.message).toMatch(/org\/tiny\/model\.safetensors: the file's sha256 is [0-9a-f]{64}, expected [0-9a-f]{64}; it is refused/);
    expect(cacheFiles(opts.cacheDir!).filter((f) => f.includes('/blobs/'))).toEqual([]);
    corrupt = false;
    expect(existsSync(await (await openSnapshot(REPO, 'main', s)).fetch('model.safetensors'))).toBe(true);
  });

  it('stops a download that sends more bytes than announced, and removes them', async () => {
    const opts = settings(async (url, res, init) => {
      if (!url.includes('/_lfs/') || new Headers(init?.headers).get('range') === 'bytes=0-0') return res;
      const bytes = new Uint8Array(await res.arrayBuffer());
      return new Response(new Uint8Array([...bytes, ...bytes]), { status: res.status, headers: res.headers });
    });
    const e = await refusal((await openSnapshot(REPO, 'main', (await import('./hub-settings.js')).hubSettings(opts))).fetch('model.safetensors'));
    expect(e.reason).toBe('integrity');
    expect(e.message).toBe('org/tiny/model.safetensors: the Hub sent more than the 4096 bytes the file listing announced; refused');
    expect(cacheFiles(opts.cacheDir!).filter((f) => f.includes('/blobs/'))).toEqual([]);
  });

  it('gives up a body that stops sending after the timeout; the bytes kept are resumed and checked, never used unchecked', async () => {
    let stall = true;
    const opts = settings(
      (url, res, init) => {
        if (!stall || !url.includes('/_lfs/') || new Headers(init?.headers).get('range') === 'bytes=0-0') return res;
        // 100 bytes (always the file's first ones, whatever range was asked), then silence
        const stalled = new ReadableStream<Uint8Array>({ start: (c) => c.enqueue(WEIGHTS.slice(0, 100)), pull: () => new Promise(() => undefined) });
        return new Response(stalled, { status: res.status, headers: res.headers });
      },
      { timeoutMs: 150 },
    );
    const s = (await import('./hub-settings.js')).hubSettings(opts);
    const started = Date.now();
    const e = await refusal((await openSnapshot(REPO, 'main', s)).fetch('model.safetensors'));
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(e.reason).toBe('network');
    expect(e.message).toMatch(/^org\/tiny\/model\.safetensors: the download failed after 4 tries \(\d+ of 4096 bytes kept in the cache; running again resumes from there, and checks them\)/);
    const blobs = cacheFiles(opts.cacheDir!).filter((f) => f.includes('/blobs/'));
    expect(blobs).toHaveLength(1);
    expect(blobs[0]).toMatch(/\.incomplete$/);
    // the kept bytes are wrong past the first 100: the resumed file fails its hash, is removed, and is fetched again from zero
    stall = false;
    const lines: string[] = [];
    const path = await (await openSnapshot(REPO, 'main', { ...s, progress: { write: (t: string) => void lines.push(t) } })).fetch('model.safetensors');
    expect(new Uint8Array(readFileSync(path))).toEqual(WEIGHTS);
    expect(lines.join('')).toMatch(/the file's sha256 is [0-9a-f]{64}, expected [0-9a-f]{64}; it is refused; the download had resumed from bytes kept earlier, so it starts again from zero/);
    expect(cacheFiles(opts.cacheDir!).filter((f) => f.includes('.incomplete'))).toEqual([]);
  });
});

describe('what cannot end', () => {
  it('a redirect loop fails after fetch gives up, as a network error', async () => {
    const server = createServer((req, res) => res.writeHead(302, { Location: req.url ?? '/' }).end());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const opts = { ...settings(), endpoint: `http://127.0.0.1:${port}`, fetch: undefined };
      const e = await refusal(openSnapshot({ type: 'model', id: 'org/loop' }, 'main', (await import('./hub-settings.js')).hubSettings(opts)));
      expect(e.reason).toBe('network');
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });

  it('an error answer whose JSON is broken still reports its status', async () => {
    const opts = settings((url, res) => (url.includes('/revision/') ? new Response('{"error": ', { status: 500, headers: { 'content-type': 'application/json' } }) : res));
    const e = await refusal(openSnapshot(REPO, 'main', (await import('./hub-settings.js')).hubSettings(opts)));
    expect(e.reason).toBe('network');
    expect(e.status).toBe(500);
  });

  it('offline, a ref file that holds no commit is named', async () => {
    const opts = settings(undefined, { offline: true });
    const refs = join(opts.cacheDir!, 'models--org--tiny', 'refs');
    mkdirSync(refs, { recursive: true });
    writeFileSync(join(refs, 'main'), 'not a commit\n');
    const e = await refusal(openSnapshot(REPO, 'main', (await import('./hub-settings.js')).hubSettings(opts)));
    expect(e.reason).toBe('malformed');
    expect(e.message).toBe(`${join(refs, 'main')}: the value is invalid: expected the 40-hex-digit commit id the revision pointed at; download the revision again online (the ref is rewritten), or delete the file`);
  });
});
