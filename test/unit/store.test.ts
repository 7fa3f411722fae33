import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { releaseReservation, reserveWrite, tempFilesOf, writeFileAtomic } from '../../src/store/file/atomic-write.js';
import { defaultConfigDir, readConfigFile } from '../../src/store/file/config-file.js';
import { createFileLocker } from '../../src/store/file/lock.js';
import { openFileStore } from '../../src/store/file/store.js';
import { resolveProfileName } from '../../src/store/profile-names.js';
import { hasTimeLeft, refreshMarginMs } from '../../src/usecases/token-policy.js';

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

  it("finds the home directory in $HOME on POSIX, else in the account's entry", async () => {
    const { userInfo } = await import('node:os');
    expect(defaultConfigDir({ HOME: '/home/h' }, 'linux')).toBe('/home/h/.config/podio-auth');
    // Whatever HOME the tests run with: with none, the account's own home.
    expect(defaultConfigDir({}, 'linux')).toBe(join(userInfo().homedir, '.config', 'podio-auth'));
  });

  it('is never relative: a relative XDG_CONFIG_HOME is ignored, an empty or relative HOME gives way', async () => {
    const { userInfo } = await import('node:os');
    const account = join(userInfo().homedir, '.config', 'podio-auth');
    expect(defaultConfigDir({ HOME: '/home/h', XDG_CONFIG_HOME: 'xdg' }, 'linux')).toBe('/home/h/.config/podio-auth');
    expect(defaultConfigDir({ HOME: '' }, 'linux')).toBe(account);
    expect(defaultConfigDir({ HOME: 'relative' }, 'linux')).toBe(account);
    expect(defaultConfigDir({ HOME: '.', XDG_CONFIG_HOME: '.' }, 'linux')).toBe(account);
  });

  it('reads a missing file as empty and refuses what it cannot use, naming the field, leaving it as it is', () => {
    const file = join(tempDir(), 'config.json');
    expect(readConfigFile(file).profiles.size).toBe(0);
    const cases: [string, RegExp][] = [
      ['{', /not valid JSON/],
      ['[]', /does not hold a JSON object/],
      ['{"profiles": 3}', /"profiles" entry that is not an object/],
      ['{"profiles": {"a": 1}}', /profile "a" that is not an object/],
      ['{"default_profile": {}, "profiles": {}}', /"default_profile" that is not a string/],
      ['{"profiles": {"a": {"user_name": 42}}}', /profile "a" whose field "user_name" is not a string/],
      ['{"profiles": {"a": {"api_url": 5}}}', /field "api_url" is not a string/],
      ['{"profiles": {"a": {"access_token": {"x": 1}}}}', /field "access_token" is not a string/],
      ['{"profiles": {"a": {"access_token": true}}}', /field "access_token" is not a string/],
      [
        '{"profiles": {"a": {"access_token": "bad\\u001btoken"}}}',
        /field "access_token" has characters a token cannot have/,
      ],
      ['{"profiles": {"a": {"expires_at": "soon"}}}', /field "expires_at" is not a date/],
      ['{"profiles": {"a": {"ref": "me"}}}', /field "ref" is not \{ type, id \}/],
      ['{"profiles": {"a": {"grant": "magic"}}}', /field "grant" is not one of/],
    ];
    for (const [text, message] of cases) {
      writeFileSync(file, text);
      expect(() => readConfigFile(file), text).toThrow(
        expect.objectContaining({ code: 'config_invalid', exitCode: 1, message: expect.stringMatching(message) }),
      );
      expect(readFileSync(file, 'utf8')).toBe(text);
    }
  });

  it('never quotes the file in its error (a JSON parser would show the text around the fault: a secret)', () => {
    const file = join(tempDir(), 'config.json');
    writeFileSync(file, '{"profiles": {"a": {"refresh_token": "SECRET-REFRESH-123" oops');
    try {
      readConfigFile(file);
      expect.unreachable();
    } catch (error) {
      expect(String((error as Error).message)).not.toContain('SECRET');
      expect((error as Error).cause).toBeUndefined();
    }
  });

  it('looks profiles up by own name only', () => {
    const file = join(tempDir(), 'config.json');
    writeFileSync(file, '{"profiles": {"work": {}}}');
    const config = readConfigFile(file);
    for (const name of ['constructor', '__proto__', 'toString', 'hasOwnProperty'])
      expect(config.profiles.has(name)).toBe(false);
  });
});

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

  it('a holder that lost its lock writes nothing', async () => {
    const dir = tempDir();
    let clock = 0;
    const options = {
      lock: {
        timings: { heartbeatMs: 60_000, staleMs: 100, waitMs: 1_000 },
        monotonic: () => clock,
        sleep: async () => void (clock += 50),
      },
    };
    const slow = openFileStore({ dir, ...options });
    const fast = openFileStore({ dir, ...options });
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    const slowWrite = slow.transact(signal, async (tx) => {
      await held;
      await tx.writeProfile('p', { refresh_token: 'stale' });
    });
    // The heartbeat never beats (60 s), so after 100 ms of the waiter's clock the lock is taken for abandoned.
    await fast.transact(signal, (tx) => tx.writeProfile('p', { refresh_token: 'newer' }));
    release();
    await expect(slowWrite).rejects.toMatchObject({ code: 'lock_lost', exitCode: 1 });
    expect((await fast.read(signal)).profiles.get('p')).toEqual({ refresh_token: 'newer' });
  });
});

