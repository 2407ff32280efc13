import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type MockHub, startMockHub } from '@peft/testing/mock-hub';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HubError } from '../hub-error.js';
import { pushAdapter } from './push-adapter.js';

const TOKEN = 'hf_writetoken0001';
let hub: MockHub;
beforeAll(async () => {
  hub = await startMockHub({ tokens: [TOKEN] });
});
afterAll(() => hub.close());

function adapterDir(extra: Record<string, string | Uint8Array> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'peft-push-'));
  const config = { peft_type: 'LORA', base_model_name_or_path: 'org/tiny-gpt2', task_type: 'CAUSAL_LM', r: 4, lora_alpha: 8, target_modules: ['c_attn'] };
  writeFileSync(join(dir, 'adapter_config.json'), JSON.stringify(config, null, 2));
  writeFileSync(join(dir, 'adapter_model.safetensors'), new Uint8Array(2048).map((_, i) => i % 251));
  writeFileSync(join(dir, 'metrics.jsonl'), '{"step":1}\n');
  for (const [p, c] of Object.entries(extra)) {
    mkdirSync(join(dir, p, '..'), { recursive: true });
    writeFileSync(join(dir, p), c);
  }
  return dir;
}

describe('pushAdapter', () => {
  it('creates the repository and commits the adapter files with a model card in one commit', async () => {
    const dir = adapterDir({ 'other/adapter_config.json': '{"peft_type": "LORA"}', 'other/adapter_model.safetensors': new Uint8Array(16) });
    const lines: string[] = [];
    const result = await pushAdapter(dir, { repo: 'tester/my-lora', private: true, endpoint: hub.url, token: TOKEN, env: {}, progress: { write: (s: string) => lines.push(s) } });
    expect(hub.isPrivate('model', 'tester/my-lora')).toBe(true);
    expect(hub.pushes).toHaveLength(1);
    const push = hub.pushes[0];
    expect(push.commit).toBe(result.commit);
    expect([...push.files.keys()].sort()).toEqual(['README.md', 'adapter_config.json', 'adapter_model.safetensors', 'other/adapter_config.json', 'other/adapter_model.safetensors']);
    expect(Buffer.from(push.files.get('adapter_model.safetensors') ?? []).equals(readFileSync(join(dir, 'adapter_model.safetensors')))).toBe(true);
    const card = new TextDecoder().decode(push.files.get('README.md'));
    expect(card).toMatch(/^---\nbase_model: org\/tiny-gpt2\nlibrary_name: peft\npipeline_tag: text-generation\ntags:\n- base_model:adapter:org\/tiny-gpt2\n- lora\n/);
    expect(card).toContain('| Rank (r) | 4 |');
    expect(lines.join('')).toMatch(/push: created private repository tester\/my-lora[\s\S]*push: committed [0-9a-f]{40}/);
    // the LFS file went through the batch API and an upload, the small ones inline
    expect(hub.requests.some((r) => r.path.endsWith('.git/info/lfs/objects/batch'))).toBe(true);
  });

  it('keeps the README.md that training wrote, and commits to an existing repository', async () => {
    const dir = adapterDir({ 'README.md': '---\nlibrary_name: peft\n---\n# mine\n' });
    await pushAdapter(dir, { repo: 'tester/my-lora', endpoint: hub.url, token: TOKEN, env: {}, progress: null });
    expect(new TextDecoder().decode(hub.files('model', 'tester/my-lora')!.get('README.md'))).toBe('---\nlibrary_name: peft\n---\n# mine\n');
    expect(hub.files('model', 'tester/my-lora')!.has('other/adapter_config.json')).toBe(true);
  });

  it('commits to another branch, created from main, leaving main as it was', async () => {
    const before = hub.files('model', 'tester/my-lora')!;
    const dir = adapterDir({ 'README.md': '# on dev\n' });
    const result = await pushAdapter(dir, { repo: 'tester/my-lora', revision: 'dev', endpoint: hub.url, token: TOKEN, env: {}, progress: null });
    expect(result.url).toBe(`${hub.url}/tester/my-lora/tree/dev`);
    expect(new TextDecoder().decode(hub.files('model', 'tester/my-lora', 'dev')!.get('README.md'))).toBe('# on dev\n');
    expect(new TextDecoder().decode(hub.files('model', 'tester/my-lora', 'main')!.get('README.md'))).toBe(new TextDecoder().decode(before.get('README.md')));
    expect(hub.pushes.at(-1)!.branch).toBe('dev');
  });

  it('needs a token, and explains a refused one without printing it', async () => {
    await expect(pushAdapter(adapterDir(), { repo: 'tester/x', endpoint: hub.url, env: {}, progress: null })).rejects.toThrow(/needs a token with write access; set HF_TOKEN/);
    const bad = 'hf_refusedtoken777';
    const e = (await pushAdapter(adapterDir(), { repo: 'tester/x', endpoint: hub.url, token: bad, env: {}, progress: null }).catch((x: unknown) => x)) as Error;
    expect(e.message).toMatch(/401 Unauthorized: the token was refused/);
    expect(e.message).not.toContain(bad);
  });

  it('refuses a folder without an adapter', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'peft-push-'));
    await expect(pushAdapter(dir, { repo: 'tester/x', endpoint: hub.url, token: TOKEN, env: {}, progress: null })).rejects.toThrow(/has no adapter_config.json/);
  });

  describe("checks the Hub's answers to a push before the client reads them", () => {
    /** A fetch to the mock Hub whose answer to the first request matching `route` has its JSON changed by `alter`. */
    const altering = (route: RegExp, alter: (json: Record<string, unknown>) => unknown): typeof fetch => {
      let done = false;
      return async (input, init) => {
        const res = await fetch(input, init);
        const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
        if (done || !route.test(new URL(url).pathname) || !res.ok) return res;
        done = true;
        const json = (await res.json()) as Record<string, unknown>;
        return new Response(JSON.stringify(alter(json)), { status: res.status, headers: res.headers });
      };
    };
    const push = (repo: string, fetchFn: typeof fetch): Promise<unknown> =>
      pushAdapter(adapterDir({ 'README.md': '# x\n' }), { repo, endpoint: hub.url, token: TOKEN, env: {}, progress: null, fetch: fetchFn }).catch((e: unknown) => e);

    it.each([
      ['a commit answer without commitOid', /\/commit\/main$/, (j: Record<string, unknown>) => ({ ...j, commitOid: undefined }), /\/commit\/main: missing field "commitOid" \(expected string\)$/],
      ['a commit answer whose commitOid is a number', /\/commit\/main$/, (j: Record<string, unknown>) => ({ ...j, commitOid: 7 }), /\/commit\/main: field "commitOid" should be string, got 7$/],
      ['a pre-upload answer with an unknown upload mode', /\/preupload\//, (j: Record<string, unknown>) => ({ files: (j.files as object[]).map((f) => ({ ...f, uploadMode: 'magic' })) }), /preupload\/main: field "files\.0\.uploadMode" should be \("lfs" \| "regular"\), got "magic"$/],
      ['an LFS batch answer whose upload URL is not http', /lfs\/objects\/batch$/, (j: Record<string, unknown>) => ({ ...j, objects: (j.objects as { oid: string }[]).map((o) => ({ oid: o.oid, actions: { upload: { href: 'file:///tmp/x' } } })) }), /batch: field "objects\.0\.actions\.upload\.href" is invalid: expected an http or https URL$/],
      ['a repository creation answer without url', /\/api\/repos\/create$/, () => ({ name: 'x' }), /repos\/create: missing field "url" \(expected string\)$/],
    ])('%s is a HubError (malformed) naming the URL and the field, and nothing is committed', async (_what, route, alter, message) => {
      const before = hub.pushes.length;
      const e = await push(`tester/checked-${hub.pushes.length}-${Math.random().toString(36).slice(2, 8)}`, altering(route, alter));
      expect(e).toBeInstanceOf(HubError);
      expect((e as HubError).reason).toBe('malformed');
      expect((e as Error).message).toMatch(message);
      // a malformed commit answer comes after the commit: the Hub has it, the client could not read its id
      if (!route.test('/api/models/x/y/commit/main')) expect(hub.pushes.length).toBe(before);
    });

    it('passes good answers on: the same push through the checked client commits', async () => {
      const result = (await push('tester/checked-good', fetch)) as { commit: string };
      expect(result.commit).toMatch(/^[0-9a-f]{40}$/);
    });
  });
});
