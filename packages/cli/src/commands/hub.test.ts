import { copyFileSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type MockHub, startMockHub } from '@peft/testing/mock-hub';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, run, scratchDir } from '../test-support/harness.js';

const MODEL_DIR = join(ROOT, 'packages', 'cli', 'assets', 'base-model');
const PARQUET = join(ROOT, 'packages', 'train', 'test', 'fixtures', 'prompt-completion.parquet');
const TOKEN = 'hf_clitesttoken42';
const modelFiles = Object.fromEntries(readdirSync(MODEL_DIR).map((f) => [f, new Uint8Array(readFileSync(join(MODEL_DIR, f)))]));

let hub: MockHub;
let cache: string;
let modelCommit: string;
const saved: Record<string, string | undefined> = {};
beforeAll(async () => {
  hub = await startMockHub({ tokens: [TOKEN] });
  modelCommit = hub.addRepo('model', 'org/tiny-gpt2', { ...modelFiles, 'pytorch_model.bin': new Uint8Array(32) });
  hub.addRepo('dataset', 'org/spam', { 'README.md': '# spam', 'data/train-00000-of-00001.parquet': new Uint8Array(readFileSync(PARQUET)) });
  cache = mkdtempSync(join(tmpdir(), 'peft-cli-hub-'));
  for (const k of ['HF_ENDPOINT', 'HF_HUB_CACHE', 'HF_TOKEN', 'HF_HUB_OFFLINE', 'HF_HOME']) saved[k] = process.env[k];
  Object.assign(process.env, { HF_ENDPOINT: hub.url, HF_HUB_CACHE: cache, HF_TOKEN: TOKEN, HF_HOME: join(cache, 'home') });
  delete process.env.HF_HUB_OFFLINE;
});
afterAll(async () => {
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  await hub.close();
});

const train = (out: string, ...extra: string[]) =>
  run('train', '--model', 'org/tiny-gpt2', '--method', '{"peft_type": "LORA", "r": 2, "target_modules": ["c_attn"]}', '--train', 'hf://datasets/org/spam/data/train-00000-of-00001.parquet',
    '--output_dir', out, '--max_steps', '2', '--per_device_train_batch_size', '2', '--max_length', '64', '--backend', 'cpu', '--quiet', ...extra);

