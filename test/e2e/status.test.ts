import { describe, expect, it } from 'vitest';
import { APP, PodioEmulator } from '../../src/emulator/podio-emulator.js';
import { inAnHour, runCli, runMain, Sandbox, startSandbox } from '../support/cli.js';
import { type FakePodio, type FakePodioOptions, USER } from '../support/fake-podio.js';

/** `status`: who is logged in, until when, and whether Podio still takes the token. */

let podio: FakePodio;
let sandbox: Sandbox;

async function setup(options: FakePodioOptions = {}): Promise<void> {
  ({ podio, sandbox } = await startSandbox(options));
}

function storedProfile(name = 'default'): Record<string, unknown> {
  return sandbox.readConfig().profiles[name]!;
}

describe('status', () => {
  it('names the user, the expiry and the file; --json too', async () => {
    await setup();
    const expiresAt = inAnHour();
    sandbox.storeLogin(expiresAt);
    const text = await runMain(['status'], sandbox.env());
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(`${USER.name} <${USER.mail}> (user ${USER.user_id})`);
    // The demo user reads as a person and an address, with no brackets in the name.
    expect(text.stdout).toMatch(/^Logged in as: +Ada Lovelace <ada@example\.com> \(user 4242\)$/m);
    expect(text.stdout).toContain(expiresAt.toISOString());
    const json = await runMain(['status', '--json'], sandbox.env());
    expect(JSON.parse(json.stdout)).toMatchObject({
      profile: 'default',
      user: { id: USER.user_id, name: USER.name, mail: USER.mail },
      expires_at: expiresAt.toISOString(),
      stored_in: sandbox.configFile,
    });
  });

  it('exits 4 when not logged in', async () => {
    await setup();
    expect((await runMain(['status'], sandbox.env())).code).toBe(4);
  });

  it('refreshes once and succeeds when Podio says expired_token for a token this clock thinks valid', async () => {
    await setup();
    const { access_token } = sandbox.storeLogin(inAnHour());
    podio.fault('/oauth/scope', 'expired-token');
    const result = await runMain(['status'], sandbox.env());
    expect(result.code).toBe(0);
    expect(podio.grants('refresh_token')).toHaveLength(1);
    expect(storedProfile()['access_token']).not.toBe(access_token);
  });

  it('refreshes once and succeeds when Podio does not know the token (invalid_token)', async () => {
    await setup();
    sandbox.storeLogin(inAnHour());
    sandbox.editProfile('default', { access_token: 'revoked-by-podio' });
    const result = await runMain(['status'], sandbox.env());
    expect(result.code).toBe(0);
    expect(podio.grants('refresh_token')).toHaveLength(1);
    expect(podio.userStatusCalls).toHaveLength(1);
    expect(storedProfile()['access_token']).not.toBe('revoked-by-podio');
  });

  it('exits 4 when Podio rejects the token even after a refresh', async () => {
    await setup();
    sandbox.storeLogin(inAnHour());
    podio.fault('/oauth/scope', 'expired-token', 2);
    const rejected = await runMain(['status'], sandbox.env());
    expect(rejected.code).toBe(4);
    expect(rejected.stderr).toMatch(/rejected the access token/);
    expect(podio.grants('refresh_token')).toHaveLength(1);
  });

  it('exits 1 when Podio is rate limiting', async () => {
    await setup();
    sandbox.storeLogin(inAnHour());
    podio.fault('/user/status', 'rate-limit');
    const result = await runMain(['status'], sandbox.env());
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/rate limit/);
  });

  it('status in env-only mode does not say the refresh token is stored', async () => {
    const { podio, sandbox } = await startSandbox();
    const { refresh_token } = podio.issueTokens();
    const result = await runMain(['status'], { ...sandbox.env(), PODIO_REFRESH_TOKEN: refresh_token });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Refresh token: +from PODIO_REFRESH_TOKEN \(not stored/m);
    expect(result.stdout).not.toMatch(/stored$/m);
    expect(result.stdout).not.toMatch(/^Stored in:/m);
  });
});

describe('status for an app login', () => {
  it('names the app and checks the token with /oauth/scope', async () => {
    const emulator = await new PodioEmulator({ decision: 'grant' }).start();
    const sandbox = new Sandbox(emulator);
    try {
      await runCli(['login', '--app', APP.app_id], sandbox.env({ PODIO_APP_TOKEN: APP.app_token }));
      const status = await runCli(['status'], sandbox.env());
      expect(status.code).toBe(0);
      expect(status.stdout).toMatch(/Logged in as: +app 777/);
    } finally {
      await emulator.stop();
      sandbox.cleanup();
    }
  });
});
