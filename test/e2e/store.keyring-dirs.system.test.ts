import { cpSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { configKey, KEYRING_SERVICE, keyringAccount } from '../../src/store/keyring/entries.js';
import type { Check } from '../../src/usecases/doctor/run-doctor.js';
import { type CliResult, errorLines, runMain, type Sandbox, startSandbox } from '../support/cli.js';
import { APP } from '../support/fake-podio.js';
import { type SessionBus, skipWithoutSecretService, startSessionBus } from '../support/secret-service.js';

/**
 * Keyring entries belong to one config dir, on a real gnome-keyring under a private session bus: two dirs with the
 * same profile name never share an entry, doctor --fix in one never touches another's, an item another program
 * keeps under service podio-auth is never read, overwritten or deleted, and an entry of podio-auth 0.2.0 (named for
 * the profile alone) is moved to its new name when it is this profile's, and left alone when it is not.
 */

const skip = skipWithoutSecretService('the keyring config-dir tests');

const inAnHour = () => new Date(Date.now() + 3_600_000);
const checksOf = (result: CliResult): Check[] => (JSON.parse(result.stdout) as { checks: Check[] }).checks;

function accountIn(sandbox: Sandbox, name = 'default'): string {
  return keyringAccount(name, configKey(sandbox.configFile));
}

describe.skipIf(skip)('keyring entries per config dir', () => {
  let session: SessionBus;

  beforeAll(async () => {
    session = await startSessionBus();
  });

  afterAll(async () => {
    await session?.stop();
  });

  afterEach(async () => {
    await session.run('secret-tool', ['clear', 'service', KEYRING_SERVICE]);
  });

  const envOf = (sandbox: Sandbox, extra: Record<string, string | undefined> = {}) =>
    sandbox.env({ DBUS_SESSION_BUS_ADDRESS: session.address, ...extra });

  /** Every item under service podio-auth: account → secret. */
  async function items(): Promise<Record<string, string>> {
    return Object.fromEntries((await session.search(KEYRING_SERVICE)).map((item) => [item.account, item.secret]));
  }

  /** An item another program keeps (secret-tool, with an attribute of its own). */
  async function storeForeign(account: string, secret: string): Promise<void> {
    const args = ['store', '--label=another program', 'service', KEYRING_SERVICE, 'username', account, 'app', 'x'];
    const stored = await session.run('secret-tool', args, secret);
    expect(stored.code, stored.stderr).toBe(0);
  }

  async function login(sandbox: Sandbox, args: string[] = [], stdin?: string): Promise<void> {
    const result = await runMain(['login', '--store', 'keyring', ...args], envOf(sandbox), stdin);
    expect(result.code, result.stderr).toBe(0);
  }

  it('two config dirs with a profile "default" keep two entries: an app login in B leaves A the user', async () => {
    const { sandbox: a } = await startSandbox();
    const { sandbox: b } = await startSandbox();
    await login(a);
    const tokenA = (await runMain(['token'], envOf(a))).stdout;
    await login(b, ['--app', APP.app_id, '--app-token-stdin'], APP.app_token);

    expect(accountIn(a)).not.toBe(accountIn(b));
    const stored = await items();
    expect(Object.keys(stored).sort()).toEqual([accountIn(a), accountIn(b)].sort());
    expect(JSON.parse(stored[accountIn(a)] ?? '{}')).not.toHaveProperty('app_token');
    expect(JSON.parse(stored[accountIn(b)] ?? '{}')).toMatchObject({ app_token: APP.app_token });
    expect(a.readConfig().profiles['default']).toMatchObject({ keyring_account: accountIn(a) });

    const again = await runMain(['token'], envOf(a));
    expect(again).toMatchObject({ code: 0, stdout: tokenA });
    const status = await runMain(['status', '--json'], envOf(a));
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).not.toContain('no user behind this token');
  });

  it('a config dir reached through a link is the same dir: same entry', async () => {
    const { sandbox } = await startSandbox();
    await login(sandbox);
    const linked = join(sandbox.root, 'linked');
    symlinkSync(sandbox.configDir, linked);
    const token = await runMain(['token'], envOf(sandbox, { PODIO_AUTH_CONFIG_DIR: linked }));
    expect(token.code, token.stderr).toBe(0);
    expect(Object.keys(await items())).toEqual([accountIn(sandbox)]);
  });

  it("a copied config dir does not reach the original's entry: log in again there, the original keeps working", async () => {
    const { sandbox } = await startSandbox();
    await login(sandbox);
    const copy = join(sandbox.root, 'copy');
    cpSync(sandbox.configDir, copy, { recursive: true });
    const copyEnv = envOf(sandbox, { PODIO_AUTH_CONFIG_DIR: copy });
    const copyKey = configKey(join(copy, 'config.json'));
    const token = await runMain(['token'], copyEnv);
    expect(token.code).toBe(4);
    expect(token.stdout).toBe('');
    const doctor = await runMain(['doctor', '--json'], copyEnv);
    expect(checksOf(doctor).find((item) => item.name === 'keyring-entry:default')).toMatchObject({
      status: 'fail',
      detail: expect.stringContaining(
        `was stored under account "${accountIn(sandbox)}", and this config file is now elsewhere (moved or ` +
          `copied), where its account is "default@${copyKey}"`,
      ),
    });
    expect((await runMain(['token'], envOf(sandbox))).code).toBe(0);
    expect(Object.keys(await items())).toEqual([accountIn(sandbox)]);
  });

  it("doctor --fix in A leaves B's entries, and B's profile that A does not have", async () => {
    const { sandbox: a } = await startSandbox();
    const { sandbox: b } = await startSandbox();
    await login(a);
    await login(b);
    await login(b, ['--profile', 'work']);
    const before = await items();
    expect(Object.keys(before)).toHaveLength(3);

    const fixed = await runMain(['doctor', '--fix', '--json'], envOf(a));
    expect(fixed.code, fixed.stdout).toBe(0);
    expect(checksOf(fixed).find((item) => item.name === 'keyring-orphans')).toBeUndefined();
    expect(checksOf(fixed).find((item) => item.name === 'keyring-others')).toMatchObject({ status: 'info' });
    expect(await items()).toEqual(before);
    expect((await runMain(['token', '--profile', 'work'], envOf(b))).code).toBe(0);
  });

  it('an item another program keeps under podio-auth / default is never read, overwritten or deleted', async () => {
    const { sandbox } = await startSandbox();
    await storeForeign('default', 'not a podio-auth secret');
    await login(sandbox);
    expect((await runMain(['token'], envOf(sandbox))).code).toBe(0);
    expect((await runMain(['status'], envOf(sandbox))).code).toBe(0);
    expect((await runMain(['doctor', '--fix'], envOf(sandbox))).code).toBe(0);
    expect((await runMain(['logout', '--forget'], envOf(sandbox))).code).toBe(0);
    expect((await runMain(['doctor', '--fix'], envOf(sandbox, { PODIO_AUTH_STORE: 'keyring' }))).code).toBe(0);
    expect(await items()).toEqual({ default: 'not a podio-auth secret' });
  });

  describe('entries of podio-auth 0.2.0 (account = the profile name)', () => {
    /** What 0.2.0 left: a keyring profile without `keyring_account`, and its secrets under `podio-auth/<name>`. */
    async function storeLegacy(sandbox: Sandbox, name = 'default', extra: Record<string, string> = {}) {
      const tokens = sandbox.storeLogin(inAnHour(), name);
      const { client_secret, access_token, refresh_token, ...metadata } = sandbox.readConfig().profiles[name] ?? {};
      sandbox.editProfile(name, {});
      const config = sandbox.readConfig();
      config.profiles[name] = { ...metadata, store: 'keyring' };
      sandbox.writeConfig(config);
      const secrets = JSON.stringify({ client_secret, access_token, refresh_token, ...extra });
      const stored = await session.run(
        'secret-tool',
        ['store', '--label=0.2.0', 'service', KEYRING_SERVICE, 'username', name],
        secrets,
      );
      expect(stored.code, stored.stderr).toBe(0);
      return { tokens, secrets };
    }

    it('is moved to the new name on first use: the login is kept, the old entry is gone', async () => {
      const { sandbox } = await startSandbox();
      const { tokens, secrets } = await storeLegacy(sandbox);
      const token = await runMain(['token'], envOf(sandbox));
      expect(token).toMatchObject({ code: 0, stdout: `${tokens.access_token}\n` });
      expect(await items()).toEqual({ [accountIn(sandbox)]: secrets });
      expect(sandbox.readConfig().profiles['default']).toMatchObject({
        store: 'keyring',
        keyring_account: accountIn(sandbox),
      });
      expect(sandbox.readConfig().profiles['default']).not.toHaveProperty('refresh_token');
      expect(await runMain(['token'], envOf(sandbox))).toMatchObject({ code: 0, stdout: `${tokens.access_token}\n` });
    });

    it('two 0.2.0 dirs that shared the entry: the first takes it, the second is told why it is logged out', async () => {
      const a = (await startSandbox()).sandbox;
      const b = (await startSandbox()).sandbox;
      const { tokens } = await storeLegacy(a);
      // B is the same 0.2.0 profile in another dir: metadata only, its secrets in the one shared entry.
      b.writeConfig({ profiles: { default: a.readConfig().profiles['default'] } });
      expect(await runMain(['token'], envOf(a))).toMatchObject({ code: 0, stdout: `${tokens.access_token}\n` });
      const second = await runMain(['token'], envOf(b));
      expect(second.code).toBe(4);
      expect(errorLines(second)).toEqual([
        '✗ Not logged in (profile "default"): its keyring entry from podio-auth 0.2.0 is gone. If another config ' +
          'directory has a profile of the same name, that one took the entry it shared with this one under 0.2.0.',
      ]);
      expect(second.stderr).toMatch(/podio-auth login/);
    });

    it('doctor names an entry still waiting to be moved, and --fix leaves it to the next use', async () => {
      const { sandbox } = await startSandbox();
      const { secrets } = await storeLegacy(sandbox, 'work');
      const report = await runMain(['doctor', '--fix', '--json'], envOf(sandbox));
      expect(checksOf(report).find((item) => item.name === 'keyring-entry:work')).toMatchObject({
        status: 'info',
        detail: expect.stringContaining('was stored by podio-auth 0.2.0, under account "work"'),
      });
      expect(await items()).toEqual({ work: secrets });
    });

    it("is left alone when it does not match the profile (another dir's app login over this user login)", async () => {
      const { sandbox } = await startSandbox();
      const { secrets } = await storeLegacy(sandbox, 'default', { app_token: APP.app_token });
      const token = await runMain(['token'], envOf(sandbox));
      expect(token.code).toBe(4);
      expect(token.stdout).toBe('');
      expect(await items()).toEqual({ default: secrets });
      expect(sandbox.readConfig().profiles['default']).not.toHaveProperty('keyring_account');
    });

    it('an item of another program under the old name is not taken for a 0.2.0 entry', async () => {
      const { sandbox } = await startSandbox();
      await storeLegacy(sandbox);
      await session.run('secret-tool', ['clear', 'service', KEYRING_SERVICE, 'username', 'default']);
      await storeForeign('default', 'hunter2');
      expect((await runMain(['token'], envOf(sandbox))).code).toBe(4);
      const relogin = await runMain(['login'], envOf(sandbox));
      expect(relogin.code, relogin.stderr).toBe(0);
      expect((await runMain(['logout', '--forget'], envOf(sandbox))).code).toBe(0);
      expect(await items()).toEqual({ default: 'hunter2' });
    });
  });
});
