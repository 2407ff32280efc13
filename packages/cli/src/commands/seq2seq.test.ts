import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseSafetensors } from '@peft/core';
import { describe, expect, it } from 'vitest';
import { FIXTURES, jsonFile, run, scratchDir } from '../test-support/harness.js';

/** A tiny T5 with a SentencePiece (Unigram) tokenizer.json and its transformers reference (tools/t5-variants.py). */
const T5 = join(FIXTURES, 'variants', 't5-tokenizer');
const reference = JSON.parse(readFileSync(join(T5, 'reference.json'), 'utf8')) as {
  inputs: { input_ids: number[][]; attention_mask: number[][]; decoder_input_ids: number[][] };
  logits: number[][][];
  generate: { input_ids: number[][]; sequences: number[][] };
};

const PAIRS = [
  ['sentiment: i loved this film', 'positive'],
  ['sentiment: this was a terrible meal', 'negative'],
  ['sentiment: the weather is sunny and warm today', 'positive'],
  ['sentiment: the cat sleeps', 'negative'],
];

function metrics(dir: string): Record<string, number>[] {
  return readFileSync(join(dir, 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, number>);
}

describe('peft train, generate and forward on an encoder-decoder (T5)', () => {
  it.each([
    ['LoRA', { peft_type: 'LORA', r: 4, lora_alpha: 8, target_modules: ['q', 'v', 'wo'] }, 'adapter_model.safetensors', 'LORA'],
    ['prompt tuning', { peft_type: 'PROMPT_TUNING', num_virtual_tokens: 4 }, 'adapter_model.safetensors', 'PROMPT_TUNING'],
  ])('trains %s on text/target pairs from the command line, with eval loss, and saves a SEQ_2_SEQ_LM adapter', async (_name, method, weights, peftType) => {
    const data = join(scratchDir(), 'train.jsonl');
    writeFileSync(data, PAIRS.map(([text, target]) => JSON.stringify({ text, target })).join('\n') + '\n');
    const out = scratchDir();
    const config = {
      model: T5,
      method,
      data: { train: data, eval: data },
      output_dir: out,
      learning_rate: 5e-2,
      max_steps: 12,
      per_device_train_batch_size: 4,
      logging_steps: 1,
      eval_steps: 12,
      shuffle: false,
    };
    const cfg = jsonFile(config, 'train.json');
    const res = await run('train', '--config', cfg, '--backend', 'cpu', '--quiet');
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    const lines = metrics(out);
    const losses = lines.filter((l) => l.loss !== undefined).map((l) => l.loss);
    expect(losses).toHaveLength(12);
    expect(losses[11]).toBeLessThan(losses[0]);
    expect(lines.some((l) => l.eval_loss !== undefined && Number.isFinite(l.eval_loss))).toBe(true);
    const saved = JSON.parse(readFileSync(join(out, 'adapter_config.json'), 'utf8')) as Record<string, unknown>;
    expect(saved.task_type).toBe('SEQ_2_SEQ_LM');
    expect(saved.peft_type).toBe(peftType);
    const file = parseSafetensors(readFileSync(join(out, weights)));
    if (peftType === 'PROMPT_TUNING') {
      expect(saved.num_transformer_submodules).toBe(2);
      expect(file.tensors.get('prompt_embeddings')!.shape).toEqual([8, 32]);
    } else {
      expect([...file.tensors.keys()].some((k) => k.startsWith('base_model.model.decoder.block.0.layer.1.EncDecAttention.q.lora_A'))).toBe(true);
    }
    // the trained adapter generates through the CLI
    const gen = await run('generate', '--model', T5, '--adapter', out, '--prompt', PAIRS[0][0], '--max-new-tokens', '3', '--backend', 'cpu', '--json');
    expect([gen.code, gen.stderr]).toEqual([0, '']);
    expect((JSON.parse(gen.stdout) as { sequences: number[][] }).sequences[0][0]).toBe(0);
  });

  it('generates from the decoder start token as transformers does, as ids and as text', async () => {
    const g = reference.generate;
    const res = await run('generate', '--model', T5, '--ids', g.input_ids[0].join(','), '--max-new-tokens', '8', '--backend', 'cpu', '--json');
    expect([res.code, res.stderr]).toEqual([0, '']);
    expect((JSON.parse(res.stdout) as { sequences: number[][] }).sequences).toEqual([g.sequences[0]]);
    const text = await run('generate', '--model', T5, '--prompt', 'sentiment: i loved this film', '--max-new-tokens', '4', '--backend', 'cpu');
    expect(text.code).toBe(0);
    expect(text.stdout.endsWith('\n')).toBe(true);
  });

  it('prints the decoder logits with --json for decoder_input_ids, and defaults to the start token', async () => {
    const r = reference.inputs;
    const input = jsonFile({ input_ids: r.input_ids, attention_mask: r.attention_mask, decoder_input_ids: r.decoder_input_ids });
    const res = await run('forward', '--model', T5, '--input', input, '--json', '--backend', 'cpu');
    expect([res.code, res.stderr]).toEqual([0, '']);
    const out = JSON.parse(res.stdout) as { shape: number[]; logits: number[][][] };
    expect(out.shape).toEqual([2, r.decoder_input_ids[0].length, reference.logits[0][0].length]);
    const diff = Math.max(...out.logits.flat(2).map((v, i) => Math.abs(v - reference.logits.flat(2)[i])));
    expect(diff).toBeLessThan(1e-4);
    const start = await run('forward', '--model', T5, '--input', jsonFile({ input_ids: r.input_ids }), '--backend', 'cpu');
    expect(start.code).toBe(0);
    expect(start.stdout).toMatch(/T5ForConditionalGeneration \(t5, seq2seq-lm\)/);
    expect(start.stdout).toMatch(/row 1, position 0: top-5 next tokens/);
  });
});
