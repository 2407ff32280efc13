import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * Where and how the Hub is reached, from the same environment variables Python's `huggingface_hub`
 * reads. Every field may be given explicitly; what is left out comes from the environment.
 *
 * @example
 * ```ts
 * const settings = hubSettings({ offline: true });
 * settings.cacheDir; // ~/.cache/huggingface/hub unless HF_HUB_CACHE or HF_HOME say otherwise
 * ```
 */
export interface HubSettings {
  /** The Hub's URL: `HF_ENDPOINT`, else https://huggingface.co. */
  readonly endpoint: string;
  /** The access token: `HF_TOKEN`, else the file `hf auth login` writes (`HF_TOKEN_PATH`, else `HF_HOME/token`). */
  readonly token: string | undefined;
  /** `HF_HUB_OFFLINE=1`: only the cache is read, nothing is requested. */
  readonly offline: boolean;
  /** The cache: `HF_HUB_CACHE`, else `HF_HOME/hub`, else `~/.cache/huggingface/hub`. */
  readonly cacheDir: string;
  /** Check each blob's size and hash against its name before use (default true). */
  readonly verify: boolean;
  /** Where progress lines go (default: stderr); `null` for none. A sink with `isTTY` gets a redrawn bar. */
  readonly progress: ProgressSink | null;
  /** The fetch used for every request (default: the global one). */
  readonly fetch: typeof fetch;
  /**
   * How long a request waits for an answer, and a download for its next bytes, before it is given up
   * (a `HubError`, `network`): `HF_HUB_DOWNLOAD_TIMEOUT` seconds, else 10 s, as in Python.
   */
  readonly timeoutMs: number;
}

/**
 * Options of the Hub functions: any {@link HubSettings} field, and the environment to read the rest
 * from (default `process.env`).
 *
 * @example
 * ```ts
 * const opts: HubOptions = { endpoint: 'http://127.0.0.1:8080', env: {} };
 * ```
 */
export type HubOptions = Partial<HubSettings> & { env?: NodeJS.ProcessEnv };

/**
 * Where progress goes: anything with `write` (a stream, or a test's collector); `isTTY` asks for a bar
 * redrawn in place.
 *
 * @example
 * ```ts
 * const sink: ProgressSink = { write: (s) => void lines.push(s) };
 * ```
 */
export interface ProgressSink {
  write(text: string): unknown;
  readonly isTTY?: boolean;
}

function timeoutFromEnv(env: NodeJS.ProcessEnv): number {
  const seconds = Number(env.HF_HUB_DOWNLOAD_TIMEOUT ?? 10);
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : 10_000;
}

const TRUE = new Set(['1', 'on', 'yes', 'true']);

function hfHome(env: NodeJS.ProcessEnv): string {
  return env.HF_HOME ?? join(env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'huggingface');
}

function tokenFromFile(env: NodeJS.ProcessEnv): string | undefined {
  try {
    const text = readFileSync(env.HF_TOKEN_PATH ?? join(hfHome(env), 'token'), 'utf8').trim();
    return text || undefined;
  } catch {
    return undefined;
  }
}

/**
 * Resolves {@link HubOptions} against the environment as `huggingface_hub` does.
 *
 * @example
 * ```ts
 * hubSettings({ env: { HF_HOME: '/data/hf' } }).cacheDir; // '/data/hf/hub'
 * ```
 */
export function hubSettings(opts: HubOptions = {}): HubSettings {
  const env = opts.env ?? process.env;
  const token = opts.token ?? (env.HF_TOKEN?.trim() || undefined) ?? (env.HUGGING_FACE_HUB_TOKEN?.trim() || undefined) ?? tokenFromFile(env);
  return {
    endpoint: (opts.endpoint ?? env.HF_ENDPOINT ?? 'https://huggingface.co').replace(/\/+$/, ''),
    token,
    offline: opts.offline ?? TRUE.has((env.HF_HUB_OFFLINE ?? '').toLowerCase()),
    cacheDir: opts.cacheDir ?? env.HF_HUB_CACHE ?? env.HUGGINGFACE_HUB_CACHE ?? join(hfHome(env), 'hub'),
    verify: opts.verify ?? true,
    progress: opts.progress === undefined ? process.stderr : opts.progress,
    fetch: opts.fetch ?? fetch,
    timeoutMs: opts.timeoutMs ?? timeoutFromEnv(env),
  };
}
