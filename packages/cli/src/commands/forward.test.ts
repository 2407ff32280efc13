import { nodeGPU } from '@peft/core/node';
import { testWebGPU } from '@peft/core/testing';
import { describe, expect, it } from 'vitest';
import { fixtureCase, fixtureModel, jsonFile, modelWithTokenizer, run } from '../test-support/harness.js';

const flat = (x: unknown): number[] => (x as unknown[]).flat(Infinity as 1) as number[];
const maxAbsDiff = (a: number[], b: number[]) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);

const gpu = await testWebGPU();
// The CLI releases Dawn's GPU object after each command; this file keeps the one behind testWebGPU's
// device referenced while that device lives.
const _dawn = gpu ? nodeGPU() : null;
const backends = gpu ? ['cpu', 'webgpu'] : ['cpu'];

describe.each([
  { model: 'gpt2', caseName: 'gpt2_lora', shape: [2, 8, 100] },
  { model: 'llama', caseName: 'llama_lora', shape: [2, 8, 100] },
  { model: 'bert', caseName: 'bert_lora', shape: [2, 3] },
] as const)('peft forward --json on the $model fixture', ({ model, caseName, shape }) => {
  const c = fixtureCase(caseName);

  it.each(backends)('reproduces transformers’ base logits within 1e-5 on %s', async (backend) => {
    const { code, stdout, stderr } = await run('forward', '--model', fixtureModel(model), '--input', jsonFile(c.inputs), '--json', '--backend', backend);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const out = JSON.parse(stdout) as { shape: number[]; logits: unknown };
    expect(Object.keys(out)).toEqual(['shape', 'logits']);
    expect(out.shape).toEqual(shape);
    expect(flat(out.logits)).toHaveLength(shape.reduce((a, b) => a * b, 1));
    expect(maxAbsDiff(flat(out.logits), flat(c.logits_base))).toBeLessThan(1e-5);
  });
});

describe('peft forward without --json', () => {
  it('summarises a language model with the top-5 next tokens at the last real position of each row', async () => {
    const inputs = { input_ids: [[5, 6, 7, 1]], attention_mask: [[1, 1, 1, 0]] };
    const { code, stdout } = await run('forward', '--model', fixtureModel('gpt2'), '--input', jsonFile(inputs), '--backend', 'cpu');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^GPT2LMHeadModel \(gpt2, causal-lm\) on cpu/);
    expect(stdout).toContain('logits shape [1, 4, 100]');
    expect(stdout).toMatch(/row 0, position 2: top-5 next tokens: (\d+ -?\d\.\d{4}, ){4}\d+ -?\d\.\d{4}\n/);
  });

  it('shows the decoded text of each top token when the checkpoint has a tokenizer', async () => {
    const inputs = { input_ids: [[5, 6, 7]] };
    const plain = await run('forward', '--model', fixtureModel('gpt2'), '--input', jsonFile(inputs), '--backend', 'cpu');
    const { code, stdout } = await run('forward', '--model', modelWithTokenizer('gpt2'), '--input', jsonFile(inputs), '--backend', 'cpu');
    expect(code).toBe(0);
    const ids = [...plain.stdout.matchAll(/(\d+) (-?\d\.\d{4})/g)].map((m) => Number(m[1]));
    expect(ids).toHaveLength(5);
    // the character tokenizer decodes id i to the character with code i + 30 (ids 2…96)
    const decoded = ids.map((id) => (id >= 2 && id <= 96 ? JSON.stringify(String.fromCharCode(id + 30)) : ''));
    for (const [k, id] of ids.entries()) if (decoded[k]) expect(stdout).toContain(`${id} ${decoded[k]} `);
    expect(decoded.some((d) => d !== '')).toBe(true);
  });

  it('lists a classifier’s labels by score', async () => {
    const { code, stdout } = await run('forward', '--model', fixtureModel('bert'), '--input', jsonFile(fixtureCase('bert_lora').inputs), '--backend', 'cpu');
    expect(code).toBe(0);
    expect(stdout).toContain('BertForSequenceClassification (bert, sequence-classification)');
    expect(stdout).toMatch(/row 1: LABEL_\d -?\d\.\d{4}, LABEL_\d -?\d\.\d{4}, LABEL_\d -?\d\.\d{4}\n/);
  });
});

describe('peft forward with bad input', () => {
  const model = fixtureModel('gpt2');
  const cases: [string, unknown, RegExp][] = [
    ['a file that is not JSON', '{"input_ids": [[1, 2]', /not valid JSON/],
    ['no input_ids', { attention_mask: [[1]] }, /missing "input_ids"/],
    ['ragged rows', { input_ids: [[1, 2], [3]] }, /rows have different lengths \[2, 1\]/],
    ['a non-integer id', { input_ids: [[1, 2.5]] }, /\[0\]\[1\] is 2\.5/],
    ['an id past the vocabulary', { input_ids: [[1, 100]] }, /ids in \[0, 100\), got 100 at \[0\]\[1\]/],
    ['a mask of another shape', { input_ids: [[1, 2]], attention_mask: [[1, 1, 1]] }, /"attention_mask" to have the shape of input_ids \[1, 2\], got \[1, 3\]/],
    ['a mask that is not 0/1', { input_ids: [[1, 2]], attention_mask: [[1, 2]] }, /0 or 1, got 2/],
  ];

  it.each(cases)('reports %s with exit code 1 and no stack trace', async (_, content, message) => {
    const { code, stdout, stderr } = await run('forward', '--model', model, '--input', jsonFile(content), '--backend', 'cpu');
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/^peft: forward: /);
    expect(stderr).toMatch(message);
    expect(stderr).not.toMatch(/\n\s+at /);
  });

  it('reports a missing input file', async () => {
    const { code, stderr } = await run('forward', '--model', model, '--input', '/nonexistent/in.json', '--backend', 'cpu');
    expect(code).toBe(1);
    expect(stderr).toBe('peft: forward: cannot read the input file /nonexistent/in.json (ENOENT)\n');
  });

  it('names the missing --model and --input flags with exit code 2', async () => {
    const noModel = await run('forward', '--input', 'x.json');
    expect(noModel.code).toBe(2);
    expect(noModel.stderr).toMatch(/^peft: forward: --model DIR is required\n/);
    const noInput = await run('forward', '--model', model);
    expect(noInput.code).toBe(2);
    expect(noInput.stderr).toMatch(/--input FILE.json is required/);
  });

  it('rejects an unknown backend', async () => {
    const { code, stderr } = await run('forward', '--model', model, '--input', 'x.json', '--backend', 'tpu');
    expect(code).toBe(2);
    expect(stderr).toMatch(/--backend expects "webgpu" or "cpu", got "tpu"/);
  });
});
