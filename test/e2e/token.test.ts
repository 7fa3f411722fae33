import { existsSync, lstatSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PodioAuthError } from '../../src/errors.js';
import { openFileStore } from '../../src/store/file/store.js';
import type { ProfileStore, StoreTransaction } from '../../src/store/port.js';
import {
  aMinuteAgo,
  errorLines,
  expectClean,
  inAnHour,
  runCli,
  runMain,
  type Sandbox,
  startSandbox,
} from '../support/cli.js';
import type { FakePodio, FakePodioOptions } from '../support/fake-podio.js';
import { runCliOpening, straceMissing } from '../support/opened-files.js';

let podio: FakePodio;
let sandbox: Sandbox;

async function setup(options: FakePodioOptions = {}): Promise<void> {
  ({ podio, sandbox } = await startSandbox(options));
}

function storedProfile(name = 'default'): Record<string, unknown> {
  return sandbox.readConfig().profiles[name]!;
}

describe('token', () => {
  it('prints the stored token and nothing else while it is valid, without calling Podio', async () => {
    await setup();
    const { access_token } = sandbox.storeLogin(inAnHour());
    const result = await runMain(['token'], sandbox.env());
    expect(result).toMatchObject({ code: 0, stdout: `${access_token}\n`, stderr: '' });
    expect(podio.tokenRequests).toHaveLength(0);
  });

  it.skipIf(straceMissing())("answers from the launcher's small bundle, without opening the full CLI", async () => {
    await setup();
    const { access_token } = sandbox.storeLogin(inAnHour());
    const fast = await runCliOpening(['token'], sandbox.env());
    expect(fast.result).toMatchObject({ code: 0, stdout: `${access_token}\n`, stderr: '' });
    expect(fast.opened).toContainEqual(expect.stringMatching(/dist\/fast-token\.cjs$/));
    expect(fast.opened.filter((file) => /dist\/cli\//.test(file))).toEqual([]);
    // The same probe sees the call that needs the full command open it.
    const full = await runCliOpening(['token', '--json'], sandbox.env());
    expect(full.result.code).toBe(0);
    expect(full.opened).toContainEqual(expect.stringMatching(/dist\/cli\/cli\.js$/));
  });

  it('prints JSON with --json', async () => {
    await setup();
    const expiresAt = inAnHour();
    const { access_token } = sandbox.storeLogin(expiresAt);
    const result = await runMain(['token', '--json'], sandbox.env());
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({
      access_token,
      token_type: 'bearer',
      expires_at: expiresAt.toISOString(),
      expires_in: expect.any(Number),
      refresh_token: null,
      profile: 'default',
      ref: { type: 'user', id: 4242 },
    });
    const left = (JSON.parse(result.stdout) as { expires_in: number }).expires_in;
    expect(Math.abs(left - (expiresAt.getTime() - Date.now()) / 1000)).toBeLessThan(5);
  });

  it('refreshes an expired token once, stores the rotated refresh token, and reuses the new token', async () => {
    await setup();
    const old = sandbox.storeLogin(aMinuteAgo());
    const first = await runMain(['token'], sandbox.env());
    expect(first.code).toBe(0);
    const profile = storedProfile();
    expect(first.stdout).toBe(`${profile['access_token']}\n`);
    expect(profile['access_token']).not.toBe(old.access_token);
    expect(podio.isValidAccessToken(profile['access_token'] as string)).toBe(true);
    expect(profile['refresh_token']).not.toBe(old.refresh_token);
    expect(podio.isLiveRefreshToken(profile['refresh_token'] as string)).toBe(true);
    // A new refresh token starts its 28 days over (doctor reads this).
    expect(Date.now() - Date.parse(profile['refresh_obtained_at'] as string)).toBeLessThan(60_000);
    expect(sandbox.mode(sandbox.configFile)).toBe(0o600);

    const second = await runMain(['token'], sandbox.env());
    expect(second.stdout).toBe(first.stdout);
    expect(podio.grants('refresh_token')).toHaveLength(1);
    expect(podio.grants('refresh_token')[0]?.fields['refresh_token']).toBe(old.refresh_token);
  });

  it('refreshes a token that expires within five minutes, and not one with a little more left', async () => {
    await setup();
    const kept = sandbox.storeLogin(new Date(Date.now() + 310_000));
    const before = await runMain(['token'], sandbox.env());
    expect(before).toMatchObject({ code: 0, stdout: `${kept.access_token}\n` });
    expect(podio.grants('refresh_token')).toHaveLength(0);

    const old = sandbox.storeLogin(new Date(Date.now() + 290_000));
    const result = await runMain(['token'], sandbox.env());
    expect(result.code).toBe(0);
    expect(result.stdout).not.toBe(`${old.access_token}\n`);
    expect(podio.grants('refresh_token')).toHaveLength(1);
  });

  it('keeps the stored refresh token when Podio does not rotate it', async () => {
    await setup({ rotateRefreshTokens: false });
    const old = sandbox.storeLogin(aMinuteAgo());
    const result = await runMain(['token'], sandbox.env());
    expect(result.code).toBe(0);
    expect(storedProfile()['refresh_token']).toBe(old.refresh_token);
    expect(storedProfile()['refresh_obtained_at']).toBeUndefined();
  });

  for (const fault of ['rate-limit', 'server-error', 'reset'] as const) {
    it(`${fault} on refresh: exit 1, no stale token, stored refresh token still works`, async () => {
      await setup();
      const old = sandbox.storeLogin(aMinuteAgo());
      const before = readFileSync(sandbox.configFile, 'utf8');
      podio.fault('/oauth/token/v2', fault);
      const failed = await runMain(['token'], sandbox.env());
      expect(failed.code).toBe(1);
      expect(failed.stdout).toBe('');
      expect(errorLines(failed)).toHaveLength(1);
      expectClean(failed, sandbox);
      expect(failed.stderr).not.toContain(old.refresh_token);
      expect(readFileSync(sandbox.configFile, 'utf8')).toBe(before);

      const next = await runMain(['token'], sandbox.env());
      expect(next.code).toBe(0);
      expect(podio.isValidAccessToken(next.stdout.trim())).toBe(true);
    });
  }

  it('exits 4 when Podio rejects the refresh token', async () => {
    await setup();
    sandbox.storeLogin(aMinuteAgo());
    sandbox.editProfile('default', { refresh_token: 'revoked' });
    const result = await runMain(['token'], sandbox.env());
    expect(result.code).toBe(4);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/rejected the refresh token/);
    expect(result.stderr).toMatch(/podio-auth login/);
    expect(result.stderr).not.toContain('revoked');
    expectClean(result, sandbox);
  });

  it('exits 4 when not logged in, with an empty stdout', async () => {
    await setup();
    const result = await runMain(['token'], sandbox.env());
    expect(result.code).toBe(4);
    expect(result.stdout).toBe('');
    // Nothing claims a config file that does not exist has contents.
    expect(errorLines(result)).toEqual([
      `✗ Not logged in: no profile is stored yet (looked in ${sandbox.configFile}).`,
    ]);
    expect(result.stderr).toContain('Run `podio-auth login` to log in.');
    expect(existsSync(sandbox.configDir)).toBe(false);
  });

  it('keeps profiles apart', async () => {
    await setup();
    const { access_token } = sandbox.storeLogin(inAnHour(), 'work');
    expect((await runMain(['token', '--profile', 'work'], sandbox.env())).stdout).toBe(`${access_token}\n`);
    expect((await runMain(['token'], sandbox.env({ PODIO_PROFILE: 'work' }))).stdout).toBe(`${access_token}\n`);
    const typo = await runMain(['token'], sandbox.env());
    expect(typo.code).toBe(4);
    expect(typo.stderr).toMatch(/There is no profile "default"\. Profiles: work\./);
    expect((await runMain(['token', '--profile', '../etc'], sandbox.env())).code).toBe(2);
  });
});

describe('a config file that cannot be parsed', () => {
  for (const args of [['token'], ['status'], ['logout'], ['login', '--no-browser']]) {
    it(`${args[0]}: names the file, exits 1, leaves it unchanged`, async () => {
      await setup();
      const garbage = '{"profiles": {"default": {"access_token": "abc", ';
      sandbox.writeConfig(garbage);
      const result = await runMain(args, sandbox.env());
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(sandbox.configFile);
      expect(result.stderr).toMatch(/not valid JSON/);
      expect(errorLines(result)).toHaveLength(1);
      expectClean(result, sandbox);
      expect(readFileSync(sandbox.configFile, 'utf8')).toBe(garbage);
      expect(podio.authorizeRequests).toHaveLength(0);
    });
  }
});

/**
 * The sandbox's config.json, through a store whose profile writes fail as a remote store's can: before anything is
 * written, or after the write went through, its answer lost (a stalled reply).
 */
function storeWhoseWritesFail(when: 'before' | 'after', how: 'no answer' | 'refused' = 'no answer'): ProfileStore {
  const inner = openFileStore({ dir: sandbox.configDir });
  const failing = (tx: StoreTransaction): StoreTransaction => ({
    read: () => tx.read(),
    getProfile: (name) => tx.getProfile(name),
    setDefaultProfile: (name) => tx.setDefaultProfile(name),
    async writeProfile(name, record) {
      if (when === 'after') await tx.writeProfile(name, record);
      if (how === 'refused') throw new PodioAuthError('config_unwritable', 'Could not write /somewhere (EROFS).');
      throw new PodioAuthError('redis_unavailable', 'Redis at redis://store.example:6379 did not answer within 1 s.');
    },
  });
  const store: ProfileStore = {
    kind: 'redis',
    location: 'redis://store.example:6379',
    read: (signal) => inner.read(signal),
    getProfile: (name, signal) => inner.getProfile(name, signal),
    checkWritable: (signal, secrets) => inner.checkWritable(signal, secrets),
    transact: (signal, fn) => inner.transact(signal, (tx) => fn(failing(tx))),
    storeFor: async () => store,
    close: () => inner.close(),
  };
  return store;
}

describe('a store write that fails after Podio rotated the refresh token', () => {
  it('says the login is lost, and how to get it back, when the store refused the write', async () => {
    await setup();
    const old = sandbox.storeLogin(aMinuteAgo());
    const store = storeWhoseWritesFail('before', 'refused');
    const result = await runMain(['token'], sandbox.env(), '', { deps: { store } });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(errorLines(result)).toEqual([
      expect.stringMatching(
        /Podio replaced the refresh token of profile "default", but the new one could not be stored \(Could not write \/somewhere \(EROFS\)\); .* a new login will be needed\.$/,
      ),
    ]);
    expect(result.stderr).toMatch(/^Fix the store, then run `podio-auth login`\.$/m);
    expect(storedProfile()['refresh_token']).toBe(old.refresh_token);
    expect(podio.isLiveRefreshToken(old.refresh_token)).toBe(false);
    expectClean(result, sandbox);
  });

  it('says the store may still have the new token when it did not answer, and what to do either way', async () => {
    await setup();
    const old = sandbox.storeLogin(aMinuteAgo());
    const result = await runMain(['token'], sandbox.env(), '', { deps: { store: storeWhoseWritesFail('before') } });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(errorLines(result)).toEqual([
      expect.stringMatching(
        /but the store did not confirm that it kept the new one \(Redis at .*\); it may still have it\.$/,
      ),
    ]);
    expect(result.stderr).toMatch(
      /Run the command again once the store answers; if Podio then rejects the refresh token, run `podio-auth login`\./,
    );
    expect(storedProfile()['refresh_token']).toBe(old.refresh_token);
    expect(podio.isLiveRefreshToken(old.refresh_token)).toBe(false);
    expectClean(result, sandbox);
  });

  it('reports a failed write as the store failing, not as a lost login, when Podio did not rotate', async () => {
    await setup({ rotateRefreshTokens: false });
    const old = sandbox.storeLogin(aMinuteAgo());
    const result = await runMain(['token'], sandbox.env(), '', { deps: { store: storeWhoseWritesFail('before') } });
    expect(result.code).toBe(1);
    expect(errorLines(result)).toEqual([
      expect.stringMatching(/^✗ Redis at redis:\/\/store\.example:6379 did not answer/),
    ]);
    expect(result.stderr).not.toMatch(/new login/);
    expect(podio.isLiveRefreshToken(old.refresh_token)).toBe(true);
  });

  it('prints the new token when the write landed though its answer never came', async () => {
    await setup();
    const old = sandbox.storeLogin(aMinuteAgo());
    const result = await runMain(['token'], sandbox.env(), '', { deps: { store: storeWhoseWritesFail('after') } });
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    const token = result.stdout.trim();
    expect(podio.isValidAccessToken(token)).toBe(true);
    expect(storedProfile()['access_token']).toBe(token);
    expect(storedProfile()['refresh_token']).not.toBe(old.refresh_token);
    expect(podio.grants('refresh_token')).toHaveLength(1);
  });
});

describe('a config.json that is a link', () => {
  it('writes a symlinked config.json where it really lives, keeping the link', async () => {
    const { sandbox } = await startSandbox();
    sandbox.storeLogin(aMinuteAgo());
    const real = join(sandbox.root, 'dotfiles-config.json');
    writeFileSync(real, readFileSync(sandbox.configFile), { mode: 0o600 });
    rmSync(sandbox.configFile);
    symlinkSync(real, sandbox.configFile);
    expect((await runMain(['token'], sandbox.env())).code).toBe(0);
    expect(lstatSync(sandbox.configFile).isSymbolicLink()).toBe(true);
    expect(JSON.parse(readFileSync(real, 'utf8')).profiles.default.expires_at).not.toBe(undefined);
    expect(Date.parse(JSON.parse(readFileSync(real, 'utf8')).profiles.default.expires_at)).toBeGreaterThan(Date.now());
  });
});

describe('a stored profile that does not pass the checks', () => {
  it('a stored access token that is not a string is an error about the file, never printed', async () => {
    const { sandbox } = await startSandbox();
    for (const value of [{ a: 1 }, true, 12345]) {
      sandbox.storeLogin(inAnHour());
      sandbox.editProfile('default', { access_token: value });
      const result = await runCli(['token'], sandbox.env());
      expect(result.code).toBe(1);
      expect(result.stdout).toBe('');
      expect(errorLines(result)).toEqual([
        expect.stringMatching(/profile "default" whose field "access_token" is not a string/),
      ]);
    }
  });
});

describe("Podio's answer to a refresh", () => {
  for (const expires of [1e13, 'Infinity', true, [60], 0, -1]) {
    it(`with expires_in ${JSON.stringify(expires)}: its new refresh token is stored, exit 1, one line`, async () => {
      const { podio, sandbox } = await startSandbox();
      sandbox.storeLogin(aMinuteAgo());
      const fresh = podio.issueTokens();
      podio.overrideNextTokenAnswer(() => ({
        status: 200,
        body: {
          access_token: 'a'.repeat(40),
          expires_in: expires,
          refresh_token: fresh.refresh_token,
          token_type: 'bearer',
        },
      }));
      const result = await runMain(['token'], sandbox.env());
      expect(result.code).toBe(1);
      expect(errorLines(result)).toEqual([
        expect.stringMatching(/expires_in .* The new refresh token it sent is stored/),
      ]);
      expect(result.stdout).toBe('');
      expect(sandbox.readConfig().profiles['default']!['refresh_token']).toBe(fresh.refresh_token);
      const next = await runMain(['token'], sandbox.env());
      expect(next.code).toBe(0);
    });
  }

  it('with control characters in the token: refused, nothing printed raw', async () => {
    const { podio, sandbox } = await startSandbox();
    const old = sandbox.storeLogin(aMinuteAgo());
    podio.overrideNextTokenAnswer(() => ({
      status: 200,
      body: { access_token: 'evil\u001b]0;pwned\u0007', expires_in: 3600 },
    }));
    const result = await runMain(['token'], sandbox.env());
    expect(result.code).toBe(1);
    expect(result.stdout + result.stderr).not.toContain('\u001b');
    expect(sandbox.readConfig().profiles['default']!['refresh_token']).toBe(old.refresh_token);
  });

  it('for another user than the profile: refused, nothing stored', async () => {
    const { podio, sandbox } = await startSandbox();
    const old = sandbox.storeLogin(aMinuteAgo());
    podio.overrideNextTokenAnswer(() => ({
      status: 200,
      body: {
        access_token: 'b'.repeat(40),
        expires_in: 3600,
        refresh_token: 'c'.repeat(40),
        ref: { type: 'user', id: 99 },
      },
    }));
    const result = await runMain(['token'], sandbox.env());
    expect(result.code).toBe(1);
    expect(errorLines(result)).toEqual([
      expect.stringMatching(/answered for user 99, but profile "default" belongs to user 4242; nothing was stored/),
    ]);
    expect(sandbox.readConfig().profiles['default']!['refresh_token']).toBe(old.refresh_token);
  });
});
