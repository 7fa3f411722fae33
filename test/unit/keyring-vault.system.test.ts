import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PodioAuthError } from '../../src/errors.js';
import { KEYRING_SERVICE } from '../../src/store/keyring/entries.js';
import { createKeyringVault, type KeyringVault, type KeyringVaultOptions } from '../../src/store/keyring/vault.js';
import { ROOT } from '../support/cli.js';
import {
  type HungBus,
  noBusEnv,
  type SessionBus,
  skipWithoutSecretService,
  startHungBus,
  startSessionBus,
} from '../support/secret-service.js';

const skip = skipWithoutSecretService('the keyring vault tests');

const signal = new AbortController().signal;
const vaults: KeyringVault[] = [];

function vault(options: KeyringVaultOptions): KeyringVault {
  const created = createKeyringVault(options);
  vaults.push(created);
  return created;
}

afterEach(() => {
  for (const created of vaults.splice(0)) created.close();
});

/** The rejection of `promise`, which must be a PodioAuthError, and how long it took. */
async function failure(promise: Promise<unknown>): Promise<{ error: PodioAuthError; ms: number }> {
  const started = performance.now();
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  const ms = performance.now() - started;
  if (!(error instanceof PodioAuthError)) throw new Error(`expected a PodioAuthError, got ${String(error)}`);
  return { error, ms };
}

function expectOneLine(error: PodioAuthError): void {
  expect(error.message).not.toContain('\n');
  expect(error.hint ?? '').not.toContain('\n');
  expect(error.exitCode).toBe(1);
}

