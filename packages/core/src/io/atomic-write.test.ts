import { chmodSync, mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeFilesAtomic } from './atomic-write.js';

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
