import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createHash } from 'node:crypto';
import { openSource, setSourceResolver } from '@peft/core/plugin';
import { loadPretrained } from '@peft/models';
import { type MockHub, startMockHub } from '@peft/testing/mock-hub';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { HubError } from '../hub-error.js';
import { forgetVerifiedBlobs } from './hub-cache.js';
import { enableHub, hubSource } from './hub-source.js';

const FIXTURE = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'models', 'test', 'fixtures', 'gpt2');
const files = Object.fromEntries(['config.json', 'generation_config.json', 'model.safetensors'].map((f) => [f, new Uint8Array(readFileSync(join(FIXTURE, f)))]));
const TOKEN = 'hf_validtoken123456';
const OTHER = 'hf_notgrantedtoken1';

let hub: MockHub;
let commit: string;
beforeAll(async () => {
  hub = await startMockHub({ tokens: [TOKEN, OTHER], gatedTokens: [TOKEN] });
  commit = hub.addRepo('model', 'org/tiny-gpt2', { ...files, 'pytorch_model.bin': new Uint8Array(64), 'README.md': '# tiny' });
  hub.addRepo('model', 'org/private', files, { private: true });
  hub.addRepo('model', 'org/gated', files, { gated: true });
});
afterAll(() => hub.close());
afterEach(() => {
  setSourceResolver(undefined);
  forgetVerifiedBlobs();
});

function cacheDir(): string {
  return mkdtempSync(join(tmpdir(), 'peft-hub-cache-'));
}

function opts(cache: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { endpoint: hub.url, cacheDir: cache, env: {}, progress: null, ...extra };
}

const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');
const contentRequests = (): string[] => hub.requests.filter((r) => r.path.startsWith('/_lfs/') || r.path.includes('/resolve/')).map((r) => r.path);

