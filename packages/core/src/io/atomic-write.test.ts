import { chmodSync, mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeFileAtomic, writeFilesAtomic } from './atomic-write.js';

const bytes = (s: string) => new TextEncoder().encode(s);

describe('writeFilesAtomic', () => {
  it('replaces every file, keeping an existing file’s permission bits, and leaves no temporary files', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'peft-atomic-'));
    writeFileSync(join(dir, 'a.json'), 'old a');
    chmodSync(join(dir, 'a.json'), 0o640);
    await writeFilesAtomic(dir, [['a.json', bytes('new a')], ['b.bin', bytes('new b')]]);
    expect(readFileSync(join(dir, 'a.json'), 'utf8')).toBe('new a');
    expect(readFileSync(join(dir, 'b.bin'), 'utf8')).toBe('new b');
    expect(statSync(join(dir, 'a.json')).mode & 0o777).toBe(0o640);
    expect(readdirSync(dir).sort()).toEqual(['a.json', 'b.bin']);
  });

  it('renames nothing when staging any file fails, and removes what it staged', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'peft-atomic-'));
    writeFileSync(join(dir, 'a.json'), 'old a');
    await expect(writeFilesAtomic(dir, [['a.json', bytes('new a')], ['missing-folder/b.bin', bytes('b')]])).rejects.toThrow(/ENOENT/);
    expect(readFileSync(join(dir, 'a.json'), 'utf8')).toBe('old a');
    expect(readdirSync(dir)).toEqual(['a.json']);
  });
});

describe('temporary files of killed saves', () => {
  it('are removed by the next save of the same file, unless their process still runs', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'peft-atomic-'));
    const dead = `.a.json.999999999.0123456789ab.tmp`; // no such process
    const live = `.a.json.${process.ppid}.0123456789ab.tmp`; // the parent process is alive
    const other = `.b.json.999999999.0123456789ab.tmp`; // another file's: left for its own next save
    for (const n of [dead, live, other]) writeFileSync(join(dir, n), 'half');
    await writeFilesAtomic(dir, [['a.json', bytes('a')]]);
    expect(readdirSync(dir).sort()).toEqual([live, other, 'a.json'].sort());
    await writeFileAtomic(join(dir, 'b.json'), async (h) => { await h.write(bytes('b')); });
    expect(readdirSync(dir).sort()).toEqual([live, 'a.json', 'b.json'].sort());
  });
});
