import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { releaseReservation, reserveWrite, tempFilesOf, writeFileAtomic } from '../../src/store/file/atomic-write.js';
import { useTempDirs } from '../support/temp-dirs.js';

/** Writing config.json whole or not at all (src/store/file/atomic-write.ts), and the room reserved for a write. */

const tempDir = useTempDirs();

describe('atomic writes', () => {
  it('replace the file whole, 0600, and clear temporary debris first', () => {
    const dir = tempDir();
    const target = join(dir, 'config.json');
    writeFileSync(join(dir, 'config.json.tmp-deadbeef'), 'SECRET debris of a crash');
    writeFileAtomic(target, '{"a":1}');
    expect(readFileSync(target, 'utf8')).toBe('{"a":1}');
    expect(statSync(target).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir)).toEqual(['config.json']);
  });

  it('in SNAP mode too (no in-place write is reachable)', () => {
    const dir = tempDir();
    const target = join(dir, 'config.json');
    writeFileSync(target, 'old');
    const before = statSync(target).ino;
    process.env['SNAP'] = '1';
    try {
      writeFileAtomic(target, 'new');
    } finally {
      delete process.env['SNAP'];
    }
    expect(readFileSync(target, 'utf8')).toBe('new');
    // A rename puts a new inode in place; an in-place write would keep the old one.
    expect(statSync(target).ino).not.toBe(before);
  });
});

describe('room reserved for a write', () => {
  it('is spaces that readers ignore, then the new content, whole, whatever its length; unused, it goes', () => {
    const dir = tempDir();
    const target = join(dir, 'config.json');
    writeFileSync(target, 'old', { mode: 0o600 });
    for (const text of ['short', 'x'.repeat(10_000)]) {
      const room = reserveWrite(target, 1_000);
      const [name] = readdirSync(dir).filter((file) => file !== 'config.json');
      expect(name).toMatch(/^config\.json\.room-/);
      expect(readFileSync(join(dir, name as string), 'utf8')).toBe(' '.repeat(1_000));
      expect(tempFilesOf(target)).toEqual([]);
      writeFileAtomic(target, text, 0o600, room);
      expect(readFileSync(target, 'utf8')).toBe(text);
      expect(readdirSync(dir)).toEqual(['config.json']);
      releaseReservation(room);
    }
    const unused = reserveWrite(target, 10);
    releaseReservation(unused);
    expect(readdirSync(dir)).toEqual(['config.json']);
    // Room left by a crash is debris, cleared by the next write.
    writeFileSync(join(dir, 'config.json.room-deadbeef'), '   ');
    writeFileAtomic(target, 'next');
    expect(readdirSync(dir)).toEqual(['config.json']);
  });
});
