import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultConfigDir, readConfig, writeConfig } from '../../src/store/config-file.js';
import { withFileLock } from '../../src/store/lock.js';
import { openStore, resolveProfileName } from '../../src/store/store.js';
import { hasTimeLeft, refreshMarginMs } from '../../src/token-source.js';

const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'podio-auth-unit-'));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
const signal = new AbortController().signal;

describe('config file', () => {
  it('lives where conf would put it, or in PODIO_AUTH_CONFIG_DIR', () => {
    expect(defaultConfigDir({}, 'linux', '/home/u')).toBe('/home/u/.config/podio-auth');
    expect(defaultConfigDir({ XDG_CONFIG_HOME: '/xdg' }, 'linux', '/home/u')).toBe('/xdg/podio-auth');
    expect(defaultConfigDir({ PODIO_AUTH_CONFIG_DIR: '/c' }, 'linux', '/home/u')).toBe('/c');
    expect(defaultConfigDir({}, 'darwin', '/Users/u')).toBe('/Users/u/Library/Preferences/podio-auth');
  });

  it('reads a missing file as empty and refuses what it cannot parse', () => {
    const dir = tempDir();
    const file = join(dir, 'config.json');
    expect(readConfig(file)).toEqual({ profiles: {} });
    for (const text of ['{', '[]', '"x"', '{"profiles": 3}', '{"profiles": {"a": 1}}']) {
      writeFileSync(file, text);
      expect(() => readConfig(file), text).toThrow(expect.objectContaining({ code: 'config_invalid', exitCode: 1 }));
      expect(readFileSync(file, 'utf8')).toBe(text);
    }
  });

  it('writes 0600 in a 0700 directory, tightening a loose one, and keeps unknown keys', async () => {
    const dir = join(tempDir(), 'cfg');
    mkdirSync(dir, { mode: 0o755 });
    writeFileSync(join(dir, 'config.json'), '{"profiles": {}, "future": 1}', { mode: 0o644 });
    await writeConfig(dir, { ...readConfig(join(dir, 'config.json')), profiles: { a: { access_token: 't' } } });
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(join(dir, 'config.json')).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'))).toEqual({ profiles: { a: { access_token: 't' } }, future: 1 });
  });

  it('checks profile names', () => {
    expect(resolveProfileName(undefined, {})).toBe('default');
    expect(resolveProfileName(undefined, { PODIO_PROFILE: 'ci' })).toBe('ci');
    expect(resolveProfileName('work', { PODIO_PROFILE: 'ci' })).toBe('work');
    for (const bad of ['', '../x', 'a.b', 'a b', '-x']) expect(() => resolveProfileName(bad, {})).toThrow(expect.objectContaining({ exitCode: 2 }));
  });
});

describe('lock', () => {
  it('serializes holders in one process', async () => {
    const path = join(tempDir(), 'x.lock');
    const events: string[] = [];
    const hold = (name: string) =>
      withFileLock(
        path,
        async () => {
          events.push(`${name} in`);
          await new Promise((resolve) => setImmediate(resolve));
          events.push(`${name} out`);
        },
        { signal },
      );
    await Promise.all([hold('a'), hold('b'), hold('c')]);
    for (let i = 0; i < events.length; i += 2) expect(events[i]?.replace(' in', ' out')).toBe(events[i + 1]);
    expect(existsSync(path)).toBe(false);
  });

  it('breaks a lock left by a dead process', async () => {
    const path = join(tempDir(), 'x.lock');
    const { hostname } = await import('node:os');
    writeFileSync(path, JSON.stringify({ pid: 2 ** 22 + 12345, host: hostname(), id: 'dead', created: Date.now() }));
    await expect(withFileLock(path, async () => 'got it', { signal, waitMs: 2000 })).resolves.toBe('got it');
  });

  it('gives up after waitMs on a live holder, and stops waiting when aborted', async () => {
    const path = join(tempDir(), 'x.lock');
    const { hostname } = await import('node:os');
    writeFileSync(path, JSON.stringify({ pid: process.pid, host: hostname(), id: 'alive', created: Date.now() }));
    await expect(withFileLock(path, async () => 'no', { signal, waitMs: 200 })).rejects.toMatchObject({ code: 'lock_timeout', exitCode: 1 });
    const controller = new AbortController();
    const waiting = withFileLock(path, async () => 'no', { signal: controller.signal });
    controller.abort();
    await expect(waiting).rejects.toMatchObject({ exitCode: 130 });
    expect(JSON.parse(readFileSync(path, 'utf8')).id).toBe('alive');
  });

  it('store.locked re-reads the file after taking the lock', async () => {
    const dir = tempDir();
    const store = openStore(dir);
    await store.locked(signal, (data, save) => save({ ...data, profiles: { a: { access_token: '1' } } }));
    const seen = await store.locked(signal, async (data) => data.profiles['a']?.access_token);
    expect(seen).toBe('1');
  });
});

describe('expiry', () => {
  const now = new Date('2026-01-01T12:00:00Z');
  const at = (minutes: number) => new Date(now.getTime() + minutes * 60_000).toISOString();

  it('keeps a five-minute margin for ordinary tokens', () => {
    expect(hasTimeLeft({ expires_at: at(6) }, now, 300)).toBe(true);
    expect(hasTimeLeft({ expires_at: at(4) }, now, 300)).toBe(false);
    expect(hasTimeLeft({ expires_at: at(-1) }, now, 300)).toBe(false);
    expect(hasTimeLeft({ expires_at: 'garbage' }, now, 300)).toBe(false);
    expect(hasTimeLeft({}, now, 300)).toBe(false);
  });

  it('uses half the lifetime for short-lived tokens, so not every call refreshes', () => {
    expect(refreshMarginMs({ obtained_at: at(0), expires_at: at(2) }, 300)).toBe(60_000);
    expect(refreshMarginMs({ obtained_at: at(0), expires_at: at(480) }, 300)).toBe(300_000);
    expect(hasTimeLeft({ obtained_at: at(-0.5), expires_at: at(1.5) }, now, 300)).toBe(true);
  });
});
