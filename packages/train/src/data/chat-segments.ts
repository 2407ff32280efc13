import { ConfigError } from '@peft/core';
import type { ChatMessage, PretrainedTokenizer } from '@peft/models';

/**
 * A piece of a rendered conversation, and whether it is an assistant turn (trained on when only
 * completions carry the loss).
 *
 * @example
 * ```ts
 * const s: ChatSegment = { text: 'Hi there!<|im_end|>', assistant: true };
 * ```
 */
export interface ChatSegment {
  readonly text: string;
  readonly assistant: boolean;
}

/**
 * Renders a conversation with the tokenizer's chat template (or `chatTemplate`) and cuts it into
 * assistant and non-assistant pieces whose concatenation is the full rendering. An assistant turn
 * `i` is located by rendering twice: the messages before it with the generation prompt (where the
 * turn starts) and the messages up to and including it (where it ends); whitespace the template
 * writes after the turn (a newline after `<|im_end|>`, say) goes to the non-assistant side. A
 * template that does not render prefix-wise (earlier turns change once later ones exist) cannot be
 * cut this way and is a `ConfigError` naming `where`.
 *
 * @example
 * ```ts
 * const parts = chatSegments(tokenizer, [{ role: 'user', content: 'Hi' }, { role: 'assistant', content: 'Hello!' }]);
 * parts.filter((p) => p.assistant).map((p) => p.text); // ['Hello!<|im_end|>']
 * ```
 */
export function chatSegments(tokenizer: PretrainedTokenizer, messages: readonly ChatMessage[], chatTemplate?: string, where = 'chat'): ChatSegment[] {
  const render = (upTo: number, addGenerationPrompt: boolean) => tokenizer.applyChatTemplate(messages.slice(0, upTo), { addGenerationPrompt, chatTemplate });
  const full = render(messages.length, false);
  const segments: ChatSegment[] = [];
  let done = 0;
  const notPrefix = (i: number, what: string) =>
    new ConfigError(
      `${where}: cannot locate assistant message ${i} for completion-only loss: ${what}; the chat template does not render conversations prefix-wise (use a template that does, or turn completionOnlyLoss off)`,
    );
  messages.forEach((m, i) => {
    if (m.role !== 'assistant') return;
    const before = render(i, true);
    const through = i + 1 === messages.length ? full : render(i + 1, false);
    if (!full.startsWith(through)) throw notPrefix(i, `the rendering up to it is not a prefix of the whole conversation`);
    if (!through.startsWith(before) || before.length < done) throw notPrefix(i, `the rendering of the messages before it with a generation prompt is not a prefix of the rendering through it`);
    let end = through.length;
    while (end > before.length && /\s/.test(through[end - 1])) end--;
    if (before.length > done) segments.push({ text: full.slice(done, before.length), assistant: false });
    if (end > before.length) segments.push({ text: full.slice(before.length, end), assistant: true });
    done = Math.max(done, end);
  });
  if (full.length > done) segments.push({ text: full.slice(done), assistant: false });
  return segments;
}

/**
 * Renders a conversational prompt-completion pair with the chat template (the prompt's messages, then
 * the completion's) and cuts it where the completion starts: after the rendering of the prompt with
 * the generation prompt. Whitespace the template writes at the very end goes to the non-completion
 * side. A template whose prompt rendering is not a prefix of the whole is a `ConfigError` naming `where`.
 *
 * @example
 * ```ts
 * promptCompletionSegments(tokenizer, [{ role: 'user', content: 'Hi' }], [{ role: 'assistant', content: 'Hello!' }]);
 * // [{ text: '<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n', assistant: false }, { text: 'Hello!<|im_end|>', assistant: true }, { text: '\n', assistant: false }]
 * ```
 */
export function promptCompletionSegments(tokenizer: PretrainedTokenizer, prompt: readonly ChatMessage[], completion: readonly ChatMessage[], chatTemplate?: string, where = 'chat'): ChatSegment[] {
  const full = tokenizer.applyChatTemplate([...prompt, ...completion], { chatTemplate });
  const before = tokenizer.applyChatTemplate(prompt, { addGenerationPrompt: true, chatTemplate });
  if (!full.startsWith(before)) {
    throw new ConfigError(
      `${where}: cannot locate the completion for completion-only loss: the prompt rendered with a generation prompt is not a prefix of the whole conversation; the chat template does not render conversations prefix-wise (use a template that does, or turn completionOnlyLoss off)`,
    );
  }
  let end = full.length;
  while (end > before.length && /\s/.test(full[end - 1])) end--;
  const segments: ChatSegment[] = [];
  if (before.length > 0) segments.push({ text: before, assistant: false });
  if (end > before.length) segments.push({ text: full.slice(before.length, end), assistant: true });
  if (end < full.length) segments.push({ text: full.slice(end), assistant: false });
  return segments;
}
