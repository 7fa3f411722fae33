import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SECRET_FIELDS } from '../../src/domain/profile.js';
import { getAccessToken } from '../../src/index.js';
import { createSecretRegistry } from '../../src/secrets.js';
import { openFileStore } from '../../src/store/file/store.js';
import { configKey, KEYRING_SERVICE, keyringAccount } from '../../src/store/keyring/entries.js';
import { createKeyringVault, type KeyringVault } from '../../src/store/keyring/vault.js';
import type { SecretVault } from '../../src/store/port.js';
import type { Check } from '../../src/usecases/doctor/run-doctor.js';
import { moveProfile } from '../../src/usecases/profiles.js';
import { type CliResult, errorLines, runCli, runMain, type Sandbox, startSandbox } from '../support/cli.js';
import { expectNoSecretOnDisk as expectNoSecretIn, filesUnder, inCompileCache } from '../support/disk-secrets.js';
import { APP, USER } from '../support/fake-podio.js';
import { runCliOpening, straceMissing } from '../support/opened-files.js';
import {
  type HungBus,
  type SessionBus,
  skipWithoutSecretService,
  startHungBus,
  startSessionBus,
} from '../support/secret-service.js';

/**
 * Keyring profiles end to end, on a real gnome-keyring under a private session bus: what the commands store where,
 * how they fail without a keyring, moving a profile between config.json and the keyring, doctor, and that file
 * profiles never start the keyring helper.
 */

const skip = skipWithoutSecretService('the keyring CLI tests');

const inAnHour = () => new Date(Date.now() + 3_600_000);
const aMinuteAgo = () => new Date(Date.now() - 60_000).toISOString();
const signal = new AbortController().signal;

type Secrets = Partial<Record<(typeof SECRET_FIELDS)[number], string>>;

/** Every regular file under `dir`, recursively. */
/** No file under the sandbox (config dir, HOME) holds any of `secrets`, whole. */
function expectNoSecretOnDisk(sandbox: Sandbox, secrets: Iterable<string>): void {
  expect(filesUnder(sandbox.root)).toContain(sandbox.configFile);
  const values = [...secrets];
  expect(values.length).toBeGreaterThan(0);
  expectNoSecretIn(sandbox.root, values);
}

/** The keyring account of a profile of the sandbox's config dir. */
function accountIn(sandbox: Sandbox, name = 'default'): string {
  return keyringAccount(name, configKey(sandbox.configFile));
}

function storedMetadata(sandbox: Sandbox, name = 'default'): Record<string, unknown> {
  const profile = sandbox.readConfig().profiles[name];
  if (!profile) throw new Error(`no profile "${name}" in config.json`);
  return profile;
}

function expectNoSecretFields(profile: Record<string, unknown>): void {
  for (const field of SECRET_FIELDS) expect(profile, field).not.toHaveProperty(field);
}

/** One line starting with ✗ (and its hint): an expected failure, as the tool reports it. */
function expectOneErrorLine(result: CliResult, pattern: RegExp): void {
  expect(result.code, result.stderr).toBe(1);
  expect(errorLines(result)).toEqual([expect.stringMatching(pattern)]);
  expect(result.stderr).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);
}

function tokensOf({ access_token, refresh_token }: { access_token: string; refresh_token: string }) {
  return { access_token, refresh_token };
}

/** The files under `dir` and what they hold; Node's compile cache aside (the package's code, not what a command wrote). */
function filesAndContents(dir: string): Record<string, string> {
  const written = filesUnder(dir).filter((file) => !inCompileCache(file));
  return Object.fromEntries(written.map((file) => [file, readFileSync(file, 'utf8')]));
}