describe('peft with the Hub (a local mock through HF_ENDPOINT)', () => {
  const out = scratchDir();

  it('trains a model given by id on a Parquet dataset given by hf:// URL, into the cache layout Python uses', async () => {
    const res = await train(out);
    expect(res.stderr, res.stderr).toMatch(/org\/tiny-gpt2\/model\.safetensors: done, 4\.4 MB/);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toMatch(/trained 2 step\(s\)/);
    const root = join(cache, 'models--org--tiny-gpt2');
    expect(readFileSync(join(root, 'refs', 'main'), 'utf8')).toBe(modelCommit);
    expect(readdirSync(join(root, 'snapshots', modelCommit)).sort()).toEqual(['config.json', 'generation_config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json']);
    expect(lstatSync(join(root, 'snapshots', modelCommit, 'config.json')).isSymbolicLink()).toBe(true);
    expect(readlinkSync(join(root, 'snapshots', modelCommit, 'config.json'))).toMatch(/^\.\.\/\.\.\/blobs\/[0-9a-f]{40}$/);
    expect(existsSync(join(cache, 'datasets--org--spam', 'refs', 'main'))).toBe(true);
    const config = JSON.parse(readFileSync(join(out, 'adapter_config.json'), 'utf8')) as Record<string, unknown>;
    expect(config.base_model_name_or_path).toBe('org/tiny-gpt2');
    const card = readFileSync(join(out, 'README.md'), 'utf8');
    expect(card).toMatch(/^---\nbase_model: org\/tiny-gpt2\nlibrary_name: peft\n/);
    expect(card).toContain('datasets:\n- org/spam\n');
    expect(card).toContain('| Steps | 2 |');
  });

  it('runs offline from the cache without a request, and names a file the cache lacks', async () => {
    process.env.HF_HUB_OFFLINE = '1';
    try {
      const before = hub.requests.length;
      const res = await train(scratchDir());
      expect(res.code).toBe(0);
      expect(hub.requests.length).toBe(before);
      rmSync(join(cache, 'models--org--tiny-gpt2', 'snapshots', modelCommit, 'model.safetensors'));
      const missing = await train(scratchDir());
      expect(missing.code).toBe(1);
      expect(missing.stderr).toMatch(/org\/tiny-gpt2\/model\.safetensors: HF_HUB_OFFLINE=1 and the file is not in the cache/);
    } finally {
      delete process.env.HF_HUB_OFFLINE;
    }
  });

  it('pushes the trained adapter with its model card in one commit, and reads it back by id', async () => {
    const res = await run('push', out, '--repo', 'tester/spam-lora', '--private');
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/pushed adapter_config\.json, adapter_model\.safetensors, README\.md to http:\/\/127\.0\.0\.1:\d+\/tester\/spam-lora \(commit [0-9a-f]{12}\)/);
    const push = hub.pushes.at(-1)!;
    expect([...push.files.keys()].sort()).toEqual(['README.md', 'adapter_config.json', 'adapter_model.safetensors']);
    expect(Buffer.from(push.files.get('adapter_model.safetensors') ?? []).equals(readFileSync(join(out, 'adapter_model.safetensors')))).toBe(true);
    expect(res.stderr).not.toContain(TOKEN);
    const inspect = await run('inspect', 'tester/spam-lora', '--json');
    expect(inspect.code).toBe(0);
    expect(JSON.parse(inspect.stdout)).toMatchObject({ peftType: 'LORA' });
    const gen = await run('generate', '--model', 'org/tiny-gpt2', '--adapter', 'tester/spam-lora', '--prompt', 'Subject: hi', '--max-new-tokens', '2', '--greedy', '--backend', 'cpu');
    expect(gen.stderr).not.toMatch(/trained on base model/);
    expect(gen.code).toBe(0);
    // training continues from the pushed adapter, named by id in the config
    const more = scratchDir();
    const cont = await run('train', '--model', 'org/tiny-gpt2', '--adapter', 'tester/spam-lora', '--train', 'org/spam', '--split', 'train', '--output_dir', more,
      '--max_steps', '1', '--per_device_train_batch_size', '2', '--max_length', '64', '--backend', 'cpu', '--quiet');
    expect(cont.code, cont.stderr).toBe(0);
    expect(JSON.parse(readFileSync(join(more, 'adapter_config.json'), 'utf8'))).toMatchObject({ peft_type: 'LORA', r: 2, base_model_name_or_path: 'org/tiny-gpt2' });
  });

  it('loads a named adapter from a subfolder of a repository, and warns when the base differs from the one it was trained on', async () => {
    const multi = scratchDir();
    for (const dir of [multi, join(multi, 'other')]) {
      mkdirSync(dir, { recursive: true });
      for (const f of ['adapter_config.json', 'adapter_model.safetensors']) copyFileSync(join(out, f), join(dir, f));
    }
    expect((await run('push', multi, '--repo', 'tester/multi')).code).toBe(0);
    expect([...hub.pushes.at(-1)!.files.keys()].sort()).toEqual(['README.md', 'adapter_config.json', 'adapter_model.safetensors', 'other/adapter_config.json', 'other/adapter_model.safetensors']);
    const inspect = await run('inspect', 'tester/multi/other', '--json');
    expect(inspect.code, inspect.stderr).toBe(0);
    expect(readdirSync(join(cache, 'models--tester--multi', 'snapshots', readFileSync(join(cache, 'models--tester--multi', 'refs', 'main'), 'utf8'), 'other')).sort()).toEqual(['adapter_config.json', 'adapter_model.safetensors']);
    // the adapter records the id it was trained on; a base from another folder gets PEFT's warning
    const gen = await run('generate', '--model', MODEL_DIR, '--adapter', 'tester/multi/other', '--prompt', 'Subject: hi', '--max-new-tokens', '1', '--greedy', '--backend', 'cpu');
    expect(gen.code).toBe(0);
    expect(gen.stderr).toMatch(/tester\/multi\/other\/adapter_config\.json: the adapter was trained on base model "org\/tiny-gpt2", but it is being loaded onto ".*base-model"/);
  });

  it('explains a refused token with the 401 message and never prints the token', async () => {
    process.env.HF_TOKEN = 'hf_wrongtoken0000';
    try {
      const res = await run('inspect', 'org/tiny-gpt2', '--revision', 'main');
      expect(res.code).toBe(1);
      expect(res.stderr).toMatch(/401 Unauthorized: the token was refused \(invalid or expired\); set HF_TOKEN/);
      expect(res.stderr).not.toContain('hf_wrongtoken0000');
    } finally {
      process.env.HF_TOKEN = TOKEN;
    }
  });
});
