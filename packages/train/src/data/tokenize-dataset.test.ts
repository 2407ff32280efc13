import { beforeAll, describe, expect, it } from 'vitest';
import { ArgumentError, ConfigError, FileFormatError } from '@peft/core';
import type { PretrainedTokenizer } from '@peft/models';
import { IGNORE_INDEX } from './example.js';
import { formatRecords } from './format-records.js';
import { loadDataset } from './load-dataset.js';
import { parseJsonl } from './parse-jsonl.js';
import { fixtureTokenizer } from '../test-support/data-fixtures.js';
import { type TokenizeOptions, tokenizeDataset } from './tokenize-dataset.js';

const jsonl = (...rows: unknown[]) => rows.map((r) => JSON.stringify(r)).join('\n');
const tokenize = (text: string, opts: TokenizeOptions, label = 'train.jsonl') => tokenizeDataset(formatRecords(parseJsonl(text, label)), opts);

/** The runs of consecutive labelled tokens, decoded. */
function labelledRuns(tokenizer: PretrainedTokenizer, labels: number[]): string[] {
  const runs: number[][] = [];
  labels.forEach((l, i) => {
    if (l === IGNORE_INDEX) return;
    if (i > 0 && labels[i - 1] !== IGNORE_INDEX) runs[runs.length - 1].push(l);
    else runs.push([l]);
  });
  return runs.map((r) => tokenizer.decode(r));
}

const CONVERSATION = [
  { role: 'system', content: 'Be brief.' },
  { role: 'user', content: 'Hi' },
  { role: 'assistant', content: 'Hello there' },
  { role: 'user', content: 'Bye' },
  { role: 'assistant', content: 'See you' },
];

let bpe: PretrainedTokenizer; // ChatML template, EOS <|im_end|> = 2
let llama: PretrainedTokenizer; // metaspace, LLaMA-2 template with <s> and </s>, BOS added by the post-processor
let bert: PretrainedTokenizer; // wordpiece, [CLS] … [SEP]

beforeAll(async () => {
  [bpe, llama, bert] = await Promise.all([fixtureTokenizer('byte-bpe'), fixtureTokenizer('metaspace'), fixtureTokenizer('wordpiece')]);
});

describe('tokenizeDataset: text', () => {
  it('encodes each document with the tokenizer’s special tokens, appends EOS and labels every token', () => {
    const ds = tokenize(jsonl({ text: 'Hello world' }), { tokenizer: llama });
    const ids = [...llama.encode('Hello world'), llama.eosTokenId as number];
    expect(ids[0]).toBe(llama.bosTokenId);
    expect(ds.examples).toEqual([{ inputIds: ids, attentionMask: ids.map(() => 1), labels: ids }]);
  });

  it('leaves EOS out when asked', () => {
    const ds = tokenize(jsonl({ text: 'Hello world' }), { tokenizer: bpe, appendEos: false });
    expect(ds.examples[0].inputIds).toEqual(bpe.encode('Hello world'));
  });

  it('cuts examples longer than maxLength at the end and counts them', () => {
    const ds = tokenize(jsonl({ text: 'Hello world' }, { text: 'Hi' }), { tokenizer: bpe, maxLength: 4 });
    expect(ds.examples[0].inputIds).toEqual(bpe.encode('Hello world').slice(0, 4));
    expect(ds.examples[0].labels).toHaveLength(4);
    expect(ds.examples[1].inputIds).toEqual([...bpe.encode('Hi'), 2]);
    expect(ds.truncated).toBe(1);
  });

  it('needs a tokenizer', () => {
    expect(() => tokenize(jsonl({ text: 'a' }), {})).toThrow(ArgumentError);
    expect(() => tokenize(jsonl({ text: 'a' }), {})).toThrow('tokenizeDataset: train.jsonl: the text format needs a tokenizer');
  });

  it('rejects a bad maxLength', () => {
    expect(() => tokenize(jsonl({ text: 'a' }), { tokenizer: bpe, maxLength: 0 })).toThrow('tokenizeDataset: maxLength must be a positive integer, got 0');
  });

  it('refuses ids the tokenizer makes past the model’s vocabulary, naming the line and the id', () => {
    const ids = [...bpe.encode('Hello world'), 2];
    const top = Math.max(...ids);
    expect(tokenize(jsonl({ text: 'Hello world' }), { tokenizer: bpe, vocabSize: top + 1 }).examples[0].inputIds).toEqual(ids);
    const small = () => tokenize(jsonl({ text: 'a' }, { text: 'Hello world' }), { tokenizer: bpe, vocabSize: top });
    expect(small).toThrow(ConfigError);
    expect(small).toThrow(new RegExp(`train.jsonl line 2: the tokenizer made id ${top} \\(token ${ids.indexOf(top)}\\), past the model's vocabulary \\(ids below ${top}\\)`));
  });
});

