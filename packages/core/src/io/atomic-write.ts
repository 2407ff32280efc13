import { randomBytes } from 'node:crypto';
import { type FileHandle, chmod, open, readdir, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';

/**
 * Writes a file atomically: `write` fills a temporary file in the same directory, which is then
 * flushed to disk (fsync) and renamed over `path`. A crash or an error part-way leaves the previous
 * file untouched, and on error the temporary file is removed. An existing file's permission bits are
 * carried over. Node only.
 *
 * @example
 * ```ts
 * await writeFileAtomic('adapter_model.safetensors', async (h) => { await writeAll(h, bytes); });
 * ```
 */
export async function writeFileAtomic(path: string, write: (handle: FileHandle) => Promise<void>): Promise<void> {
  const target = resolve(path);
  const dir = dirname(target);
  const tmp = join(dir, `.${basename(target)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  await removeStaleTemps(dir, [basename(target)]);
  let handle: FileHandle | undefined;
  try {
    handle = await open(tmp, 'wx');
    await write(handle);
    await handle.sync();
    await handle.close();
    handle = undefined;
    const mode = await stat(target).then(
      (s) => s.mode & 0o7777,
      () => undefined,
    );
    if (mode !== undefined) await chmod(tmp, mode);
    await rename(tmp, target);
  } catch (e) {
    if (handle) await handle.close().catch(() => undefined);
    await unlink(tmp).catch(() => undefined);
    throw e;
  }
  await syncDirectory(dir);
}

/**
 * Writes several files of one folder so that they change together as far as a file system allows:
 * every file is written to a temporary file and flushed first, and only then are they renamed over
 * their targets, back to back. A crash before the renames leaves all the previous files; the window
 * in which some are new and others old shrinks from whole writes to the renames between them. On
 * error the temporary files are removed. Node only.
 *
 * @example
 * ```ts
 * await writeFilesAtomic('out/adapter', [['adapter_model.safetensors', weights], ['adapter_config.json', configBytes]]);
 * ```
 */
export async function writeFilesAtomic(dir: string, files: readonly (readonly [name: string, bytes: Uint8Array])[]): Promise<void> {
  const folder = resolve(dir);
  await removeStaleTemps(folder, files.filter(([name]) => !/[\\/]/.test(name)).map(([name]) => name));
  const staged: { tmp: string; target: string }[] = [];
  try {
    for (const [name, bytes] of files) {
      const target = join(folder, name);
      const tmp = join(dirname(target), `.${basename(target)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
      staged.push({ tmp, target });
      const handle = await open(tmp, 'wx');
      try {
        await writeAll(handle, bytes);
        await handle.sync();
      } finally {
        await handle.close();
      }
      const mode = await stat(target).then(
        (s) => s.mode & 0o7777,
        () => undefined,
      );
      if (mode !== undefined) await chmod(tmp, mode);
    }
    for (const { tmp, target } of staged) await rename(tmp, target);
  } catch (e) {
    for (const { tmp } of staged) await unlink(tmp).catch(() => undefined);
    throw e;
  }
  await syncDirectory(folder);
}

/**
 * Removes the temporary files of earlier writes of `names` in `dir` whose process has died (a crash or
 * a kill mid-save leaves `.<name>.<pid>.<random>.tmp` behind); files of live processes are left alone.
 */
async function removeStaleTemps(dir: string, names: readonly string[]): Promise<void> {
  if (names.length === 0) return;
  const entries = await readdir(dir).catch(() => [] as string[]);
  for (const entry of entries) {
    const m = /^\.(.+)\.(\d+)\.[0-9a-f]{12}\.tmp$/.exec(entry);
    if (!m || !names.includes(m[1]) || Number(m[2]) === process.pid || processAlive(Number(m[2]))) continue;
    await unlink(join(dir, entry)).catch(() => undefined);
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Flushes a directory entry change (the rename) to disk where the platform allows it. */
async function syncDirectory(dir: string): Promise<void> {
  let h: FileHandle | undefined;
  try {
    h = await open(dir, 'r');
    await h.sync();
  } catch {
    // some platforms (Windows) and file systems cannot fsync a directory; the rename has happened
  } finally {
    await h?.close().catch(() => undefined);
  }
}

const MAX_IO = 1 << 30;

/**
 * Writes all of `bytes` at the handle's current position, looping over partial writes.
 *
 * @example
 * ```ts
 * await writeAll(handle, new Uint8Array([1, 2, 3]));
 * ```
 */
export async function writeAll(handle: FileHandle, bytes: Uint8Array): Promise<void> {
  let done = 0;
  while (done < bytes.length) {
    const { bytesWritten } = await handle.write(bytes, done, Math.min(bytes.length - done, MAX_IO));
    if (bytesWritten <= 0) throw new Error(`writeAll: the file accepted no bytes at ${done} of ${bytes.length}`);
    done += bytesWritten;
  }
}

/**
 * Collects small writes into one buffer so that a file of many small tensors takes few system
 * calls; pieces at least as large as the buffer go straight through.
 *
 * @example
 * ```ts
 * const w = new BufferedWriter(handle);
 * await w.write(head); await w.write(data); await w.flush();
 * ```
 */
export class BufferedWriter {
  private readonly buf: Uint8Array;
  private used = 0;

  constructor(
    private readonly handle: FileHandle,
    size = 1 << 20,
  ) {
    this.buf = new Uint8Array(size);
  }

  /** Appends bytes. */
  async write(bytes: Uint8Array): Promise<void> {
    if (this.used + bytes.length <= this.buf.length) {
      this.buf.set(bytes, this.used);
      this.used += bytes.length;
      return;
    }
    await this.flush();
    if (bytes.length >= this.buf.length) await writeAll(this.handle, bytes);
    else {
      this.buf.set(bytes, 0);
      this.used = bytes.length;
    }
  }

  /** Writes out whatever is buffered. */
  async flush(): Promise<void> {
    if (this.used > 0) await writeAll(this.handle, this.buf.subarray(0, this.used));
    this.used = 0;
  }
}
