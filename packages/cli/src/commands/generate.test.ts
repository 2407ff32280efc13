import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixtureCase, fixtureModel, modelWithTokenizer, run } from '../test-support/harness.js';

const gpt2 = fixtureModel('gpt2');

async function sequences(...args: string[]): Promise<number[]> {
  const { code, stdout, stderr } = await run('generate', '--model', gpt2, '--backend', 'cpu', '--json', ...args);
  expect(stderr).toBe('');
  expect(code).toBe(0);
  const out = JSON.parse(stdout) as { sequences: number[][] };
  expect(out.sequences).toHaveLength(1);
  return out.sequences[0];
}

describe('peft generate', () => {
  it('continues --ids greedily like transformers’ generate', async () => {
    const c = fixtureCase('gpt2_lora_generate');
    const prompt = c.inputs.input_ids[0];
    const expected = c.base_model!.sequences[0];
    expect(await sequences('--ids', prompt.join(','), '--max-new-tokens', '8')).toEqual(expected);
  });

  it('prints the ids as they come when there is no tokenizer', async () => {
    const { code, stdout } = await run('generate', '--model', gpt2, '--backend', 'cpu', '--ids', '82,57,85,75,20', '--max-new-tokens', '3');
    expect(code).toBe(0);
    expect(stdout).toBe('82 57 85 75 20 20 20 20\n');
  });

  it('samples reproducibly with a seed, and --greedy overrides the sampling flags', async () => {
    const args = ['--ids', '5,6,7', '--max-new-tokens', '6', '--temperature', '2', '--top-k', '50'];
    const a = await sequences(...args, '--seed', '1');
    expect(await sequences(...args, '--seed', '1')).toEqual(a);
    const seeds = await Promise.all(['2', '3', '4'].map((s) => sequences(...args, '--seed', s)));
    expect(seeds.some((s) => s.join() !== a.join())).toBe(true);
    expect(await sequences(...args, '--seed', '1', '--greedy')).toEqual(await sequences('--ids', '5,6,7', '--max-new-tokens', '6'));
  });

  it('takes its defaults from generation_config.json, and flags override them', async () => {
    const dir = modelWithTokenizer('gpt2');
    writeFileSync(join(dir, 'generation_config.json'), JSON.stringify({ max_new_tokens: 3, do_sample: true, top_k: 50, temperature: 3, eos_token_id: 1 }));
    const json = async (...args: string[]) => {
      const { code, stdout, stderr } = await run('generate', '--model', dir, '--backend', 'cpu', '--json', '--ids', '5,6,7', ...args);
      expect([code, stderr]).toEqual([0, '']);
      return (JSON.parse(stdout) as { sequences: number[][] }).sequences[0];
    };
    expect(await json()).toHaveLength(6);
    expect(await json('--max-new-tokens', '6', '--greedy')).toEqual(await sequences('--ids', '5,6,7', '--max-new-tokens', '6'));
    const sampled = await Promise.all(['1', '2', '3', '4'].map((seed) => json('--max-new-tokens', '6', '--seed', seed)));
    expect(new Set(sampled.map((s) => s.join())).size).toBeGreaterThan(1);
  });

  it('stops at a --stop-id token', async () => {
    const full = await sequences('--ids', '67,84,97,4,89', '--max-new-tokens', '8');
    const stop = full[7]; // the third new token (31 in the fixture)
    const stopped = await sequences('--ids', '67,84,97,4,89', '--max-new-tokens', '8', '--stop-id', String(stop));
    expect(stopped).toEqual(full.slice(0, full.indexOf(stop, 5) + 1));
  });

  it('streams decoded text from a --prompt, the same text the ids decode to', async () => {
    const dir = modelWithTokenizer('gpt2');
    const { code, stdout } = await run('generate', '--model', dir, '--backend', 'cpu', '--prompt', 'Hi', '--max-new-tokens', '6');
    expect(code).toBe(0);
    const json = await run('generate', '--model', dir, '--backend', 'cpu', '--prompt', 'Hi', '--max-new-tokens', '6', '--json');
    const seq = (JSON.parse(json.stdout) as { sequences: number[][] }).sequences[0];
    // the character tokenizer: id = code point - 30 for printable ASCII
    expect(seq.slice(0, 2)).toEqual([72 - 30, 105 - 30]);
    const text = seq.slice(2).filter((id) => id > 1 && id < 97).map((id) => String.fromCharCode(id + 30)).join('');
    expect(stdout).toBe(`${text}\n`);
  });

  it('stops once the generated text contains a --stop string', async () => {
    const dir = modelWithTokenizer('gpt2');
    const full = await run('generate', '--model', dir, '--backend', 'cpu', '--prompt', 'Hi', '--max-new-tokens', '8');
    const text = full.stdout.trimEnd();
    expect(text.length).toBeGreaterThan(3);
    const stop = text.slice(1, 3);
    const { code, stdout } = await run('generate', '--model', dir, '--backend', 'cpu', '--prompt', 'Hi', '--max-new-tokens', '8', '--stop', stop);
    expect(code).toBe(0);
    expect(stdout).toBe(`${text.slice(0, text.indexOf(stop) + stop.length)}\n`);
  });

  it('formats a --chat prompt with the checkpoint’s chat template', async () => {
    const template = '{% for m in messages %}<{{ m.role }}>{{ m.content }}{% endfor %}{% if add_generation_prompt %}>{% endif %}';
    const dir = modelWithTokenizer('gpt2', { chat_template: template, eos_token: '<|endoftext|>' });
    const { code, stdout } = await run('generate', '--model', dir, '--backend', 'cpu', '--prompt', 'yo', '--chat', '--max-new-tokens', '1', '--json');
    expect(code).toBe(0);
    const seq = (JSON.parse(stdout) as { sequences: number[][] }).sequences[0];
    expect(seq.slice(0, -1).map((id) => String.fromCharCode(id + 30)).join('')).toBe('<user>yo>');
  });

  it('explains what is missing', async () => {
    const cases: [string[], number, RegExp][] = [
      [['--ids', '1'], 2, /--model DIR is required/],
      [['--model', gpt2], 2, /exactly one of --prompt TEXT and --ids/],
      [['--model', gpt2, '--prompt', 'hi', '--ids', '1'], 2, /exactly one of --prompt TEXT and --ids/],
      [['--model', gpt2, '--prompt', 'hi'], 2, /--prompt needs .*tokenizer\.json, which does not exist; pass the prompt as --ids/],
      [['--model', gpt2, '--ids', '1,x'], 2, /--ids expects comma-separated non-negative integers like 1,2,3, got "x"/],
      [['--model', gpt2, '--ids', '1', '--max-new-tokens', 'many'], 2, /--max-new-tokens expects an integer, got "many"/],
      [['--model', gpt2, '--ids', '1', '--top-p', '1.5'], 2, /--top-p expects a number <= 1, got 1\.5/],
      [['--model', gpt2, '--ids', '1', '--stop', 'x'], 2, /--stop TEXT needs .*tokenizer\.json/],
      [['--model', gpt2, '--ids', '1,100', '--backend', 'cpu'], 2, /prompt id 100 is outside the model's vocabulary \[0, 100\)/],
      [['--model', fixtureModel('bert'), '--ids', '1', '--backend', 'cpu'], 2, /sequence-classification model \(bert\); generation needs a causal language model/],
      [['--model', modelWithTokenizer('gpt2'), '--prompt', 'x', '--chat', '--backend', 'cpu'], 1, /has no chat_template/],
    ];
    for (const [args, exit, message] of cases) {
      const { code, stderr } = await run('generate', ...args);
      expect(stderr, args.join(' ')).toMatch(message);
      expect(code, args.join(' ')).toBe(exit);
    }
  });
});
