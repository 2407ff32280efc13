/** Helpers for the CLI's tests: captured output, fixture paths, a scratch checkpoint with a tokenizer. */
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CliIO } from '../io.js';
import { main } from '../main.js';

/** The repository root. */
export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');

/** The golden fixtures that @peft/models' tests use. */
export const FIXTURES = join(ROOT, 'packages', 'models', 'test', 'fixtures');

/** A fixture model folder. */
export function fixtureModel(name: 'gpt2' | 'llama' | 'bert' | 't5'): string {
  return join(FIXTURES, name);
}

/** The fields of a fixture case.json the CLI's tests read. */
export interface FixtureCase {
  inputs: { input_ids: number[][]; attention_mask: number[][] };
  logits_base: unknown;
  base_model?: { sequences: number[][] };
}

/** A parsed fixture case (case.json). */
export function fixtureCase(name: string): FixtureCase {
  return JSON.parse(readFileSync(join(FIXTURES, 'cases', `${name}.json`), 'utf8')) as FixtureCase;
}

/** The golden adapter cases of @peft/testing (one folder per case: adapter files and case.json). */
export const ADAPTER_CASES = join(ROOT, 'packages', 'testing', 'fixtures', 'cases');

/** An adapter case folder (adapter_config.json, adapter_model.safetensors, case.json). */
export function adapterCaseDir(name: string): string {
  return join(ADAPTER_CASES, name);
}

/** An adapter case's case.json, parsed. */
export function adapterCase(name: string): Record<string, unknown> & FixtureCase {
  return JSON.parse(readFileSync(join(ADAPTER_CASES, name, 'case.json'), 'utf8')) as Record<string, unknown> & FixtureCase;
}

/** A fresh scratch folder. */
export function scratchDir(): string {
  return mkdtempSync(join(tmpdir(), 'peft-cli-'));
}

/** Writes `value` as JSON into a scratch file and returns its path. */
export function jsonFile(value: unknown, name = 'input.json'): string {
  const path = join(scratchDir(), name);
  writeFileSync(path, typeof value === 'string' ? value : JSON.stringify(value));
  return path;
}

/** What a run of `main` printed and returned. */
export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the command line in-process, capturing its output. */
export async function run(...argv: string[]): Promise<RunResult> {
  let stdout = '';
  let stderr = '';
  const io: CliIO = { stdout: { write: (s: string) => (stdout += s) }, stderr: { write: (s: string) => (stderr += s) } };
  const code = await main(argv, io);
  return { code, stdout, stderr };
}

/** Printable ASCII (ids 2…96) of the character-level tokenizer below. */
const CHARS = Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i));

/**
 * A character-level BPE tokenizer.json sized for the 100-token fixture models: id 0 `<s>`, id 1
 * `<|endoftext|>` (the fixtures' bos and eos), printable ASCII at 2…96, and three plain extra tokens.
 */
export function charTokenizerJson(): Record<string, unknown> {
  const vocab: Record<string, number> = { '<s>': 0, '<|endoftext|>': 1 };
  CHARS.forEach((c, i) => (vocab[c] = i + 2));
  ['<x0>', '<x1>', '<x2>'].forEach((t, i) => (vocab[t] = 97 + i));
  const special = (id: number, content: string) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true });
  return {
    version: '1.0',
    added_tokens: [special(0, '<s>'), special(1, '<|endoftext|>')],
    normalizer: null,
    pre_tokenizer: null,
    post_processor: null,
    decoder: { type: 'Fuse' },
    model: { type: 'BPE', dropout: null, unk_token: '<x0>', continuing_subword_prefix: null, end_of_word_suffix: null, fuse_unk: false, byte_fallback: false, vocab, merges: [] },
  };
}

/** A copy of a fixture model with the character tokenizer (and optionally a tokenizer_config.json). */
export function modelWithTokenizer(name: 'gpt2' | 'llama', tokenizerConfig?: Record<string, unknown>): string {
  const dir = scratchDir();
  for (const f of ['config.json', 'model.safetensors']) copyFileSync(join(fixtureModel(name), f), join(dir, f));
  writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify(charTokenizerJson()));
  if (tokenizerConfig) writeFileSync(join(dir, 'tokenizer_config.json'), JSON.stringify(tokenizerConfig));
  return dir;
}
