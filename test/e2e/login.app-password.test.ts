import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { errorLines, expectClean, runCli, runMain, type Sandbox, startSandbox } from '../support/cli.js';
import { APP, type FakePodio, TWO_FACTOR_USER, USER } from '../support/fake-podio.js';

let podio: FakePodio;
let sandbox: Sandbox;

async function setup(): Promise<void> {
  ({ podio, sandbox } = await startSandbox());
}

describe('login --app', () => {
  it('logs in as the app with PODIO_APP_TOKEN; token works after', async () => {
    await setup();
    const login = await runMain(['login', '--app', APP.app_id], sandbox.env({ PODIO_APP_TOKEN: APP.app_token }));
    expect(login.code).toBe(0);
    expect(login.stderr).toContain('Logged in to Podio as app 777');
    expect(login.stderr).not.toContain(APP.app_token);
    expectClean(login, sandbox);
    expect(podio.authorizeRequests).toHaveLength(0);
    const profile = sandbox.readConfig().profiles['default']!;
    expect(profile).toMatchObject({
      grant: 'app',
      app_id: '777',
      app_token: APP.app_token,
      ref: { type: 'app', id: 777 },
    });
    const token = await runMain(['token'], sandbox.env());
    expect(token.stdout).toBe(`${profile['access_token']}\n`);
  });

  it('reads the app token from standard input', async () => {
    await setup();
    const login = await runCli(
      ['login', '--app', APP.app_id, '--app-token-stdin'],
      sandbox.env(),
      `${APP.app_token}\n`,
    );
    expect(login.code).toBe(0);
    expect(podio.grants('app')[0]?.fields['app_token']).toBe(APP.app_token);
  });

  it('exits 4 on a wrong app token and stores nothing', async () => {
    await setup();
    const login = await runMain(['login', '--app', APP.app_id], sandbox.env({ PODIO_APP_TOKEN: 'wrong-app-token' }));
    expect(login.code).toBe(4);
    expect(errorLines(login)).toHaveLength(1);
    expect(login.stderr).not.toContain('wrong-app-token');
    expect(existsSync(sandbox.configFile)).toBe(false);
  });

  it('redoes the app grant, unattended, when the refresh token is rejected', async () => {
    await setup();
    await runMain(['login', '--app', APP.app_id], sandbox.env({ PODIO_APP_TOKEN: APP.app_token }));
    sandbox.editProfile('default', { refresh_token: 'revoked', expires_at: new Date(Date.now() - 1000).toISOString() });
    const token = await runMain(['token'], sandbox.env({ PODIO_APP_TOKEN: undefined }));
    expect(token.code).toBe(0);
    expect(podio.isValidAccessToken(token.stdout.trim())).toBe(true);
    expect(podio.grants('app')).toHaveLength(2);
  });

  it('takes a numeric app id only (exit 2)', async () => {
    await setup();
    expect((await runMain(['login', '--app', 'abc'], sandbox.env({ PODIO_APP_TOKEN: APP.app_token }))).code).toBe(2);
  });
});

describe('login --password', () => {
  it('logs in with PODIO_USERNAME and PODIO_PASSWORD, and never stores the password', async () => {
    await setup();
    const login = await runMain(
      ['login', '--password'],
      sandbox.env({ PODIO_USERNAME: USER.mail, PODIO_PASSWORD: USER.password }),
    );
    expect(login.code).toBe(0);
    expect(login.stderr).toContain(`Logged in to Podio as ${USER.name}`);
    expect(login.stderr).not.toContain(USER.password);
    expect(readFileSync(sandbox.configFile, 'utf8')).not.toContain(USER.password);
    expect(sandbox.readConfig().profiles['default']).toMatchObject({
      grant: 'password',
      username: USER.mail,
      user_name: `${USER.name} <${USER.mail}>`,
    });
    expect((await runMain(['token'], sandbox.env())).code).toBe(0);
  });

  it('reads the password from standard input with --username', async () => {
    await setup();
    const login = await runCli(
      ['login', '--password', '--username', USER.mail, '--password-stdin'],
      sandbox.env(),
      `${USER.password}\n`,
    );
    expect(login.code).toBe(0);
  });

  it('takes a password from standard input as given, spaces and all, but for the line end', async () => {
    await setup();
    const login = await runCli(
      ['login', '--password', '--username', USER.mail, '--password-stdin'],
      sandbox.env(),
      ` ${USER.password} \r\n`,
    );
    // Not the emulator's password with those spaces: refused, which shows they were sent.
    expect(login.code).toBe(4);
    expect(podio.grants('password')[0]?.fields['password']).toBe(` ${USER.password} `);
  });

  it('an --…-stdin option given nothing, or more than 64 KiB, fails (exit 2), sending nothing', async () => {
    await setup();
    for (const input of ['', '\n', 'a'.repeat(70_000)]) {
      const login = await runCli(
        ['login', '--app', APP.app_id, '--app-token-stdin'],
        sandbox.env({ PODIO_APP_TOKEN: APP.app_token }),
        input,
      );
      expect(login.code, JSON.stringify(input.slice(0, 5))).toBe(2);
      expect(errorLines(login)).toEqual([
        expect.stringMatching(
          input.length > 1 ? /more than 64 KiB/ : /--app-token-stdin was given, but standard input was empty/,
        ),
      ]);
    }
    expect(podio.grants('app')).toEqual([]);
  });

  it("says so when it replaces another user's or app's login in the profile, and not when it renews the same", async () => {
    await setup();
    const app = await runMain(['login', '--app', APP.app_id], sandbox.env({ PODIO_APP_TOKEN: APP.app_token }));
    expect(app.code).toBe(0);
    const env = sandbox.env({ PODIO_USERNAME: USER.mail, PODIO_PASSWORD: USER.password });
    const user = await runMain(['login', '--password'], env);
    expect(user.code).toBe(0);
    expect(user.stderr).toMatch(/^! Profile "default" held the login of app 777; this one replaced it\.$/m);
    const again = await runMain(['login', '--password'], env);
    expect(again.code).toBe(0);
    expect(again.stderr).not.toMatch(/replaced it/);
  });

  it('exits 4 on a wrong password', async () => {
    await setup();
    const login = await runMain(
      ['login', '--password'],
      sandbox.env({ PODIO_USERNAME: USER.mail, PODIO_PASSWORD: 'not-it' }),
    );
    expect(login.code).toBe(4);
    expect(login.stderr).toMatch(/rejected the user name or password/);
    expect(login.stderr).not.toContain('not-it');
    expect(existsSync(sandbox.configFile)).toBe(false);
  });

  it('explains that a two-factor account needs the browser login', async () => {
    await setup();
    const login = await runMain(
      ['login', '--password'],
      sandbox.env({ PODIO_USERNAME: TWO_FACTOR_USER.mail, PODIO_PASSWORD: TWO_FACTOR_USER.password }),
    );
    expect(login.code).toBe(4);
    expect(errorLines(login)).toEqual([
      '✗ This Podio account uses two-factor authentication, so the password login cannot be used.',
    ]);
    expect(login.stderr).toContain('podio-auth login');
    expect(existsSync(sandbox.configFile)).toBe(false);
  });

  it('refuses two secrets on standard input at once (exit 2)', async () => {
    await setup();
    const login = await runCli(
      ['login', '--password', '--password-stdin', '--client-secret-stdin'],
      sandbox.env(),
      'x\n',
    );
    expect(login.code).toBe(2);
  });
});
