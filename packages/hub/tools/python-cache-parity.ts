/**
 * Checks, once and outside the test suite, that the cache @peft writes is the cache Python's
 * `huggingface_hub` writes, and that each side reads the other's offline. It starts the mock Hub,
 * downloads the same model (by id and revision) with @peft into one cache and with Python's
 * `snapshot_download` / `hf_hub_download` into another, compares the two trees (files, relative
 * symbolic links, blob names and bytes, refs), then reads each cache offline with the other side.
 *
 *     cd packages/hub && node --conditions=@peft/source --import tsx tools/python-cache-parity.ts
 *
 * Needs Python 3 with huggingface_hub (`PYTHON=/path/to/python` to choose the interpreter).
 */
import { spawn } from 'node:child_process';
import { lstatSync, mkdtempSync, readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { startMockHub } from '@peft/testing/mock-hub';
import { hubSource } from '../src/node.js';

const FILES: Record<string, string | Uint8Array> = {
  'config.json': '{"model_type": "gpt2"}\n',
  'generation_config.json': '{"bos_token_id": 0}\n',
  'tokenizer.json': '{"version": "1.0"}\n',
  'model.safetensors': new Uint8Array(300_000).map((_, i) => (i * 7) % 256),
};

function tree(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      const rel = relative(root, p);
      if (e.isDirectory()) walk(p);
      else if (lstatSync(p).isSymbolicLink()) out[rel] = `-> ${readlinkSync(p)}`;
      // the cache tag's comment lines are free text: only its presence and signature line count
      else if (rel === 'CACHEDIR.TAG') out[rel] = readFileSync(p, 'utf8').split('\n')[0];
      else out[rel] = rel.includes(`refs${'/'}`) || rel.includes(`trees${'/'}`) ? readFileSync(p, 'utf8') : `${lstatSync(p).size} bytes`;
    }
  };
  walk(root);
  return out;
}

/** Runs Python without blocking the event loop (the mock Hub answers from this process). */
function python(code: string, env: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.env.PYTHON ?? 'python3', ['-c', code], { env: { ...process.env, ...env } });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('close', (status) => (status === 0 ? resolve(out.trim()) : reject(new Error(`python failed:\n${err}`))));
  });
}

const hub = await startMockHub();
try {
  hub.addRepo('model', 'org/parity', FILES);
  const ours = mkdtempSync(join(tmpdir(), 'peft-parity-ours-'));
  const theirs = mkdtempSync(join(tmpdir(), 'peft-parity-py-'));
  await hubSource('org/parity', { endpoint: hub.url, cacheDir: ours, env: {}, progress: null });
  const version = await python(
    [
      'import huggingface_hub as h',
      'h.snapshot_download("org/parity", allow_patterns=["config.json", "generation_config.json", "tokenizer.json", "model.safetensors"])',
      'print(h.__version__)',
    ].join('\n'),
    { HF_ENDPOINT: hub.url, HF_HUB_CACHE: theirs, HF_HUB_DISABLE_TELEMETRY: '1', HF_HUB_DISABLE_XET: '1' },
  );
  const a = tree(ours);
  const b = tree(theirs);
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  const diff = keys.filter((k) => a[k] !== b[k]).map((k) => `  ${k}: @peft ${a[k] ?? '(absent)'} | python ${b[k] ?? '(absent)'}`);
  console.log(`huggingface_hub ${version}; @peft wrote ${Object.keys(a).length} entries, Python ${Object.keys(b).length}`);
  for (const k of keys) console.log(`  ${a[k] === b[k] ? 'same' : 'DIFF'}  ${k}  ${a[k] ?? '(absent)'}${a[k] === b[k] ? '' : ` | ${b[k] ?? '(absent)'}`}`);
  // each side reads the other's cache with the network off
  const pyReadsOurs = await python(
    [
      'import os, huggingface_hub as h',
      'p = h.hf_hub_download("org/parity", "model.safetensors")',
      'snap = h.snapshot_download("org/parity")',
      'print(len(open(p, "rb").read()), sorted(os.listdir(snap)))',
    ].join('\n'),
    { HF_ENDPOINT: 'http://127.0.0.1:9', HF_HUB_CACHE: ours, HF_HUB_OFFLINE: '1' },
  );
  const oursReadsPy = await hubSource('org/parity', { cacheDir: theirs, offline: true, env: {}, progress: null });
  const size = await oursReadsPy.withBytes('model.safetensors', (bytes) => Promise.resolve(bytes.size));
  console.log(`Python offline on @peft's cache (hf_hub_download, snapshot_download): ${pyReadsOurs}; @peft offline on Python's cache: ${size} bytes`);
  if (diff.length) {
    console.log(`differences:\n${diff.join('\n')}`);
    process.exitCode = 1;
  } else console.log('the two caches are the same');
} finally {
  await hub.close();
}