describe('lock', () => {
  it('serializes holders in one process and releases on failure', async () => {
    const path = join(tempDir(), 'x.lock');
    const locker = createFileLocker(path);
    const events: string[] = [];
    const hold = async (name: string, fail = false) => {
      const lease = await locker.acquire(signal);
      try {
        events.push(`${name}+`);
        await new Promise((resolve) => setImmediate(resolve));
        events.push(`${name}-`);
        if (fail) throw new Error('boom');
      } finally {
        await lease.release();
      }
    };
    await Promise.allSettled([hold('a', true), hold('b'), hold('c')]);
    expect(events).toHaveLength(6);
    for (let i = 0; i < 6; i += 2) expect(events[i]?.[0]).toBe(events[i + 1]?.[0]);
    expect(existsSync(path)).toBe(false);
  });

  it('takes over a lock whose holder is provably dead on this machine at once', async () => {
    const path = join(tempDir(), 'x.lock');
    const boot = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    const { readlinkSync } = await import('node:fs');
    // A pid that exists in no process: the holder died without releasing.
    writeFileSync(
      path,
      JSON.stringify({
        id: 'dead',
        pid: 2 ** 22 + 7,
        host: 'x',
        boot,
        pidns: readlinkSync('/proc/self/ns/pid'),
        start: '1',
      }),
    );
    let clock = 0;
    const lease = await createFileLocker(path, {
      monotonic: () => clock,
      sleep: async () => void (clock += 1),
    }).acquire(signal);
    expect(clock).toBe(0);
    await lease.release();
  });

  it('waits for a holder it cannot judge (another namespace or host) until its heartbeat has been still too long', async () => {
    const path = join(tempDir(), 'x.lock');
    writeFileSync(path, JSON.stringify({ id: 'far', pid: 1, host: 'elsewhere', boot: 'other-boot', pidns: 'pid:[1]' }));
    let clock = 0;
    const lease = await createFileLocker(path, {
      timings: { staleMs: 10_000 },
      monotonic: () => clock,
      sleep: async () => void (clock += 500),
    }).acquire(signal);
    expect(clock).toBeGreaterThan(10_000);
    await lease.release();
  });

  it('breaks an unreadable lock (a crash between creating and writing it) once it has been still too long', async () => {
    const path = join(tempDir(), 'x.lock');
    writeFileSync(path, '');
    let clock = 0;
    const lease = await createFileLocker(path, {
      timings: { staleMs: 2_000 },
      monotonic: () => clock,
      sleep: async () => void (clock += 100),
    }).acquire(signal);
    expect(clock).toBeGreaterThan(2_000);
    await lease.release();
  });

  it('gives up after its wait, and stops at once when aborted', async () => {
    const path = join(tempDir(), 'x.lock');
    const holder = await createFileLocker(path).acquire(signal);
    let clock = 0;
    const waiter = createFileLocker(path, {
      timings: { waitMs: 1_000, staleMs: 60_000 },
      monotonic: () => clock,
      sleep: async () => void (clock += 100),
    });
    await expect(waiter.acquire(signal)).rejects.toMatchObject({ code: 'lock_timeout', exitCode: 1 });
    const controller = new AbortController();
    controller.abort('SIGINT');
    await expect(createFileLocker(path).acquire(controller.signal)).rejects.toMatchObject({
      code: 'interrupted',
      exitCode: 130,
    });
    await holder.release();
  });
});

describe('profiles and expiry', () => {
  it('checks profile names', () => {
    expect(resolveProfileName(undefined, {})).toBe('default');
    expect(resolveProfileName(undefined, { PODIO_PROFILE: 'ci' })).toBe('ci');
    expect(resolveProfileName('work', { PODIO_PROFILE: 'ci' })).toBe('work');
    expect(resolveProfileName(undefined, {}, 'chosen')).toBe('chosen');
    for (const bad of ['', '../x', 'a.b', 'a b', '-x'])
      expect(() => resolveProfileName(bad, {})).toThrow(expect.objectContaining({ exitCode: 2 }));
  });

  it('refreshes five minutes before expiry, or at half the lifetime of short-lived tokens', () => {
    const now = new Date('2026-01-01T00:00:00Z');
    const at = (s: number) => new Date(now.getTime() + s * 1000).toISOString();
    const eightHours = { obtained_at: at(-60), expires_at: at(8 * 3600 - 60) };
    expect(refreshMarginMs(eightHours, 300)).toBe(300_000);
    const late = { obtained_at: at(-28_000) };
    expect(hasTimeLeft({ ...late, expires_at: at(301) }, now, 300)).toBe(true);
    expect(hasTimeLeft({ ...late, expires_at: at(299) }, now, 300)).toBe(false);
    const short = { obtained_at: at(0), expires_at: at(60) };
    expect(refreshMarginMs(short, 300)).toBe(30_000);
    expect(refreshMarginMs(short, 300, true)).toBe(300_000);
  });
});
