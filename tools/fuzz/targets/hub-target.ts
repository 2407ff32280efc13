import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PeftError } from '../../../packages/core/src/index.js';
import { forgetVerifiedBlobs } from '../../../packages/hub/src/node/hub-cache.js';
import { hubSource } from '../../../packages/hub/src/node/hub-source.js';
import { pushAdapter } from '../../../packages/hub/src/node/push-adapter.js';
import type { FuzzTarget } from '../fuzz-runner.js';
import { type FuzzRandom, mutateJson, randomBytes } from '../fuzz-random.js';
import { HubPushStub } from './fuzz-hub-push-stub.js';
import { HubStub, type StubFile } from './fuzz-hub-stub.js';
import { seedText } from './seed-files.js';

/** How long a stub request may hang before the client gives it up (the 2 s deadline must hold with retries). */
const TIMEOUT_MS = 15;
/** Where the caches go: memory when the system has a RAM disk (thousands of caches are made and removed). */
const CACHE_ROOT = existsSync('/dev/shm') ? '/dev/shm' : tmpdir();

interface Layout {
  readonly name: string;
  readonly files: ReadonlyMap<string, StubFile>;
  /** The files a model load fetches (and the bytes each must have in the snapshot). */
  readonly fetched: readonly string[];
  /** Whether the repository itself is broken (a malformed index): then even a clean load may be refused. */
  readonly broken: boolean;
}

const text = (s: string): StubFile => ({ bytes: new TextEncoder().encode(s), lfs: false });

/** Three repositories: one weights file (with an empty special_tokens_map.json), two shards and their index, and the same with the index mutated at the source. */
function layouts(r: FuzzRandom, config: string, generation: string): Layout[] {
  const weights = { bytes: randomBytes(r, 2048 + r.int(4096)), lfs: true };
  const single = new Map<string, StubFile>([['config.json', text(config)], ['generation_config.json', text(generation)], ['model.safetensors', weights], ['special_tokens_map.json', text('')], ['pytorch_model.bin', { bytes: randomBytes(r, 64), lfs: true }]]);
  const index = JSON.stringify({ metadata: { total_size: 3072 }, weight_map: { 'a.weight': 'model-00001-of-00002.safetensors', 'b.weight': 'model-00002-of-00002.safetensors' } });
  const shards = (idx: string): Map<string, StubFile> =>
    new Map<string, StubFile>([
      ['config.json', text(config)],
      ['model.safetensors.index.json', text(idx)],
      ['model-00001-of-00002.safetensors', { bytes: randomBytes(r, 1024), lfs: true }],
      ['model-00002-of-00002.safetensors', { bytes: randomBytes(r, 2048), lfs: true }],
    ]);
  const shardFiles = ['config.json', 'model.safetensors.index.json', 'model-00001-of-00002.safetensors', 'model-00002-of-00002.safetensors'];
  return [
    { name: 'single', files: single, fetched: ['config.json', 'generation_config.json', 'special_tokens_map.json', 'model.safetensors'], broken: false },
    { name: 'sharded', files: shards(index), fetched: shardFiles, broken: false },
    { name: 'bad-index', files: shards(mutateJson(r, index)), fetched: ['config.json', 'model.safetensors.index.json'], broken: true },
  ];
}

/**
 * Throws a plain Error (a crash) when a file of the snapshot is not the repository's file, or, unless
 * `present` only is asked (a listing altered on the way may name other files), when one is missing.
 */
function expectTrueBytes(cacheDir: string, commit: string, layout: Layout, files: readonly string[], when: string, present = false): void {
  for (const path of files) {
    const local = join(cacheDir, 'models--org--tiny', 'snapshots', commit, path);
    if (present && !existsSync(local)) continue;
    const got = new Uint8Array(readFileSync(local));
    const want = layout.files.get(path)!.bytes;
    if (got.length !== want.length || got.some((b, i) => b !== want[i])) throw new Error(`${when}: the snapshot's ${path} (${got.length} bytes) is not the repository's file (${want.length} bytes)`);
  }
}

/** The files of an adapter folder to push: a config, LoRA weights (through Git LFS) and a model card. */
function adapterFiles(r: FuzzRandom): Map<string, Uint8Array> {
  const enc = new TextEncoder();
  return new Map([
    ['adapter_config.json', enc.encode(JSON.stringify({ peft_type: 'LORA', task_type: 'CAUSAL_LM', r: 4, lora_alpha: 8, target_modules: ['c_attn'], base_model_name_or_path: 'org/base' }))],
    ['adapter_model.safetensors', randomBytes(r, 1 + r.int(6000))],
    ['README.md', enc.encode('---\nlibrary_name: peft\n---\n# tiny\n')],
  ]);
}

/**
 * Pushes an adapter folder to the push stub (`pushAdapter`, as `peft push` does). It must either
 * refuse with a PeftError or resolve having committed exactly the folder's files (the stub, like the
 * Hub, refuses a commit naming an LFS object it does not hold); anything else is a crash.
 */