describe.skipIf(skip)('keyring profiles on the command line', () => {
  let session: SessionBus;
  /** Every secret a test has seen in the keyring: none of them may ever be on disk. */
  let seen: Set<string>;

  beforeAll(async () => {
    session = await startSessionBus();
  });

  afterAll(async () => {
    await session?.stop();
  });

  afterEach(async () => {
    // Each test starts with an empty keyring.
    await session.run('secret-tool', ['clear', 'service', KEYRING_SERVICE]);
    expect(await session.search(KEYRING_SERVICE)).toEqual([]);
  });

  const envOf = (sandbox: Sandbox, extra: Record<string, string | undefined> = {}) =>
    sandbox.env({ DBUS_SESSION_BUS_ADDRESS: session.address, ...extra });

  /**
   * The keyring's entries under service podio-auth, as `secret-tool search` shows them, by account; an account of
   * a config dir (`<profile>@<16 hex digits>`) by its profile name (each test has one config dir).
   */
  async function entries(): Promise<Record<string, Secrets>> {
    const items = await session.search(KEYRING_SERVICE);
    const result: Record<string, Secrets> = {};
    for (const item of items) {
      expect(item.service).toBe(KEYRING_SERVICE);
      const secrets = JSON.parse(item.secret) as Secrets;
      for (const value of Object.values(secrets)) if (value) seen.add(value);
      result[item.account.replace(/@[0-9a-f]{16}$/, '')] = secrets;
    }
    return result;
  }

  async function entry(name = 'default'): Promise<Secrets> {
    const found = (await entries())[name];
    if (!found) throw new Error(`no keyring entry "${name}"`);
    return found;
  }

  async function setup(options: Parameters<typeof startSandbox>[0] = {}) {
    seen = new Set();
    const started = await startSandbox(options);
    seen.add(started.podio.options.clientSecret);
    return started;
  }

  async function loginToKeyring(sandbox: Sandbox, args: string[] = []): Promise<Secrets> {
    const login = await runMain(['login', '--store', 'keyring', ...args], envOf(sandbox));
    expect(login.code, login.stderr).toBe(0);
    return entry();
  }

  describe('login --store keyring', () => {
    it('keeps every secret in the keyring, none on disk; token, status, exec, api, export, library work', async () => {
      const { podio, sandbox } = await setup();
      const env = envOf(sandbox);
      const login = await runMain(['login', '--store', 'keyring'], env);
      expect(login.code, login.stderr).toBe(0);
      expect(login.stderr).toContain(`Logged in to Podio as ${USER.name} <${USER.mail}>`);
      expect(login.stderr).toContain('stored in the OS keyring');

      const secrets = await entry();
      expect(Object.keys(await entries())).toEqual(['default']);
      expect(Object.keys(secrets).sort()).toEqual(['access_token', 'client_secret', 'refresh_token']);
      expect(secrets.client_secret).toBe(podio.options.clientSecret);
      expect(podio.isValidAccessToken(secrets.access_token ?? '')).toBe(true);
      expect(podio.isLiveRefreshToken(secrets.refresh_token ?? '')).toBe(true);

      const metadata = storedMetadata(sandbox);
      expect(metadata).toMatchObject({
        store: 'keyring',
        client_id: podio.options.clientId,
        api_url: podio.url,
        grant: 'authorization_code',
        user_name: `${USER.name} <${USER.mail}>`,
      });
      expect(Date.parse(metadata['expires_at'] as string)).toBeGreaterThan(Date.now());
      expectNoSecretFields(metadata);
      expectNoSecretOnDisk(sandbox, seen);

      const accessToken = secrets.access_token ?? '';
      expect(await runMain(['token'], env)).toMatchObject({ code: 0, stdout: `${accessToken}\n`, stderr: '' });
      // Through the launcher: its fast path leaves keyring profiles to the full command.
      expect(await runCli(['token'], env)).toMatchObject({ code: 0, stdout: `${accessToken}\n`, stderr: '' });

      const status = await runMain(['status'], env);
      expect(status.code, status.stderr).toBe(0);
      expect(status.stdout).toContain(USER.name);
      expect(status.stdout).toContain(`OS keyring (service podio-auth, account "${accountIn(sandbox)}")`);

      const script = 'process.stdout.write(process.env.PODIO_ACCESS_TOKEN ?? "none")';
      expect(await runCli(['exec', '--', process.execPath, '-e', script], env)).toMatchObject({
        code: 0,
        stdout: accessToken,
      });

      const api = await runCli(['api', '/user/status'], env);
      expect(api.code, api.stderr).toBe(0);
      expect(api.stdout).toContain(USER.mail);
      expect(podio.userStatusCalls.at(-1)).toBe(`OAuth2 ${accessToken}`);

      const exported = await runMain(['export', '--format', 'json'], env);
      expect(exported.code, exported.stderr).toBe(0);
      expect(JSON.parse(exported.stdout)).toEqual({
        PODIO_CLIENT_ID: podio.options.clientId,
        PODIO_CLIENT_SECRET: podio.options.clientSecret,
        PODIO_REFRESH_TOKEN: secrets.refresh_token,
        PODIO_API_URL: podio.url,
      });

      expect(await getAccessToken({ env, profile: 'default' })).toBe(accessToken);

      const listed = await runMain(['profiles'], env);
      expect(listed.stdout).toMatch(/^\* default .* \(keyring\)$/m);
      expect(podio.grants('refresh_token')).toHaveLength(0);
      expect(await entry()).toEqual(secrets);
      expectNoSecretOnDisk(sandbox, seen);
    });

    it('login --app keeps the app token in the keyring too, and export hands out the app pair', async () => {
      const { podio, sandbox } = await setup();
      seen.add(APP.app_token);
      const env = envOf(sandbox);
      const login = await runMain(
        ['login', '--app', APP.app_id, '--store', 'keyring', '--app-token-stdin'],
        env,
        APP.app_token,
      );
      expect(login.code, login.stderr).toBe(0);
      const secrets = await entry();
      expect(secrets.app_token).toBe(APP.app_token);
      expect(storedMetadata(sandbox)).toMatchObject({ store: 'keyring', grant: 'app', app_id: APP.app_id });
      expectNoSecretFields(storedMetadata(sandbox));
      expectNoSecretOnDisk(sandbox, seen);

      expect((await runMain(['token'], env)).stdout).toBe(`${secrets.access_token}\n`);
      const exported = JSON.parse((await runMain(['export', '--format', 'json'], env)).stdout);
      expect(exported).toMatchObject({ PODIO_APP_ID: APP.app_id, PODIO_APP_TOKEN: APP.app_token });

      // Refresh token gone dead: the app grant is redone from the keyring's app token, unattended.
      podio.overrideNextTokenAnswer(() => ({ status: 400, body: { error: 'invalid_grant' } }));
      sandbox.editProfile('default', { expires_at: aMinuteAgo() });
      const redone = await runMain(['token'], env);
      expect(redone.code, redone.stderr).toBe(0);
      expect(podio.grants('app')).toHaveLength(2);
      expect((await entry()).access_token).toBe(redone.stdout.trim());
      expectNoSecretOnDisk(sandbox, seen);
    });

    it('PODIO_AUTH_STORE=keyring sends new logins to the keyring', async () => {
      const { sandbox } = await setup();
      const login = await runMain(['login'], envOf(sandbox, { PODIO_AUTH_STORE: 'keyring' }));
      expect(login.code, login.stderr).toBe(0);
      expect(storedMetadata(sandbox)['store']).toBe('keyring');
      expect((await entry()).client_secret).toBeDefined();
      expectNoSecretOnDisk(sandbox, seen);
    });
  });

  describe('refresh', () => {
    it('stores the rotated refresh token in the keyring, and only metadata in config.json', async () => {
      const { podio, sandbox } = await setup({ rotateRefreshTokens: true });
      const before = await loginToKeyring(sandbox);
      sandbox.editProfile('default', { expires_at: aMinuteAgo() });
      const result = await runMain(['token'], envOf(sandbox));
      expect(result.code, result.stderr).toBe(0);

      const after = await entry();
      expect(result.stdout).toBe(`${after.access_token}\n`);
      expect(after.access_token).not.toBe(before.access_token);
      expect(after.refresh_token).not.toBe(before.refresh_token);
      expect(podio.isLiveRefreshToken(after.refresh_token ?? '')).toBe(true);
      expect(podio.isLiveRefreshToken(before.refresh_token ?? '')).toBe(false);
      expect(podio.grants('refresh_token').map((grant) => grant.fields['refresh_token'])).toEqual([
        before.refresh_token,
      ]);
      const metadata = storedMetadata(sandbox);
      expect(Date.parse(metadata['expires_at'] as string)).toBeGreaterThan(Date.now());
      expect(Date.now() - Date.parse(metadata['refresh_obtained_at'] as string)).toBeLessThan(60_000);
      expectNoSecretFields(metadata);
      expectNoSecretOnDisk(sandbox, seen);

      // The next call takes the stored token, without Podio.
      expect((await runMain(['token'], envOf(sandbox))).stdout).toBe(result.stdout);
      expect(podio.grants('refresh_token')).toHaveLength(1);
    });

    it('makes exactly one refresh for twelve concurrent token processes on an expired, rotating token', async () => {
      const { podio, sandbox } = await setup({ tokenDelayMs: 300, rotateRefreshTokens: true });
      await loginToKeyring(sandbox);
      sandbox.editProfile('default', { expires_at: aMinuteAgo() });
      const env = envOf(sandbox);
      const results = await Promise.all(Array.from({ length: 12 }, () => runCli(['token'], env)));
      const stored = await entry();
      for (const result of results) {
        expect(result.stderr).toBe('');
        expect(result.code).toBe(0);
        expect(result.stdout).toBe(`${stored.access_token}\n`);
      }
      expect(podio.grants('refresh_token')).toHaveLength(1);
      expect(podio.isValidAccessToken(stored.access_token ?? '')).toBe(true);
      expect(podio.isLiveRefreshToken(stored.refresh_token ?? '')).toBe(true);
      expect(existsSync(`${sandbox.configFile}.lock`)).toBe(false);
      expectNoSecretOnDisk(sandbox, seen);
    }, 90_000);
  });

  describe('logout', () => {
    it('removes the entry, keeps what the next login needs; the next login goes to the keyring again', async () => {
      const { podio, sandbox } = await setup();
      await loginToKeyring(sandbox);
      const env = envOf(sandbox);
      const logout = await runMain(['logout'], env);
      expect(logout.code, logout.stderr).toBe(0);
      expect(await entries()).toEqual({});
      const kept = storedMetadata(sandbox);
      expect(kept).toEqual({
        grant: 'authorization_code',
        store: 'keyring',
        client_id: podio.options.clientId,
        auth_url: podio.url,
        api_url: podio.url,
        redirect_host: 'localhost',
        keyring_account: accountIn(sandbox),
      });
      expect((await runMain(['token'], env)).code).toBe(4);

      const again = await runMain(['login'], env);
      expect(again.code, again.stderr).toBe(0);
      expect((await entry()).refresh_token).toBeDefined();
      expectNoSecretFields(storedMetadata(sandbox));
      expectNoSecretOnDisk(sandbox, seen);
    });

    it('logout --forget removes the entry and the profile', async () => {
      const { sandbox } = await setup();
      await loginToKeyring(sandbox);
      await loginToKeyring(sandbox, ['--profile', 'work']);
      expect(Object.keys(await entries()).sort()).toEqual(['default', 'work']);
      const forget = await runMain(['logout', '--forget', '--profile', 'work'], envOf(sandbox));
      expect(forget.code, forget.stderr).toBe(0);
      expect(Object.keys(await entries())).toEqual(['default']);
      expect(Object.keys(sandbox.readConfig().profiles)).toEqual(['default']);
      const all = await runMain(['logout', '--all', '--forget'], envOf(sandbox));
      expect(all.code, all.stderr).toBe(0);
      expect(await entries()).toEqual({});
      expect(sandbox.readConfig().profiles).toEqual({});
    });
  });

  describe('without a reachable keyring', () => {
    const noBus = (sandbox: Sandbox, extra: Record<string, string | undefined> = {}) => sandbox.env(extra);
    const NO_BUS = /^✗ Keyring unavailable: no D-Bus session bus \(DBUS_SESSION_BUS_ADDRESS is not set\)\.$/;

    it('a keyring profile fails with exit 1 and one line naming cause and fix; nothing is written', async () => {
      const { podio, sandbox } = await setup();
      await loginToKeyring(sandbox);
      sandbox.editProfile('default', { expires_at: aMinuteAgo() });
      const before = filesAndContents(sandbox.root);
      for (const args of [
        ['token'],
        ['token', '--json'],
        ['status'],
        ['export'],
        ['logout'],
        ['api', '/user/status'],
      ]) {
        const result = await runMain(args, noBus(sandbox));
        expectOneErrorLine(result, NO_BUS);
        expect(result.stderr).toMatch(/dbus-run-session.*`podio-auth login --store file`/);
        expect(result.stdout).toBe('');
      }
      // The launcher, as a script would run it.
      const cli = await runCli(['token'], noBus(sandbox));
      expectOneErrorLine(cli, NO_BUS);
      expect(filesAndContents(sandbox.root)).toEqual(before);
      expectNoSecretFields(storedMetadata(sandbox));
      expectNoSecretOnDisk(sandbox, seen);
      expect(podio.grants('refresh_token')).toHaveLength(0);
    });

    it('login --store keyring fails before the browser opens, and writes nothing', async () => {
      const { podio, sandbox } = await setup();
      for (const env of [noBus(sandbox), noBus(sandbox, { PODIO_AUTH_STORE: 'keyring' })]) {
        const args = env['PODIO_AUTH_STORE'] ? ['login'] : ['login', '--store', 'keyring'];
        const result = await runMain(args, env);
        expectOneErrorLine(result, NO_BUS);
      }
      const app = await runMain(['login', '--app', APP.app_id, '--store', 'keyring'], {
        ...noBus(sandbox),
        PODIO_APP_TOKEN: APP.app_token,
      });
      expectOneErrorLine(app, NO_BUS);
      expect(podio.authorizeRequests).toHaveLength(0);
      expect(podio.tokenRequests).toHaveLength(0);
      expect(existsSync(sandbox.configFile)).toBe(false);

      // Beside a file profile: config.json stays as it was.
      sandbox.storeLogin(inAnHour());
      const before = readFileSync(sandbox.configFile, 'utf8');
      expectOneErrorLine(await runMain(['login', '--store', 'keyring', '--profile', 'work'], noBus(sandbox)), NO_BUS);
      expect(readFileSync(sandbox.configFile, 'utf8')).toBe(before);
      expect(podio.authorizeRequests).toHaveLength(0);
    });

    it('a locked keyring: one clear line, exit 1, no prompt, nothing written, no browser', async () => {
      const { podio, sandbox } = await setup();
      const locked = await startSessionBus();
      try {
        const env = sandbox.env({ DBUS_SESSION_BUS_ADDRESS: locked.address });
        const login = await runMain(['login', '--store', 'keyring'], env);
        expect(login.code, login.stderr).toBe(0);
        const secrets = JSON.parse((await locked.search(KEYRING_SERVICE))[0]?.secret ?? '{}') as Secrets;
        for (const value of Object.values(secrets)) if (value) seen.add(value);
        sandbox.editProfile('default', { expires_at: aMinuteAgo() });
        const authorizeBefore = podio.authorizeRequests.length;
        await locked.lock();
        const before = filesAndContents(sandbox.root);

        const LOCKED = /^✗ Keyring locked: it could not be unlocked without a prompt \(.+\)\.$/;
        for (const args of [['token'], ['status'], ['export']]) {
          const result = await runMain(args, env);
          expectOneErrorLine(result, LOCKED);
          expect(result.stderr).toMatch(/Unlock it .*`podio-auth login --store file`/);
        }
        expectOneErrorLine(await runMain(['login', '--store', 'keyring', '--profile', 'work'], env), LOCKED);
        expect(podio.authorizeRequests).toHaveLength(authorizeBefore);
        expect(podio.grants('refresh_token')).toHaveLength(0);
        expect(filesAndContents(sandbox.root)).toEqual(before);
        expectNoSecretOnDisk(sandbox, seen);
        expect(await locked.isLocked()).toBe(true);
      } finally {
        await locked.stop();
      }
    });
  });

  describe('moving a profile between config.json and the keyring', () => {
    it('profiles move --to keyring and back: the login keeps working, no copy is left behind', async () => {
      const { podio, sandbox } = await setup();
      const env = envOf(sandbox);
      expect((await runMain(['login'], env)).code).toBe(0);
      const fileProfile = storedMetadata(sandbox);
      const secrets: Secrets = {
        client_secret: fileProfile['client_secret'] as string,
        access_token: fileProfile['access_token'] as string,
        refresh_token: fileProfile['refresh_token'] as string,
      };
      for (const value of Object.values(secrets)) if (value) seen.add(value);

      const toKeyring = await runMain(['profiles', 'move', 'default', '--to', 'keyring'], env);
      expect(toKeyring.code, toKeyring.stderr).toBe(0);
      expect(toKeyring.stderr).toContain('Profile "default" moved: its secrets are now in the OS keyring');
      expect(await entries()).toEqual({ default: secrets });
      const { store, ...metadataBefore } = { ...fileProfile };
      expect(store).toBeUndefined();
      for (const field of SECRET_FIELDS) delete metadataBefore[field];
      expect(storedMetadata(sandbox)).toEqual({
        ...metadataBefore,
        store: 'keyring',
        keyring_account: accountIn(sandbox),
      });
      expectNoSecretOnDisk(sandbox, seen);
      expect(await runMain(['token'], env)).toMatchObject({ code: 0, stdout: `${secrets.access_token}\n` });

      const again = await runMain(['profiles', 'move', 'default', '--to', 'keyring'], env);
      expect(again.code).toBe(0);
      expect(again.stderr).toMatch(
        /already keeps its secrets in the OS keyring \(service podio-auth, .*; nothing to do\.$/m,
      );

      const toFile = await runMain(['profiles', 'move', 'default', '--to', 'file'], env);
      expect(toFile.code, toFile.stderr).toBe(0);
      expect(toFile.stderr).toContain(`Profile "default" moved: its secrets are now in ${sandbox.configFile}.`);
      expect(await entries()).toEqual({});
      expect(storedMetadata(sandbox)).toEqual(fileProfile);
      expect(await runCli(['token'], env)).toMatchObject({ code: 0, stdout: `${secrets.access_token}\n` });

      // And a refresh after the round trip uses the same login.
      sandbox.editProfile('default', { expires_at: aMinuteAgo() });
      expect((await runMain(['token'], env)).code).toBe(0);
      expect(podio.grants('refresh_token')[0]?.fields['refresh_token']).toBe(secrets.refresh_token);
    });

    it('login --store file moves a keyring profile back; login --store keyring moves a file profile in', async () => {
      const { sandbox } = await setup();
      const env = envOf(sandbox);
      await loginToKeyring(sandbox);
      const toFile = await runMain(['login', '--store', 'file'], env);
      expect(toFile.code, toFile.stderr).toBe(0);
      expect(await entries()).toEqual({});
      const fileProfile = storedMetadata(sandbox);
      expect(fileProfile['store']).toBeUndefined();
      expect(fileProfile['refresh_token']).toBeDefined();
      expect((await runMain(['token'], env)).stdout).toBe(`${fileProfile['access_token']}\n`);

      const toKeyring = await runMain(['login', '--store', 'keyring'], env);
      expect(toKeyring.code, toKeyring.stderr).toBe(0);
      const secrets = await entry();
      expectNoSecretFields(storedMetadata(sandbox));
      expect((await runMain(['token'], env)).stdout).toBe(`${secrets.access_token}\n`);
      seen.add(fileProfile['refresh_token'] as string);
      seen.add(fileProfile['access_token'] as string);
      expectNoSecretOnDisk(sandbox, seen);
    });

    it('refuses what it cannot do, in one line, changing nothing', async () => {
      const { sandbox } = await setup();
      sandbox.storeLogin(inAnHour());
      const env = envOf(sandbox);
      const before = readFileSync(sandbox.configFile, 'utf8');
      const unknown = await runMain(['profiles', 'move', 'nobody', '--to', 'keyring'], env);
      expect(unknown.code).toBe(2);
      expect(errorLines(unknown)).toEqual(['✗ There is no profile "nobody". Profiles: default.']);
      const bad = await runMain(['profiles', 'move', 'default', '--to', 'vault'], env);
      expect(bad.code).toBe(2);
      expect(errorLines(bad)).toHaveLength(1);
      const missingTo = await runMain(['profiles', 'move', 'default'], env);
      expect(missingTo.code).toBe(2);

      // No keyring: neither direction changes anything.
      const noKeyring = await runMain(['profiles', 'move', 'default', '--to', 'keyring'], sandbox.env());
      expectOneErrorLine(noKeyring, /^✗ Keyring unavailable: no D-Bus session bus/);
      expect(readFileSync(sandbox.configFile, 'utf8')).toBe(before);
      expect((await runMain(['profiles', 'move', 'default', '--to', 'keyring'], env)).code).toBe(0);
      const keyringConfig = readFileSync(sandbox.configFile, 'utf8');
      const back = await runMain(['profiles', 'move', 'default', '--to', 'file'], sandbox.env());
      expectOneErrorLine(back, /^✗ Keyring unavailable: no D-Bus session bus/);
      expect(readFileSync(sandbox.configFile, 'utf8')).toBe(keyringConfig);
      expect(Object.keys(await entries())).toEqual(['default']);
    });

    it('login --store file is a way out of a keyring that is gone: login stored, stale entry named', async () => {
      const { sandbox } = await setup();
      const old = await loginToKeyring(sandbox);
      const result = await runMain(['login', '--store', 'file'], sandbox.env());
      expectOneErrorLine(
        result,
        new RegExp(
          '^✗ Profile "default" is now kept in .*config\\.json, but its old keyring entry could not be removed: ' +
            'Keyring unavailable: no D-Bus session bus',
        ),
      );
      expect(result.stderr).toContain('`PODIO_AUTH_STORE=keyring podio-auth doctor --fix`');
      const profile = storedMetadata(sandbox);
      expect(profile['store']).toBeUndefined();
      expect(profile['refresh_token']).not.toBe(old.refresh_token);
      expect((await runMain(['token'], sandbox.env())).stdout).toBe(`${profile['access_token']}\n`);
      // The keyring is back: doctor finds the stale entry and removes it.
      const doctor = await runMain(['doctor', '--fix', '--json'], envOf(sandbox, { PODIO_AUTH_STORE: 'keyring' }));
      const checks = (JSON.parse(doctor.stdout) as { checks: Check[] }).checks;
      expect(checks.find((item) => item.name === 'keyring-orphans')).toMatchObject({ status: 'ok' });
      expect(await entries()).toEqual({});
    });

    describe('in the store: one of the two places always holds the secrets', () => {
      let vault: KeyringVault;

      beforeAll(() => {
        vault = createKeyringVault({ env: session.env });
      });

      afterAll(() => vault?.close());

      /** A file store on the sandbox's config dir whose keyring calls go through `wrap`. */
      function storeOn(sandbox: Sandbox, wrap: (real: SecretVault) => Partial<SecretVault> = () => ({})) {
        const store = openFileStore({
          dir: sandbox.configDir,
          openVault: async () => ({ ...vault, ...wrap(vault) }),
        });
        return store;
      }

      const move = (store: ReturnType<typeof storeOn>, to: 'file' | 'keyring') =>
        moveProfile({ name: 'default', to }, { store, signal, secrets: createSecretRegistry() });

      it('to the keyring: when the entry is written, config.json still holds the secrets', async () => {
        const { sandbox } = await setup();
        const tokens = sandbox.storeLogin(inAnHour());
        const reader = storeOn(sandbox);
        const seenInBetween: unknown[] = [];
        const mover = storeOn(sandbox, (real) => ({
          set: async (name, value, callSignal) => {
            await real.set(name, value, callSignal);
            seenInBetween.push(await reader.getProfile('default', signal));
          },
        }));
        await move(mover, 'keyring');
        expect(seenInBetween).toEqual([expect.objectContaining({ refresh_token: tokens.refresh_token })]);
        expect(seenInBetween[0]).not.toHaveProperty('store');
        expect(await reader.getProfile('default', signal)).toMatchObject({
          store: 'keyring',
          refresh_token: tokens.refresh_token,
        });
        expect(JSON.parse((await vault.get(accountIn(sandbox), signal)) ?? '{}')).toMatchObject(tokensOf(tokens));
      });

      it('to the file: when the entry is removed, config.json already holds the secrets', async () => {
        const { sandbox } = await setup();
        const tokens = sandbox.storeLogin(inAnHour());
        await move(storeOn(sandbox), 'keyring');
        const reader = storeOn(sandbox);
        const seenInBetween: unknown[] = [];
        const mover = storeOn(sandbox, (real) => ({
          delete: async (name, callSignal) => {
            seenInBetween.push({ entry: await real.get(name, callSignal), file: storedMetadata(sandbox) });
            return real.delete(name, callSignal);
          },
        }));
        await move(mover, 'file');
        expect(seenInBetween).toEqual([
          {
            entry: expect.stringContaining(tokens.refresh_token),
            file: expect.objectContaining({ refresh_token: tokens.refresh_token }),
          },
        ]);
        expect(await vault.get(accountIn(sandbox), signal)).toBeUndefined();
        expect(await reader.getProfile('default', signal)).toMatchObject(tokensOf(tokens));
      });

      it('a reader that saw a keyring profile, and finds the entry gone, takes the secrets from the file', async () => {
        const { sandbox } = await setup();
        const tokens = sandbox.storeLogin(inAnHour());
        const mover = storeOn(sandbox);
        await move(mover, 'keyring');
        // The reader has read config.json (a keyring profile); the move to the file runs before it asks the keyring.
        const reader = storeOn(sandbox, (real) => ({
          get: async (name, callSignal) => {
            await move(mover, 'file');
            return real.get(name, callSignal);
          },
        }));
        expect(await reader.getProfile('default', signal)).toMatchObject(tokensOf(tokens));
        expect(storedMetadata(sandbox)['store']).toBeUndefined();
      });
    });
  });

  describe('doctor', () => {
    const checksOf = (result: CliResult): Check[] => (JSON.parse(result.stdout) as { checks: Check[] }).checks;
    const named = (checks: Check[], name: string) => checks.find((item) => item.name === name);

    it("reports the keyring, each profile's store, and this dir's entries no profile owns; --fix removes those", async () => {
      const { sandbox } = await setup();
      await loginToKeyring(sandbox);
      sandbox.storeLogin(inAnHour(), 'plain');
      const store = (account: string, value: string) =>
        session.run(
          'secret-tool',
          ['store', '--label=left over', 'service', KEYRING_SERVICE, 'username', account],
          value,
        );
      await store(accountIn(sandbox, 'ghost'), '{"refresh_token":"rt-ghost"}');
      // An entry named like a file profile is left over too.
      await store(accountIn(sandbox, 'plain'), '{"refresh_token":"rt-plain"}');
      // Not this dir's: another dir's, one named as 0.2.0 named them, and another program's.
      await store('ghost@0123456789abcdef', '{"refresh_token":"rt-elsewhere"}');
      await store('ghost', '{"refresh_token":"rt-legacy"}');
      await store('someone@example.com', 'not ours');
      const env = envOf(sandbox);
      const key = configKey(sandbox.configFile);

      const report = await runMain(['doctor', '--json'], env);
      expect(report.code, report.stdout).toBe(0);
      const checks = checksOf(report);
      expect(named(checks, 'keyring')).toMatchObject({
        status: 'ok',
        detail: `OS keyring reachable (used by "default"): 6 entries under service podio-auth, 3 of this config directory (key ${key})`,
      });
      expect(named(checks, 'profile:default')?.detail).toMatch(/^profile "default" \(keyring\): access token expires/);
      expect(named(checks, 'profile:plain')?.detail).toMatch(/^profile "plain" \(file\): access token expires/);
      expect(named(checks, 'keyring-orphans')).toEqual({
        name: 'keyring-orphans',
        status: 'warn',
        detail: `Keyring entries of this config directory that no keyring profile owns: "ghost@${key}", "plain@${key}".`,
        hint:
          'They hold secrets podio-auth no longer uses. Remove them: `podio-auth doctor --fix` ' +
          '(or, on Linux, `secret-tool clear service podio-auth username <account>`).',
      });
      expect(named(checks, 'keyring-others')).toEqual({
        name: 'keyring-others',
        status: 'info',
        detail:
          "Left alone: 3 entries under service podio-auth that are not this config directory's (2 of other config " +
          "directories or programs; 1 named as podio-auth 0.2.0 named them, which may be any config directory's).",
      });
      expect(named(checks, 'login')).toMatchObject({ status: 'ok' });
      const text = await runMain(['doctor'], env);
      expect(text.stdout).toContain('✓ OS keyring reachable (used by "default")');
      expect(text.stdout).toContain('! Keyring entries of this config directory that no keyring profile owns');

      const fixed = await runMain(['doctor', '--fix', '--json'], env);
      expect(named(checksOf(fixed), 'keyring-orphans')).toMatchObject({
        status: 'ok',
        detail: `Removed keyring entries of this config directory that no keyring profile owned: "ghost@${key}", "plain@${key}"`,
      });
      const left = (await session.search(KEYRING_SERVICE)).map((item) => [item.account, item.secret]).sort();
      expect(left).toEqual(
        [
          [accountIn(sandbox), expect.stringContaining('refresh_token')],
          ['ghost', '{"refresh_token":"rt-legacy"}'],
          ['ghost@0123456789abcdef', '{"refresh_token":"rt-elsewhere"}'],
          ['someone@example.com', 'not ours'],
        ].sort(),
      );
      expect(named(checksOf(await runMain(['doctor', '--json'], env)), 'keyring-orphans')).toBeUndefined();
    });

    it('fails when the keyring cannot be reached, or a keyring profile has lost its entry', async () => {
      const { sandbox } = await setup();
      await loginToKeyring(sandbox);
      const unreachable = await runMain(['doctor', '--json'], sandbox.env());
      expect(unreachable.code).toBe(1);
      expect(named(checksOf(unreachable), 'keyring')).toMatchObject({
        status: 'fail',
        detail: 'Keyring unavailable: no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is not set) (used by "default").',
        hint: expect.stringContaining('`podio-auth login --store file`'),
      });

      await session.run('secret-tool', ['clear', 'service', KEYRING_SERVICE, 'username', accountIn(sandbox)]);
      const lost = await runMain(['doctor', '--json'], envOf(sandbox));
      expect(lost.code).toBe(1);
      expect(named(checksOf(lost), 'keyring-entry:default')).toMatchObject({
        status: 'fail',
        detail: `profile "default" (keyring) has no entry in the keyring (account "${accountIn(sandbox)}"): its secrets are gone.`,
      });
    });

    it('checks the keyring for PODIO_AUTH_STORE=keyring before any profile uses it', async () => {
      const { sandbox } = await setup();
      const result = await runMain(['doctor', '--json'], envOf(sandbox, { PODIO_AUTH_STORE: 'keyring' }));
      expect(named(checksOf(result), 'keyring')).toMatchObject({
        status: 'ok',
        detail: `OS keyring reachable (PODIO_AUTH_STORE=keyring): 0 entries under service podio-auth, 0 of this config directory (key ${configKey(sandbox.configFile)})`,
      });
    });
  });
});

describe.skipIf(skip)('file profiles and env-only mode never touch the keyring', () => {
  let dir: string;
  let hung: HungBus;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'podio-auth-keyring-cli-'));
    // A bus that accepts and never answers: any keyring call would connect to it (counted) and hang.
    hung = await startHungBus(dir);
  });

  afterAll(async () => {
    await hung?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const onHungBus = (sandbox: Sandbox, extra: Record<string, string | undefined> = {}) =>
    sandbox.env({ DBUS_SESSION_BUS_ADDRESS: hung.address, PODIO_AUTH_KEYRING_TIMEOUT: '1', ...extra });
  /** The keyring's native module (in this process or the keyring helper's), among the files a run opened. */
  const keyringModules = (opened: string[]) => opened.filter((file) => /@napi-rs[\\/]keyring/.test(file));

  it.skipIf(straceMissing())(
    'token on a file profile, fast and full path (and a refresh), never loads or calls the keyring',
    async () => {
      const { podio, sandbox } = await startSandbox();
      const { access_token } = sandbox.storeLogin(inAnHour());
      const connections = hung.connections;

      const fast = await runCliOpening(['token'], onHungBus(sandbox));
      expect(fast.result.code).toBe(0);
      expect(fast.result.stdout).toBe(`${access_token}\n`);
      expect(fast.opened).toContainEqual(expect.stringMatching(/dist\/fast-token\.cjs$/));
      expect(fast.opened.filter((file) => /dist\/cli\//.test(file))).toEqual([]);
      expect(keyringModules(fast.opened)).toEqual([]);

      const full = await runCliOpening(['token', '--json'], onHungBus(sandbox));
      expect(full.result.code).toBe(0);
      expect(full.opened).toContainEqual(expect.stringMatching(/dist\/cli\/cli\.js$/));
      expect(keyringModules(full.opened)).toEqual([]);

      sandbox.editProfile('default', { expires_at: aMinuteAgo() });
      const refreshed = await runCliOpening(['token'], onHungBus(sandbox));
      expect(refreshed.result.code).toBe(0);
      expect(podio.grants('refresh_token')).toHaveLength(1);
      expect(keyringModules(refreshed.opened)).toEqual([]);

      for (const args of [['status'], ['doctor', '--json'], ['logout']]) {
        const { result, opened } = await runCliOpening(args, onHungBus(sandbox));
        expect(result.code, `${args[0]}: ${errorLines(result).join(' ')}`).toBe(0);
        expect(keyringModules(opened), args[0]).toEqual([]);
        if (args[0] === 'doctor') expect(result.stdout).not.toMatch(/"name": "keyring/);
      }
      expect(hung.connections).toBe(connections);
    },
  );

  it.skipIf(straceMissing())(
    '(the same probes see a keyring profile load the module and call the keyring)',
    async () => {
      const { sandbox } = await startSandbox();
      sandbox.writeConfig({ profiles: { default: { client_id: 'c', store: 'keyring', expires_at: aMinuteAgo() } } });
      const connections = hung.connections;
      const { result, opened } = await runCliOpening(['token'], onHungBus(sandbox));
      expect(result.code).toBe(1);
      expect(keyringModules(opened)).not.toEqual([]);
      expect(result.stderr).toMatch(/^✗ Keyring unavailable: no answer within 1 s/m);
      expect(hung.connections).toBeGreaterThan(connections);
    },
  );

  it('env-only mode with PODIO_AUTH_STORE=keyring: tokens from the environment, no store, no keyring', async () => {
    const { podio, sandbox } = await startSandbox();
    const issued = podio.issueTokens();
    const connections = hung.connections;
    const env = onHungBus(sandbox, { PODIO_AUTH_STORE: 'keyring', PODIO_REFRESH_TOKEN: issued.refresh_token });
    const token = await runMain(['token'], env);
    expect(token.code, token.stderr).toBe(0);
    expect(podio.isValidAccessToken(token.stdout.trim())).toBe(true);
    const app = await runMain(['token'], {
      ...env,
      PODIO_REFRESH_TOKEN: undefined,
      PODIO_APP_ID: APP.app_id,
      PODIO_APP_TOKEN: APP.app_token,
    });
    expect(app.code, app.stderr).toBe(0);
    expect(existsSync(sandbox.configDir)).toBe(false);
    expect(hung.connections).toBe(connections);
  });
});