describe('tokenizeDataset: prompt_completion', () => {
  const row = { prompt: 'Question: Hello?\nAnswer:', completion: ' world' };

  it('encodes prompt and completion as one text followed by EOS, with every token labelled by default', () => {
    for (const tokenizer of [bpe, llama]) {
      const { examples } = tokenize(jsonl(row), { tokenizer });
      const ids = [...tokenizer.encode(row.prompt + row.completion), tokenizer.eosTokenId as number];
      expect(examples[0].inputIds).toEqual(ids);
      expect(examples[0].labels).toEqual(ids);
    }
  });

  it('labels only the completion (and EOS) with completionOnlyLoss, leaving the ids unchanged', () => {
    for (const tokenizer of [bpe, llama]) {
      const plain = tokenize(jsonl(row), { tokenizer }).examples[0];
      const masked = tokenize(jsonl(row), { tokenizer, completionOnlyLoss: true }).examples[0];
      expect(masked.inputIds).toEqual(plain.inputIds);
      const promptLength = tokenizer.encode(row.prompt).length;
      const labels = masked.labels as number[];
      expect(labels.slice(0, promptLength).every((l) => l === IGNORE_INDEX)).toBe(true);
      expect(labels.slice(promptLength)).toEqual(plain.inputIds.slice(promptLength));
      expect(labels[labels.length - 1]).toBe(tokenizer.eosTokenId);
      expect(labelledRuns(tokenizer, labels).map((s) => s.trim())).toEqual([`world${tokenizer.eosToken}`]);
    }
  });

  it('counts examples whose prompt fills maxLength, leaving no label to learn', () => {
    const ds = tokenize(jsonl(row, { prompt: 'Hi', completion: '!' }), { tokenizer: bpe, completionOnlyLoss: true, maxLength: 6 });
    expect(ds.examples[1].inputIds.length).toBeLessThan(6);
    expect((ds.examples[0].labels as number[]).every((l) => l === IGNORE_INDEX)).toBe(true);
    expect(ds.withoutLoss).toBe(1);
    expect(ds.truncated).toBe(1);
  });
});

describe('tokenizeDataset: conversational prompt_completion', () => {
  const prompt = CONVERSATION.slice(0, 4); // system, user, assistant, user
  const completion = CONVERSATION.slice(4); // assistant

  it('renders prompt and completion messages with the chat template, like the whole conversation', () => {
    const { examples } = tokenize(jsonl({ prompt, completion }), { tokenizer: bpe });
    const ids = bpe.encode(bpe.applyChatTemplate(CONVERSATION), { addSpecialTokens: false });
    expect(examples[0].inputIds).toEqual(ids);
    expect(examples[0].labels).toEqual(ids);
  });

  it('labels only the completion with completionOnlyLoss, not the assistant turns in the prompt', () => {
    const masked = tokenize(jsonl({ prompt, completion }), { tokenizer: bpe, completionOnlyLoss: true }).examples[0];
    expect(masked.inputIds).toEqual(bpe.encode(bpe.applyChatTemplate(CONVERSATION), { addSpecialTokens: false }));
    expect(labelledRuns(bpe, masked.labels as number[])).toEqual(['See you<|im_end|>']);
  });

  it('refuses a prompt of messages with a completion of text, naming the line', () => {
    expect(() => tokenize(jsonl({ prompt, completion: 'See you' }), { tokenizer: bpe })).toThrow('train.jsonl line 1: "completion" must be a list of messages like "prompt", got string');
    expect(() => tokenize(jsonl({ prompt: 'Hi', completion }), { tokenizer: bpe })).toThrow('train.jsonl line 1: "completion" must be a string, got array');
    expect(() => tokenize(jsonl({ prompt: [{ role: 'user' }], completion }), { tokenizer: bpe })).toThrow('train.jsonl line 1: "prompt[0]" is missing "content"');
  });
});