async function pushOnce(r: FuzzRandom, script: Uint8Array, files: Map<string, Uint8Array>): Promise<void> {
  const dir = mkdtempSync(join(CACHE_ROOT, 'peft-fuzz-push-'));
  try {
    for (const [name, bytes] of files) writeFileSync(join(dir, name), bytes);
    const stub = new HubPushStub(script, r);
    const result = await pushAdapter(dir, { repo: 'org/tiny', endpoint: stub.endpoint, fetch: stub.fetch, token: 'hf_fuzzpushtoken', env: {}, progress: null, timeoutMs: TIMEOUT_MS });
    const got = stub.committed;
    const faults = stub.served.join(', ') || 'none';
    if (!got) throw new Error(`a push with faults ${faults} resolved (commit ${String(result.commit)}) but the Hub accepted no commit`);
    for (const [name, bytes] of files) {
      const have = got.get(name);
      if (!have || have.length !== bytes.length || have.some((b, i) => b !== bytes[i])) throw new Error(`a push with faults ${faults} resolved but the commit's ${name} is not the folder's file`);
    }
    if (!/^[0-9a-f]{40}$/.test(result.commit ?? '')) throw new Error(`a push with faults ${faults} resolved with commit ${String(result.commit)}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * A small model repository served by an in-process Hub whose answers a script of bytes corrupts
 * request by request (see fuzz-hub-stub.ts: malformed or mutated JSON, hostile paths, sizes and ids in
 * the listing, pagination and redirect loops, 401/403/404/500, missing or contradicting headers,
 * truncated, overlong, flipped, stalled and empty bodies, ranges ignored), loaded with `hubSource`
 * into a fresh cache. Whatever the outcome, a clean load into the same cache must then give the
 * repository's true bytes (a partial or corrupted file left behind and accepted is a crash). One
 * input in four pushes an adapter instead (`pushAdapter`) to the stub's push side
 * (fuzz-hub-push-stub.ts: repository creation, pre-upload, LFS batch, uploads whole or in parts,
 * commit, each answer right or faulty): it must be refused with a PeftError or commit exactly the
 * folder's files.
 *
 * @example
 * ```ts
 * await runFuzzTarget(hubTarget, { seed: 1, count: 100 });
 * ```
 */
export const hubTarget: FuzzTarget = {
  name: 'hub',
  description: 'Hub answers and downloads (stub fetch) → hubSource into a fresh cache, then a clean load; pushes → pushAdapter',
  async prepare() {
    const config = await seedText('packages/models/test/fixtures/gpt2/config.json');
    const generation = await seedText('packages/models/test/fixtures/gpt2/generation_config.json');
    return (r) => {
      if (r.chance(0.25)) {
        const files = adapterFiles(r);
        const script = randomBytes(r, r.int(10));
        return { kind: 'push', bytes: script.length + [...files.values()].reduce((n, b) => n + b.length, 0), run: () => pushOnce(r, script, files) };
      }
      const layout = r.pick(layouts(r, config, generation));
      const script = randomBytes(r, r.int(14));
      const bytes = script.length + [...layout.files.values()].reduce((n, f) => n + f.bytes.length, 0);
      return {
        kind: layout.name,
        bytes,
        run: async () => {
          const cacheDir = mkdtempSync(join(CACHE_ROOT, 'peft-fuzz-hub-'));
          const opts = { cacheDir, env: {}, progress: null, timeoutMs: TIMEOUT_MS };
          try {
            forgetVerifiedBlobs();
            const stub = new HubStub(layout.files, script, r);
            let refused: unknown;
            try {
              await hubSource('org/tiny', { ...opts, endpoint: stub.endpoint, fetch: stub.fetch });
              expectTrueBytes(cacheDir, stub.commit, layout, layout.fetched, `a load with faults ${stub.served.join(', ') || 'none'}`, true);
            } catch (e) {
              refused = e;
            }
            if (refused !== undefined && !(refused instanceof PeftError)) throw refused instanceof Error ? refused : new Error(String(refused));
            if (refused === undefined && stub.served.length === 0) return;
            // what the faulty load left in the cache must not be taken for the repository's files
            forgetVerifiedBlobs();
            const clean = new HubStub(layout.files, new Uint8Array(0), r);
            try {
              await hubSource('org/tiny', { ...opts, endpoint: clean.endpoint, fetch: clean.fetch });
            } catch (e) {
              if (!(layout.broken && e instanceof PeftError)) {
                throw new Error(`a clean load after faults ${stub.served.join(', ') || 'none'} failed: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
              }
            }
            if (!layout.broken) expectTrueBytes(cacheDir, clean.commit, layout, layout.fetched, `a clean load after faults ${stub.served.join(', ') || 'none'}`);
            if (refused !== undefined) throw refused;
          } finally {
            rmSync(cacheDir, { recursive: true, force: true });
          }
        },
      };
    };
  },
};
