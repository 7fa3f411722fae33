import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openFileStore } from '../../src/store/file/store.js';
import { useTempDirs } from '../support/temp-dirs.js';

/** The file store: private modes, and a write that changes only its own profile, on data read under the lock. */

const tempDir = useTempDirs();
const signal = new AbortController().signal;

describe('file store', () => {
  it('writes 0600 in a 0700 directory, tightening a loose one, and keeps unknown keys', async () => {
    const dir = join(tempDir(), 'cfg');
    mkdirSync(dir, { mode: 0o755 });
    writeFileSync(join(dir, 'config.json'), '{"profiles": {"a": {"future_field": 1}}, "future": 1}', { mode: 0o644 });
    const store = openFileStore({ dir });
    await store.transact(signal, (tx) => tx.writeProfile('b', { access_token: 'tok' }));
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(join(dir, 'config.json')).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'))).toEqual({
      future: 1,
      profiles: { a: { future_field: 1 }, b: { access_token: 'tok' } },
    });
  });

  it('changes only the profile it writes, on data read under the lock', async () => {
    const dir = tempDir();
    const first = openFileStore({ dir });
    const second = openFileStore({ dir });
    await first.transact(signal, async (tx) => {
      // Another process writes profile "other" while this one holds a stale view: it cannot (the lock), so the
      // write happens before this transaction starts, and this one must keep it.
      expect((await tx.read()).profiles.size).toBe(0);
      await tx.writeProfile('mine', { refresh_token: 'mine-1' });
    });
    await second.transact(signal, (tx) => tx.writeProfile('other', { refresh_token: 'other-1' }));
    await first.transact(signal, (tx) => tx.writeProfile('mine', { refresh_token: 'mine-2' }));
    const profiles = (await first.read(signal)).profiles;
    expect(profiles.get('other')).toEqual({ refresh_token: 'other-1' });
    expect(profiles.get('mine')).toEqual({ refresh_token: 'mine-2' });
  });
});
