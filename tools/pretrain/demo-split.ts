/**
 * Which SpamAssassin messages make the demo task (a balanced spam/ham set, split into train and eval).
 * The pretraining corpus leaves these messages out, so the base model has never read them.
 */
import { type Mail, demoPrompt, orderKey } from './sources.js';

/** Messages per class in the demo's train split. */
export const TRAIN_PER_CLASS = 400;
/** Messages per class in the demo's eval split. */
export const EVAL_PER_CLASS = 100;

/** The demo's messages: train and eval, each balanced, in a stable shuffled order. */
export interface DemoSplit {
  readonly train: Mail[];
  readonly eval: Mail[];
  /** The prompts of every chosen message (to keep their text out of the pretraining corpus). */
  readonly prompts: ReadonlySet<string>;
}

/**
 * Chooses the demo messages: bodies of at least 40 characters, one message per distinct prompt, then
 * per class the first `TRAIN_PER_CLASS + EVAL_PER_CLASS` in a hash order; eval takes the first
 * `EVAL_PER_CLASS` of each class, train the rest; each split is interleaved in hash order.
 *
 * @example
 * ```ts
 * const { train, eval: held } = demoSplit(readMails());
 * ```
 */
export function demoSplit(mails: readonly Mail[]): DemoSplit {
  const seen = new Set<string>();
  const eligible: Mail[] = [];
  for (const m of mails) {
    const p = demoPrompt(m);
    if (m.body.length < 40 || seen.has(p)) continue;
    seen.add(p);
    eligible.push(m);
  }
  const byHash = (salt: string) => (a: Mail, b: Mail) => orderKey(a.key, salt) - orderKey(b.key, salt) || (a.key < b.key ? -1 : 1);
  const pick = (spam: boolean) => eligible.filter((m) => m.spam === spam).sort(byHash('demo')).slice(0, TRAIN_PER_CLASS + EVAL_PER_CLASS);
  const spam = pick(true);
  const ham = pick(false);
  const evalSet = [...spam.slice(0, EVAL_PER_CLASS), ...ham.slice(0, EVAL_PER_CLASS)].sort(byHash('demo-eval'));
  const train = [...spam.slice(EVAL_PER_CLASS), ...ham.slice(EVAL_PER_CLASS)].sort(byHash('demo-train'));
  return { train, eval: evalSet, prompts: new Set([...spam, ...ham].map((m) => demoPrompt(m))) };
}