describe.skipIf(skip)('keyring vault on a real Secret Service', () => {
  let session: SessionBus;
  let keyring: KeyringVault;

  beforeAll(async () => {
    session = await startSessionBus();
    keyring = createKeyringVault({ env: session.env });
  });

  afterAll(async () => {
    keyring?.close();
    await session?.stop();
  });

  it('sets, gets, lists and deletes one entry per profile, as secret-tool sees them', async () => {
    const work = JSON.stringify({ client_secret: 'cs-work', refresh_token: 'rt-work', access_token: 'at-work' });
    const home = JSON.stringify({ client_secret: 'cs-home', refresh_token: 'rt-home' });
    expect(await keyring.get('work', signal)).toBeUndefined();
    await keyring.set('work', work, signal);
    await keyring.set('home', home, signal);

    expect(await keyring.get('work', signal)).toBe(work);
    expect(await keyring.get('home', signal)).toBe(home);
    expect(await keyring.list(signal)).toEqual(['home', 'work']);
    const items = await session.search(KEYRING_SERVICE);
    expect(items.map((item) => [item.account, item.secret]).sort()).toEqual([
      ['home', home],
      ['work', work],
    ]);
    expect(items.every((item) => item.service === KEYRING_SERVICE)).toBe(true);

    const rotated = JSON.stringify({ client_secret: 'cs-work', refresh_token: 'rt-work-2' });
    await keyring.set('work', rotated, signal);
    expect(await keyring.get('work', signal)).toBe(rotated);
    expect((await session.search(KEYRING_SERVICE)).filter((item) => item.account === 'work')).toEqual([
      expect.objectContaining({ secret: rotated }),
    ]);

    expect(await keyring.delete('work', signal)).toBe(true);
    expect(await keyring.delete('work', signal)).toBe(false);
    expect(await keyring.get('work', signal)).toBeUndefined();
    expect(await keyring.list(signal)).toEqual(['home']);
    expect(await keyring.delete('home', signal)).toBe(true);
    expect(await keyring.list(signal)).toEqual([]);
    expect(await session.search(KEYRING_SERVICE)).toEqual([]);
  });

  it('keeps a value of 8 KiB whole', async () => {
    const value = JSON.stringify({ access_token: 'a'.repeat(8 * 1024 - 20), refresh_token: 'r' });
    expect(value.length).toBeGreaterThanOrEqual(8 * 1024);
    await keyring.set('large', value, signal);
    expect(await keyring.get('large', signal)).toBe(value);
    expect((await session.search(KEYRING_SERVICE)).find((item) => item.account === 'large')?.secret).toBe(value);
    expect(await keyring.delete('large', signal)).toBe(true);
  });

  it('takes any profile name as the account, and serves concurrent calls one by one', async () => {
    const names = ['__proto__', 'with space', 'ünïcödé', 'a/b', 'constructor'];
    await Promise.all(names.map((name) => keyring.set(name, JSON.stringify({ refresh_token: `rt-${name}` }), signal)));
    const values = await Promise.all(names.map((name) => keyring.get(name, signal)));
    expect(values).toEqual(names.map((name) => JSON.stringify({ refresh_token: `rt-${name}` })));
    expect(await keyring.list(signal)).toEqual([...names].sort());
    await Promise.all(names.map((name) => keyring.delete(name, signal)));
    expect(await keyring.list(signal)).toEqual([]);
  });

  it('finds the bus at $XDG_RUNTIME_DIR/bus when DBUS_SESSION_BUS_ADDRESS is not set', async () => {
    const { DBUS_SESSION_BUS_ADDRESS: _address, ...env } = session.env;
    const defaultAddress = vault({ env });
    await defaultAddress.set('runtime-dir', '{"refresh_token":"rt"}', signal);
    expect(await keyring.get('runtime-dir', signal)).toBe('{"refresh_token":"rt"}');
    expect(await defaultAddress.delete('runtime-dir', signal)).toBe(true);
  });

  it('never loads the native module into the calling process, and never keeps it alive', async () => {
    const built = join(ROOT, 'dist', 'store', 'keyring', 'vault.js');
    expect(existsSync(built), 'run `npm run build` first').toBe(true);
    // A fresh Node process: the vault answers, the native module is mapped only in the helper, and the process ends
    // on its own long before the helper's 30 s keep-alive would.
    const script = `
      import { readFileSync } from 'node:fs';
      import { createKeyringVault } from ${JSON.stringify(built)};
      const vault = createKeyringVault();
      await vault.set('fresh', 'x', AbortSignal.timeout(10_000));
      const value = await vault.get('fresh', AbortSignal.timeout(10_000));
      await vault.delete('fresh', AbortSignal.timeout(10_000));
      const mapped = readFileSync('/proc/self/maps', 'utf8').includes('keyring.linux');
      process.stdout.write(JSON.stringify({ value, mapped }));
    `;
    const started = performance.now();
    const result = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
      const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
        env: session.env,
        stdio: ['ignore', 'pipe', 'pipe'],
        timeout: 20_000,
      });
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ value: 'x', mapped: false });
    expect(performance.now() - started).toBeLessThan(10_000);
  });
});

