import { randomBytes } from 'node:crypto';
import { type FileHandle, mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { MetricsStore } from './metrics-log.js';

/**
 * The file name of the metrics log inside a run's output directory.
 *
 * @example
 * ```ts
 * join(outputDir, METRICS_FILE); // 'out/metrics.jsonl'
 * ```
 */
export const METRICS_FILE = 'metrics.jsonl';

/**
 * A {@link MetricsStore} on `outputDir/metrics.jsonl` (Node only; browsers use
 * `memoryMetricsStore`). Appends go through one handle opened for appending, one `write` per call;
 * `replace` writes a temporary file beside it and renames it over, so the log is never half
 * rewritten. The directory is created when missing.
 *
 * @example
 * ```ts
 * const log = await MetricsLog.open(metricsFileStore('runs/gpt2-lora'));
 * ```
 */
export function metricsFileStore(outputDir: string): MetricsStore & { readonly path: string } {
  const path = join(outputDir, METRICS_FILE);
  let handle: FileHandle | undefined;
  const closeHandle = async (): Promise<void> => {
    const h = handle;
    handle = undefined;
    await h?.close();
  };
  return {
    path,
    async read() {
      try {
        return await readFile(path, 'utf8');
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw e;
      }
    },
    async append(text) {
      if (handle === undefined) {
        await mkdir(outputDir, { recursive: true });
        handle = await open(path, 'a');
      }
      const bytes = Buffer.from(text, 'utf8');
      let done = 0;
      // one write in practice; a short write (a full disk) is finished rather than left cut
      while (done < bytes.length) {
        const { bytesWritten } = await handle.write(bytes, done, bytes.length - done);
        done += bytesWritten;
      }
    },
    async replace(text) {
      await closeHandle();
      await mkdir(outputDir, { recursive: true });
      const tmp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
      try {
        await writeAndSync(tmp, text);
        await rename(tmp, path);
      } catch (e) {
        await unlink(tmp).catch(() => undefined);
        throw e;
      }
    },
    close: closeHandle,
  };
}

async function writeAndSync(path: string, text: string): Promise<void> {
  const h = await open(path, 'wx');
  try {
    await h.writeFile(text, 'utf8');
    await h.sync();
  } finally {
    await h.close();
  }
}
