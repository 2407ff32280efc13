import { ArgumentError, ConfigError, FileFormatError } from '@peft/core';
import { Template } from '@huggingface/jinja';

/**
 * One message of a conversation, as chat templates expect it (`role` is usually `system`, `user`,
 * `assistant` or `tool`). Extra fields (`tool_calls`, `name`, …) are passed to the template as they are.
 *
 * @example
 * ```ts
 * const messages: ChatMessage[] = [{ role: 'user', content: 'Hello!' }];
 * ```
 */
export interface ChatMessage {
  readonly role: string;
  readonly content: string;
  readonly [field: string]: unknown;
}

/**
 * Options of {@link renderChatTemplate} and `PretrainedTokenizer.applyChatTemplate`.
 *
 * @example
 * ```ts
 * const opts: ChatTemplateOptions = { addGenerationPrompt: true };
 * ```
 */
export interface ChatTemplateOptions {
  /** End the text with the header of an assistant turn, so generation continues as the assistant (default false). */
  addGenerationPrompt?: boolean;
  /** Tool (function) descriptions for templates that support them (JSON schema objects). */
  tools?: readonly unknown[];
  /** A template to use instead of the checkpoint's (a Jinja source). */
  chatTemplate?: string;
  /** Extra variables for the template. */
  extra?: Readonly<Record<string, unknown>>;
}

/**
 * Picks the template source from tokenizer_config.json's `chat_template` field: a string, or the list
 * form `[{ name, template }, …]` (the `tool_use` entry when tools are given and it exists, else
 * `default`). Returns undefined when the checkpoint has none.
 *
 * @example
 * ```ts
 * selectChatTemplate([{ name: 'default', template: '{{ messages[0].content }}' }], false); // '{{ messages[0].content }}'
 * ```
 */
export function selectChatTemplate(field: unknown, withTools: boolean, where = 'tokenizer_config.json'): string | undefined {
  if (field === undefined || field === null) return undefined;
  if (typeof field === 'string') return field;
  if (!Array.isArray(field)) {
    throw new FileFormatError(`${where}: chat_template: expected a string or a list of {name, template}, got ${typeof field}`);
  }
  const named = new Map<string, string>();
  for (const entry of field as unknown[]) {
    const e = entry as { name?: unknown; template?: unknown } | null;
    if (typeof e !== 'object' || e === null || typeof e.name !== 'string' || typeof e.template !== 'string') {
      throw new FileFormatError(`${where}: chat_template: expected every list entry to be {name: string, template: string}, got ${JSON.stringify(entry)}`);
    }
    named.set(e.name, e.template);
  }
  if (withTools && named.has('tool_use')) return named.get('tool_use');
  if (named.has('default')) return named.get('default');
  throw new ConfigError(`${where}: chat_template: the list has no "default" template (it has ${[...named.keys()].map((n) => JSON.stringify(n)).join(', ') || 'none'})`);
}

/**
 * Renders a Jinja chat template with `messages`, `add_generation_prompt`, `tools` and the given
 * variables (special tokens such as `bos_token`). A template that does not parse is a
 * `FileFormatError`; one that raises while rendering (`raise_exception(...)`, say "roles must
 * alternate") is an `ArgumentError` carrying the template's message.
 *
 * @example
 * ```ts
 * renderChatTemplate('{% for m in messages %}{{ m.role }}: {{ m.content }}\n{% endfor %}', [{ role: 'user', content: 'hi' }]);
 * // 'user: hi\n'
 * ```
 */
export function renderChatTemplate(
  source: string,
  messages: readonly ChatMessage[],
  opts: ChatTemplateOptions = {},
  variables: Readonly<Record<string, unknown>> = {},
  where = 'chat template',
): string {
  let template: Template;
  try {
    template = new Template(source);
  } catch (e) {
    throw new FileFormatError(`${where}: the Jinja template does not parse (${(e as Error).message})`, { cause: e });
  }
  const context: Record<string, unknown> = {
    ...variables,
    ...opts.extra,
    messages: messages.map((m) => ({ ...m })),
    add_generation_prompt: opts.addGenerationPrompt ?? false,
  };
  if (opts.tools !== undefined) context.tools = [...opts.tools];
  try {
    return template.render(context);
  } catch (e) {
    throw new ArgumentError(`${where}: rendering failed: ${(e as Error).message}`);
  }
}