describe.skipIf(skip)('keyring vault failures', () => {
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'podio-auth-vault-'));
  });

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('fails at once with no session bus at all', async () => {
    const keyring = vault({ env: { PATH: process.env['PATH'], HOME: dir } });
    const { error, ms } = await failure(keyring.get('default', signal));
    expect(error.code).toBe('keyring_unavailable');
    expect(error.message).toBe('Keyring unavailable: no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is not set).');
    expect(error.hint).toMatch(/dbus-run-session.*gnome-keyring-daemon --unlock.*`podio-auth login --store file`/);
    expectOneLine(error);
    expect(ms).toBeLessThan(5_000);
  });

  it('fails at once when the bus address leads nowhere', async () => {
    const env = noBusEnv(dir);
    const keyring = vault({ env });
    for (const call of [keyring.get('default', signal), keyring.set('default', '{}', signal), keyring.list(signal)]) {
      const { error, ms } = await failure(call);
      expect(error.code).toBe('keyring_unavailable');
      const unreachable = `Keyring unavailable: the D-Bus session bus at ${env['DBUS_SESSION_BUS_ADDRESS']} `;
      expect(error.message.startsWith(unreachable)).toBe(true);
      expect(error.message).toMatch(/ cannot be reached \(No such file or directory\)\.$/);
      expect(error.hint).toMatch(/DBUS_SESSION_BUS_ADDRESS.*`podio-auth login --store file`/);
      expectOneLine(error);
      expect(ms).toBeLessThan(5_000);
    }
  });

  it('names a bus without a Secret Service', async () => {
    const session = await startSessionBus({ secretService: false });
    try {
      const keyring = vault({ env: session.env });
      for (const call of [keyring.get('default', signal), keyring.list(signal)]) {
        const { error } = await failure(call);
        expect(error.code).toBe('keyring_unavailable');
        expect(error.message).toBe(
          'Keyring unavailable: no Secret Service (org.freedesktop.secrets) on the D-Bus session bus.',
        );
        expect(error.hint).toMatch(/gnome-keyring-daemon --unlock --components=secrets.*--store file`/);
        expectOneLine(error);
      }
    } finally {
      await session.stop();
    }
  });

  it('names a bus that refuses access to the Secret Service', async () => {
    const session = await startSessionBus({ denySecretService: true });
    try {
      const keyring = vault({ env: session.env });
      const calls = [keyring.get('default', signal), keyring.set('default', '{"refresh_token":"rt-denied"}', signal)];
      for (const call of calls) {
        const { error } = await failure(call);
        expect(error.code).toBe('keyring_unavailable');
        expect(error.message).toBe(
          'Keyring access denied: the D-Bus session bus refused the call to the Secret Service.',
        );
        expect(error.hint).toMatch(/Allow podio-auth to use the keyring.*`podio-auth login --store file`/);
        expect(`${error.message} ${error.hint}`).not.toContain('rt-denied');
        expectOneLine(error);
      }
    } finally {
      await session.stop();
    }
  });

  it('fails clearly on a locked keyring: no hang, no prompt, no unlock, no secret in the message', async () => {
    const session = await startSessionBus();
    try {
      const keyring = vault({ env: session.env });
      await keyring.set('default', '{"refresh_token":"rt-before-lock"}', signal);
      await session.lock();
      const secret = '{"refresh_token":"rt-while-locked"}';
      const calls = [
        keyring.get('default', signal),
        keyring.set('default', secret, signal),
        keyring.set('other', secret, signal),
        keyring.delete('default', signal),
        keyring.list(signal),
      ];
      for (const call of calls) {
        const { error, ms } = await failure(call);
        expect(error.code).toBe('keyring_unavailable');
        const locked = /^Keyring locked: it could not be unlocked without a prompt \(.*(prompt|locked).*\)\.$/;
        expect(error.message).toMatch(locked);
        expect(error.hint).toMatch(/^Unlock it .*gnome-keyring-daemon --replace --unlock.*--store file`\.$/);
        expect(`${error.message} ${error.hint}`).not.toMatch(/rt-while-locked|rt-before-lock/);
        expectOneLine(error);
        expect(ms).toBeLessThan(5_000);
      }
      expect(await session.isLocked()).toBe(true);
    } finally {
      await session.stop();
    }
  });

  it('tells a keyring that hangs from a locked one', async () => {
    const session = await startSessionBus();
    try {
      const keyring = vault({ env: session.env, timeoutMs: 10_000 });
      await keyring.set('default', '{"refresh_token":"rt-before-hang"}', signal);
      session.pauseKeyring(true);
      const { error } = await failure(keyring.get('default', signal));
      session.pauseKeyring(false);
      expect(error.code).toBe('keyring_unavailable');
      expect(error.message).not.toMatch(/^Keyring locked/);
      expect(error.message).toMatch(/^Keyring unavailable: (the keyring did not answer|no answer within)/);
      expect(error.hint).toMatch(/running and answering/);
      expectOneLine(error);
    } finally {
      await session.stop();
    }
  });

  describe('a bus that accepts and never answers', () => {
    let hung: HungBus;

    beforeAll(async () => {
      hung = await startHungBus(dir);
    });

    afterAll(async () => {
      await hung.close();
    });

    it('gives up after the timeout, every call, and the next call starts afresh', async () => {
      const keyring = vault({ env: hung.env, timeoutMs: 400 });
      const calls: [string, () => Promise<unknown>][] = [
        ['get', () => keyring.get('default', signal)],
        ['set', () => keyring.set('default', '{"refresh_token":"rt-hung"}', signal)],
        ['delete', () => keyring.delete('default', signal)],
        ['list', () => keyring.list(signal)],
      ];
      for (const [name, call] of calls) {
        const connectionsBefore = hung.connections;
        const { error, ms } = await failure(call());
        expect(error.code, name).toBe('keyring_unavailable');
        expect(error.message).toBe(
          'Keyring unavailable: no answer within 0.4 s (the keyring or the D-Bus session bus is not responding).',
        );
        expect(error.hint).toMatch(/running and answering.*`podio-auth login --store file`/);
        expect(`${error.message} ${error.hint}`).not.toContain('rt-hung');
        expect(ms).toBeGreaterThanOrEqual(390);
        expect(ms).toBeLessThan(3_000);
        // A fresh helper went all the way to the bus (the hung one was killed, not reused).
        expect(hung.connections).toBeGreaterThan(connectionsBefore);
      }
    });

    it('counts the time spent waiting behind a hung call', async () => {
      const keyring = vault({ env: hung.env, timeoutMs: 400 });
      const started = performance.now();
      const results = await Promise.all([failure(keyring.get('a', signal)), failure(keyring.get('b', signal))]);
      expect(results.map(({ error }) => error.message)).toEqual([
        expect.stringMatching(/no answer within 0\.4 s/),
        expect.stringMatching(/no answer within 0\.4 s/),
      ]);
      expect(performance.now() - started).toBeLessThan(3_000);
    });

    it('ends a stuck helper when the calling process exits', async () => {
      const built = join(ROOT, 'dist', 'store', 'keyring', 'vault.js');
      expect(existsSync(built), 'run `npm run build` first').toBe(true);
      const script = `
        import { createKeyringVault } from ${JSON.stringify(built)};
        process.stdin.once('data', () => process.exit(0));
        await createKeyringVault({ timeoutMs: 60_000 }).get('default', new AbortController().signal);
      `;
      const connectionsBefore = hung.connections;
      const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
        env: hung.env,
        stdio: ['pipe', 'ignore', 'inherit'],
        timeout: 20_000,
      });
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      for (let attempt = 0; attempt < 400 && hung.connections === connectionsBefore; attempt += 1) await delay(25);
      expect(hung.open).toBe(1);
      child.stdin.write('exit\n');
      expect(await exited).toBe(0);
      // The helper held the only connection: it is closed once the helper is gone.
      for (let attempt = 0; attempt < 200 && hung.open > 0; attempt += 1) await delay(25);
      expect(hung.open).toBe(0);
    });

    it('gives up when the caller aborts', async () => {
      const keyring = vault({ env: hung.env, timeoutMs: 60_000 });
      const controller = new AbortController();
      const connectionsBefore = hung.connections;
      const call = failure(keyring.get('default', controller.signal));
      // Abort once the call is really stuck on the bus (bounded wait for the helper to connect).
      for (let attempt = 0; attempt < 200 && hung.connections === connectionsBefore; attempt += 1) await delay(25);
      expect(hung.connections).toBeGreaterThan(connectionsBefore);
      controller.abort();
      const { error, ms } = await call;
      expect(error.code).toBe('interrupted');
      expect(ms).toBeLessThan(10_000);
    });
  });
});
