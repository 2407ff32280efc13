import { PeftError } from '@peft/core';

/**
 * Why a Hub operation failed: `auth` (401/403: missing, bad or insufficient token, gated or private
 * repository), `not-found` (no such repository, revision or file), `offline` (`HF_HUB_OFFLINE=1` and a
 * file missing from the cache), `integrity` (a file whose size or hash does not match its metadata),
 * `malformed` (an answer of the Hub, or a file of the cache, whose shape is not the declared one: a
 * missing or mistyped field, a header that does not parse), `network` (anything else on the way).
 *
 * @example
 * ```ts
 * if (e instanceof HubError && e.reason === 'auth') askForToken();
 * ```
 */
export type HubErrorReason = 'auth' | 'not-found' | 'offline' | 'integrity' | 'malformed' | 'network' | 'argument';

/**
 * An error from the Hugging Face Hub layer (code `HUB`). Messages name the repository and file and say
 * what to do; they never contain a token.
 *
 * @example
 * ```ts
 * throw new HubError('offline', 'org/name: config.json is not in the cache and HF_HUB_OFFLINE=1');
 * ```
 */
export class HubError extends PeftError {
  /** What kind of failure this is. */
  readonly reason: HubErrorReason;
  /** The HTTP status, when the Hub answered with one. */
  readonly status: number | undefined;
  constructor(reason: HubErrorReason, message: string, opts: { status?: number; cause?: unknown } = {}) {
    super('HUB', message, { cause: opts.cause });
    this.reason = reason;
    this.status = opts.status;
  }
}

/**
 * Turns an error from the Hub client (or `fetch`) into a {@link HubError} whose message says what to do:
 * 401 asks for a valid token (`HF_TOKEN` or `hf auth login`), 403 for access to a gated or private
 * repository, 404 names the repository, revision or file. Any token in the text is masked.
 *
 * @example
 * ```ts
 * try { await listFiles(...) } catch (e) { throw hubFailure(e, 'org/name', { hasToken: true }) }
 * ```
 */
export function hubFailure(e: unknown, what: string, opts: { hasToken: boolean; token?: string }): HubError {
  if (e instanceof HubError) return e;
  const status = typeof (e as { statusCode?: unknown })?.statusCode === 'number' ? (e as { statusCode: number }).statusCode : undefined;
  const detail = maskToken(e instanceof Error ? e.message : String(e), opts.token);
  if (status === 401) {
    const why = opts.hasToken ? 'the token was refused (invalid or expired)' : 'no token was given and the repository is private or gated';
    return new HubError('auth', `${what}: the Hub answered 401 Unauthorized: ${why}; set HF_TOKEN to a valid access token (or log in with \`hf auth login\`) that can read this repository`, { status, cause: e });
  }
  if (status === 403) {
    return new HubError('auth', `${what}: the Hub answered 403 Forbidden: the token may not read this repository (a gated model needs its terms accepted on its page; a private one needs membership, a write push needs a write token)`, { status, cause: e });
  }
  if (status === 404) {
    return new HubError('not-found', `${what}: not found on the Hub (404); check the repository id, the revision and the file name, and that HF_ENDPOINT points at the right server`, { status, cause: e });
  }
  return new HubError('network', `${what}: ${detail}`, { status, cause: e });
}

/** Replaces every occurrence of `token` (and anything shaped like a Hub token) with `hf_***`. */
export function maskToken(text: string, token?: string): string {
  let out = token ? text.split(token).join('hf_***') : text;
  out = out.replace(/hf_[A-Za-z0-9]{6,}/g, 'hf_***');
  return out;
}