describe('tokenizeDataset: chat', () => {
  it('renders the conversation with the tokenizer’s chat template and labels every token by default', () => {
    const { examples } = tokenize(jsonl({ messages: CONVERSATION }), { tokenizer: bpe });
    const ids = bpe.encode(bpe.applyChatTemplate(CONVERSATION), { addSpecialTokens: false });
    expect(examples[0].inputIds).toEqual(ids);
    expect(examples[0].labels).toEqual(ids);
  });

  it('labels only the assistant turns with completionOnlyLoss on a ChatML template, ids unchanged', () => {
    const plain = tokenize(jsonl({ messages: CONVERSATION }), { tokenizer: bpe }).examples[0];
    const masked = tokenize(jsonl({ messages: CONVERSATION }), { tokenizer: bpe, completionOnlyLoss: true }).examples[0];
    expect(masked.inputIds).toEqual(plain.inputIds);
    expect(labelledRuns(bpe, masked.labels as number[])).toEqual(['Hello there<|im_end|>', 'See you<|im_end|>']);
    const labelled = (masked.labels as number[]).filter((l) => l !== IGNORE_INDEX);
    expect(labelled).toEqual([...bpe.encode('Hello there<|im_end|>', { addSpecialTokens: false }), ...bpe.encode('See you<|im_end|>', { addSpecialTokens: false })]);
  });

  it('labels only the assistant turns on a LLaMA-2 style template (BOS and EOS written by the template)', () => {
    // this fixture's small vocabulary has no capital letters
    const messages = CONVERSATION.slice(1).map((m) => ({ ...m, content: m.content.toLowerCase() }));
    const plain = tokenize(jsonl({ messages }), { tokenizer: llama }).examples[0];
    const masked = tokenize(jsonl({ messages }), { tokenizer: llama, completionOnlyLoss: true }).examples[0];
    expect(masked.inputIds).toEqual(plain.inputIds);
    expect(plain.inputIds[0]).toBe(llama.bosTokenId);
    const runs = labelledRuns(llama, masked.labels as number[]).map((s) => s.trim());
    expect(runs).toEqual(['hello there</s>', 'see you</s>']);
  });

  it('uses a chat template given in the options', () => {
    const chatTemplate = '{% for m in messages %}<{{ m.role }}>{{ m.content }}</{{ m.role }}>{% endfor %}{% if add_generation_prompt %}<assistant>{% endif %}';
    const masked = tokenize(jsonl({ messages: CONVERSATION.slice(1, 3) }), { tokenizer: bpe, chatTemplate, completionOnlyLoss: true }).examples[0];
    expect(bpe.decode(masked.inputIds)).toBe('<user>Hi</user><assistant>Hello there</assistant>');
    expect(labelledRuns(bpe, masked.labels as number[])).toEqual(['Hello there</assistant>']);
  });

  it('finds turn boundaries inside a word, giving the turn every token from where the prefix’s own encoding parts', () => {
    // the generation prompt ends in the middle of a word: "the" + "re" is encoded as one word "there"
    const chatTemplate = "{% for m in messages %}{% if m.role == 'user' %}{{ m.content }}\n{% else %}the{{ m.content }}\n{% endif %}{% endfor %}{% if add_generation_prompt %}the{% endif %}";
    const messages = [{ role: 'user', content: 'hi' }, { role: 'assistant', content: 're' }];
    const plain = tokenize(jsonl({ messages }), { tokenizer: bpe, chatTemplate }).examples[0];
    const masked = tokenize(jsonl({ messages }), { tokenizer: bpe, chatTemplate, completionOnlyLoss: true }).examples[0];
    expect(masked.inputIds).toEqual(bpe.encode('hi\nthere\n', { addSpecialTokens: false }));
    expect(masked.inputIds).toEqual(plain.inputIds);
    // "there" is t|h|er|e here, but the prefix "hi\nthe" ends in t|he: the ids part after "t", so the
    // turn's labels start at "h" (the straddling "er" and the "h" merged differently are both the turn's)
    expect(labelledRuns(bpe, masked.labels as number[])).toEqual(['here']);
  });

  it('refuses completion-only loss when the template does not render prefix-wise', () => {
    const chatTemplate = '{% for m in messages %}{{ m.role }}: {{ m.content }}\n{% endfor %}({{ messages | length }} messages)';
    const run = () => tokenize(jsonl({ messages: CONVERSATION.slice(1, 3) }), { tokenizer: bpe, chatTemplate, completionOnlyLoss: true });
    expect(run).toThrow(ConfigError);
    expect(run).toThrow(/^train\.jsonl line 1: cannot locate assistant message 1 for completion-only loss/);
    expect(() => tokenize(jsonl({ messages: CONVERSATION.slice(1, 3) }), { tokenizer: bpe, chatTemplate })).not.toThrow();
  });

  it('names the record a chat template refuses', () => {
    const chatTemplate = "{% for m in messages %}{% if loop.index0 % 2 == 0 and m.role != 'user' %}{{ raise_exception('roles must alternate') }}{% endif %}{{ m.content }}{% endfor %}";
    const run = () => tokenize(jsonl({ messages: CONVERSATION.slice(1, 3) }, { messages: CONVERSATION.slice(2, 4) }), { tokenizer: bpe, chatTemplate });
    expect(run).toThrow(FileFormatError);
    expect(run).toThrow(/^train\.jsonl line 2: the chat template refused the conversation \(.*roles must alternate/);
  });

  it('says so when the tokenizer has no chat template', () => {
    expect(() => tokenize(jsonl({ messages: CONVERSATION }), { tokenizer: bert })).toThrow(/no chat_template/);
  });
});

describe('tokenizeDataset: tokenized', () => {
  it('keeps the ids, fills the mask, and labels them with -100 where the mask is 0', () => {
    const ds = tokenize(jsonl({ input_ids: [5, 6, 7], attention_mask: [1, 1, 0] }, { input_ids: [8, 9], labels: [-100, 9] }), { tokenizer: bpe });
    expect(ds.examples).toEqual([
      { inputIds: [5, 6, 7], attentionMask: [1, 1, 0], labels: [5, 6, IGNORE_INDEX] },
      { inputIds: [8, 9], attentionMask: [1, 1], labels: [-100, 9] },
    ]);
  });

  it('names the line and position of an id past the vocabulary', () => {
    const text = jsonl({ input_ids: [1, 2] }, { input_ids: [1, 300] });
    expect(() => tokenize(text, { tokenizer: bpe })).toThrow(FileFormatError);
    expect(() => tokenize(text, { tokenizer: bpe })).toThrow('train.jsonl line 2: "input_ids[1]" is 300, past the vocabulary (ids below 300)');
    expect(() => tokenize(jsonl({ input_ids: [1, 2], labels: [1, 400] }), { vocabSize: 350 })).toThrow('train.jsonl line 1: "labels[1]" is 400, past the vocabulary (ids below 350)');
  });

  it('checks against vocabSize without a tokenizer, and needs one of the two', () => {
    expect(tokenize(jsonl({ input_ids: [999] }), { vocabSize: 1000 }).examples[0].inputIds).toEqual([999]);
    expect(() => tokenize(jsonl({ input_ids: [1] }), {})).toThrow('tokenizeDataset: train.jsonl: the tokenized format needs a tokenizer or vocabSize to check ids against');
  });

  it('takes integer labels as class ids but not mixed with token labels', () => {
    expect(tokenize(jsonl({ input_ids: [1, 2], labels: 1 }), { vocabSize: 10 }).examples[0].labels).toBe(1);
    expect(() => tokenize(jsonl({ input_ids: [1], labels: 1 }, { input_ids: [1], labels: 3 }), { vocabSize: 10, numLabels: 3 })).toThrow('train.jsonl line 2: "labels" must be a class id below 3, got 3');
    expect(() => tokenize(jsonl({ input_ids: [1], labels: 1 }, { input_ids: [1] }), { vocabSize: 10 })).toThrow('train.jsonl line 2: "labels" must be an integer class id like the records before it, got a list');
  });
});

describe('tokenizeDataset: classification', () => {
  it('encodes the text with [CLS] and [SEP] and maps class names to sorted ids', () => {
    const ds = loadDataset('text,label\nthe cat,positive\nthe dog,negative\nthe cat plays,positive\n', 'train.csv', { tokenizer: bert });
    expect(ds.format).toBe('classification');
    expect(ds.labelNames).toEqual(['negative', 'positive']);
    expect(ds.numLabels).toBe(2);
    expect(ds.examples.map((e) => e.labels)).toEqual([1, 0, 1]);
    expect(ds.examples[0].inputIds).toEqual(bert.encode('the cat'));
    expect(ds.examples[0].inputIds[0]).toBe(bert.tokenToId('[CLS]'));
  });

  it('uses given class names (for an eval set) and names the line of an unknown one', () => {
    const ds = loadDataset('text,label\nthe cat,b\n', 'eval.csv', { tokenizer: bert, labelNames: ['c', 'b', 'a'] });
    expect(ds.examples[0].labels).toBe(1);
    expect(ds.numLabels).toBe(3);
    expect(() => loadDataset('text,label\nthe cat,b\nthe dog,d\n', 'eval.csv', { tokenizer: bert, labelNames: ['a', 'b'] })).toThrow('eval.csv line 3: "label" "d" is not one of the class names ["a", "b"]');
  });

  it('takes integer labels, checked against numLabels', () => {
    const ds = loadDataset('text,label\nthe cat,2\nthe dog,0\n', 'train.csv', { tokenizer: bert });
    expect(ds.examples.map((e) => e.labels)).toEqual([2, 0]);
    expect(ds.numLabels).toBe(3);
    expect(() => loadDataset('text,label\nthe cat,2\n', 'train.csv', { tokenizer: bert, numLabels: 2 })).toThrow('train.csv line 2: "label" must be a class id below 2, got 2');
  });

  it('checks class names against the model’s number of labels', () => {
    expect(loadDataset('text,label\nthe cat,a\n', 'train.csv', { tokenizer: bert, numLabels: 3 }).numLabels).toBe(3);
    expect(() => loadDataset('text,label\nthe cat,a\nthe dog,b\nthe,c\n', 'train.csv', { tokenizer: bert, numLabels: 2 })).toThrow('train.csv: the labels name 3 classes ("a", "b", "c") but the model has 2 labels');
    expect(() => loadDataset('text,label\nthe cat,a\n', 'train.csv', { tokenizer: bert, numLabels: 2, labelNames: ['a', 'b', 'c'] })).toThrow(ConfigError);
  });

  it('keeps [CLS] and [SEP] when cutting to maxLength', () => {
    const ds = loadDataset(jsonl({ text: 'the cat plays with the dog', label: 0 }), 'train.jsonl', { tokenizer: bert, maxLength: 5 });
    const content = bert.encode('the cat plays with the dog', { addSpecialTokens: false });
    expect(ds.examples[0].inputIds).toEqual([bert.tokenToId('[CLS]'), ...content.slice(0, 3), bert.tokenToId('[SEP]')]);
    expect(ds.examples[0].attentionMask).toEqual([1, 1, 1, 1, 1]);
    expect(ds.truncated).toBe(1);
  });
});