describe('hubSource', () => {
  it('fetches only the files a model needs into the cache layout Python uses, and loads the model by id', async () => {
    const cache = cacheDir();
    enableHub(opts(cache));
    const model = await loadPretrained('org/tiny-gpt2', { onWarning: () => {} });
    expect(model.config._name_or_path).toBe('org/tiny-gpt2');
    const root = join(cache, 'models--org--tiny-gpt2');
    expect(readFileSync(join(root, 'refs', 'main'), 'utf8')).toBe(commit);
    expect(readdirSync(join(root, 'snapshots', commit)).sort()).toEqual(['config.json', 'generation_config.json', 'model.safetensors']);
    const link = join(root, 'snapshots', commit, 'model.safetensors');
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readlinkSync(link)).toBe(join('..', '..', 'blobs', sha256(files['model.safetensors'])));
    expect(readdirSync(join(root, 'blobs'))).toHaveLength(3);
    expect(existsSync(join(cache, '.locks', 'models--org--tiny-gpt2'))).toBe(true);
  });

  it('uses files already in the cache without downloading them again', async () => {
    const cache = cacheDir();
    await hubSource('org/tiny-gpt2', opts(cache));
    const before = contentRequests().length;
    const source = await hubSource('org/tiny-gpt2', opts(cache));
    expect(contentRequests().length).toBe(before);
    expect(await source.readText('config.json')).toBe(new TextDecoder().decode(files['config.json']));
  });

  it('reads the cache alone offline, and names a missing file', async () => {
    const cache = cacheDir();
    await hubSource('org/tiny-gpt2', opts(cache));
    const before = hub.requests.length;
    const source = await hubSource('org/tiny-gpt2', opts(cache, { offline: true }));
    expect(await source.has('model.safetensors')).toBe(true);
    expect(hub.requests.length).toBe(before);
    await expect(hubSource('org/tiny-gpt2', opts(cacheDir(), { offline: true }))).rejects.toThrow(/HF_HUB_OFFLINE=1 and the cache .* has no ref for this revision/);
    // a snapshot that lost its weights file: the error names it
    rmSync(join(cache, 'models--org--tiny-gpt2', 'snapshots', commit, 'model.safetensors'));
    await expect(hubSource('org/tiny-gpt2', opts(cache, { offline: true }))).rejects.toThrow(/org\/tiny-gpt2\/model\.safetensors: HF_HUB_OFFLINE=1 and the file is not in the cache/);
  });

  it('falls back to a revision cached before when the Hub cannot be reached, saying so', async () => {
    const cache = cacheDir();
    await hubSource('org/tiny-gpt2', opts(cache));
    const notes: string[] = [];
    const source = await hubSource('org/tiny-gpt2', opts(cache, { endpoint: 'http://127.0.0.1:9', progress: { write: (s: string) => notes.push(s) } }));
    expect(await source.has('model.safetensors')).toBe(true);
    expect(notes.join('')).toMatch(/org\/tiny-gpt2@main: the Hub cannot be reached .*; using the cached snapshot [0-9a-f]{40}/);
    await expect(hubSource('org/tiny-gpt2', opts(cacheDir(), { endpoint: 'http://127.0.0.1:9' }))).rejects.toThrow(HubError);
  });

  it('resumes a download cut midway from the bytes it kept', async () => {
    const cache = cacheDir();
    hub.cutNextDownload('model.safetensors', 40_000);
    const source = await hubSource('org/tiny-gpt2', opts(cache));
    const ranges = hub.requests.filter((r) => r.path.startsWith('/_lfs/') && r.range !== 'bytes=0-0').map((r) => r.range);
    expect(ranges.slice(-2)).toEqual([undefined, `bytes=40000-${files['model.safetensors'].length - 1}`]);
    const bytes = await source.withBytes('model.safetensors', async (b) => {
      const out = new Uint8Array(b.size);
      await b.read(out, 0);
      return out;
    });
    expect(sha256(bytes)).toBe(sha256(files['model.safetensors']));
  });

  it('resumes from a partial blob an earlier run left behind', async () => {
    const cache = cacheDir();
    const etag = sha256(files['model.safetensors']);
    mkdirSync(join(cache, 'models--org--tiny-gpt2', 'blobs'), { recursive: true });
    writeFileSync(join(cache, 'models--org--tiny-gpt2', 'blobs', `${etag}.incomplete`), files['model.safetensors'].subarray(0, 1234));
    await hubSource('org/tiny-gpt2', opts(cache));
    expect(hub.requests.filter((r) => r.path === `/_lfs/${etag}`).at(-1)?.range).toBe(`bytes=1234-${files['model.safetensors'].length - 1}`);
    expect(sha256(readFileSync(join(cache, 'models--org--tiny-gpt2', 'blobs', etag)))).toBe(etag);
  });

  it('refuses a cached blob whose hash does not match and fetches it again', async () => {
    const cache = cacheDir();
    await hubSource('org/tiny-gpt2', opts(cache));
    forgetVerifiedBlobs();
    const etag = sha256(files['model.safetensors']);
    const blob = join(cache, 'models--org--tiny-gpt2', 'blobs', etag);
    const bad = new Uint8Array(readFileSync(blob));
    bad[100] ^= 0xff;
    writeFileSync(blob, bad);
    const notes: string[] = [];
    await hubSource('org/tiny-gpt2', opts(cache, { progress: { write: (s: string) => notes.push(s) } }));
    expect(notes.join('')).toMatch(/model\.safetensors: the file's sha256 is [0-9a-f]{64}, expected [0-9a-f]{64}; it is refused; fetching it again/);
    expect(sha256(readFileSync(blob))).toBe(etag);
  });

  it('explains a refused token (401) without showing it', async () => {
    const bad = 'hf_notavalidtoken999';
    const e = await hubSource('org/tiny-gpt2', opts(cacheDir(), { token: bad })).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(HubError);
    expect((e as HubError).status).toBe(401);
    expect((e as Error).message).toMatch(/401 Unauthorized: the token was refused .*set HF_TOKEN/);
    expect((e as Error).message).not.toContain(bad);
  });

  it('asks for a token for a private repository, and reads it with one (HF_TOKEN or the login file)', async () => {
    await expect(hubSource('org/private', opts(cacheDir()))).rejects.toThrow(/org\/private@main: the Hub answered 401 Unauthorized: no token was given/);
    const home = cacheDir();
    writeFileSync(join(home, 'token'), `${TOKEN}\n`);
    const source = await hubSource('org/private', { endpoint: hub.url, env: { HF_HOME: home }, progress: null });
    expect(await source.has('config.json')).toBe(true);
    expect(existsSync(join(home, 'hub', 'models--org--private', 'refs', 'main'))).toBe(true);
    expect(hub.requests.at(-1)?.authorization).toBe(`Bearer ${TOKEN}`);
  });

  it('says what to do for a gated repository the token may not read (403), and reads it with one that may', async () => {
    const e = (await hubSource('org/gated', opts(cacheDir(), { token: OTHER })).catch((x: unknown) => x)) as HubError;
    expect(e.status).toBe(403);
    expect(e.message).toMatch(/org\/gated@main: the Hub answered 403 Forbidden: .*gated model needs its terms accepted on its page/);
    expect(e.message).not.toContain(OTHER);
    const source = await hubSource('org/gated', opts(cacheDir(), { token: TOKEN }));
    expect(await source.has('model.safetensors')).toBe(true);
  });

  it('says that neither the Hub nor a local folder has an unknown name', async () => {
    await expect(hubSource('org/missing', opts(cacheDir(), { token: TOKEN }))).rejects.toThrow(/org\/missing@main: not found on the Hub \(404\).*\(no local folder "org\/missing" exists either\)/);
  });

  it('prefers a local folder over an id of the same name', async () => {
    const work = cacheDir();
    mkdirSync(join(work, 'org', 'tiny-gpt2'), { recursive: true });
    writeFileSync(join(work, 'org', 'tiny-gpt2', 'config.json'), '{"local": true}');
    enableHub(opts(cacheDir()));
    const cwd = process.cwd();
    process.chdir(work);
    try {
      const source = await openSource('org/tiny-gpt2', { kind: 'model' });
      expect(await source.readText('config.json')).toBe('{"local": true}');
    } finally {
      process.chdir(cwd);
    }
    const remote = await openSource('org/tiny-gpt2', { kind: 'model' });
    expect(await remote.readText('config.json')).toBe(new TextDecoder().decode(files['config.json']));
  });

  it('fetches the shards a sharded checkpoint index names, and no others', async () => {
    const index = { metadata: {}, weight_map: { a: 'model-00001-of-00002.safetensors', b: 'model-00002-of-00002.safetensors' } };
    hub.addRepo('model', 'org/sharded', {
      'config.json': files['config.json'],
      'model.safetensors.index.json': JSON.stringify(index),
      'model-00001-of-00002.safetensors': new Uint8Array([1, 2, 3]),
      'model-00002-of-00002.safetensors': new Uint8Array([4, 5]),
      'model-old.safetensors': new Uint8Array([6]),
    });
    const cache = cacheDir();
    const source = await hubSource('org/sharded', opts(cache));
    expect(await source.has('model-00002-of-00002.safetensors')).toBe(true);
    expect(await source.has('model-old.safetensors')).toBe(false);
  });
});
