import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli, Sandbox } from './support/cli.js';
import { startFakePodio, USER, type FakePodio } from './support/fake-podio.js';

let podio: FakePodio;
let sandbox: Sandbox;

beforeEach(async () => {
  podio = await startFakePodio();
  sandbox = new Sandbox(podio);
});
afterEach(async () => {
  await podio.stop();
  sandbox.cleanup();
});

describe('login through the browser', () => {
  it('stores the tokens privately, then token, status and logout work', async () => {
    const login = await runCli(['login'], sandbox.env());
    expect(login.stderr).toContain('Logged in to Podio as Ada <Lovelace> <ada@example.com>');
    expect(login.code).toBe(0);
    expect(login.stdout).toBe('');

    const report = await podio.nextBrowserReport();
    const last = report.hops.at(-1)!;
    expect(last.status).toBe(200);
    expect(last.body).toContain('Logged in to Podio');

    expect(sandbox.mode(sandbox.configDir)).toBe(0o700);
    expect(sandbox.mode(sandbox.configFile)).toBe(0o600);
    const profile = sandbox.readConfig().profiles['default']!;
    expect(podio.isValidAccessToken(profile['access_token'] as string)).toBe(true);
    expect(podio.isLiveRefreshToken(profile['refresh_token'] as string)).toBe(true);

    const token = await runCli(['token'], sandbox.env());
    expect(token.code).toBe(0);
    expect(token.stdout).toBe(`${profile['access_token']}\n`);
    expect(token.stderr).toBe('');

    const status = await runCli(['status'], sandbox.env());
    expect(status.code).toBe(0);
    expect(status.stdout).toContain(USER.name);
    expect(status.stdout).toContain(sandbox.configFile);

    const logout = await runCli(['logout'], sandbox.env());
    expect(logout.code).toBe(0);
    const after = await runCli(['token'], sandbox.env());
    expect(after.code).toBe(4);
    expect(after.stdout).toBe('');
    expect(after.stderr).toMatch(/podio-auth login/);
  });
});
