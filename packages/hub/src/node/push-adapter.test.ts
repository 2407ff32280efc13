import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type MockHub, startMockHub } from '@peft/testing/mock-hub';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
});
