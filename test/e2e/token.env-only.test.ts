import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type CliResult, errorLines, expectClean, runMain, type Sandbox, startSandbox } from '../support/cli.js';
import { APP, type FakePodio, type FakePodioOptions } from '../support/fake-podio.js';

let podio: FakePodio;
let sandbox: Sandbox;

async function setup(options: FakePodioOptions = {}): Promise<void> {
  ({ podio, sandbox } = await startSandbox(options));
}

/** Only what a CI job would have: no BROWSER, no config dir of its own (it must not be created). */
function ciEnv(extra: Record<string, string | undefined>): Record<string, string | undefined> {
  return { ...sandbox.env(), BROWSER: undefined, PODIO_AUTH_URL: undefined, ...extra };
}

/** A usage error: exit 2, one `✗` line, its hint on the next line, nothing on stdout, commander's voice gone. */
function expectUsageError(result: CliResult, message: RegExp, hint: RegExp): void {
  expect(result.code).toBe(2);
  expect(result.stdout).toBe('');
  expect(errorLines(result)).toEqual([expect.stringMatching(message)]);
  const lines = result.stderr.split('\n');
  expect(lines[lines.findIndex((line) => line.startsWith('✗')) + 1]).toMatch(hint);
  expect(result.stderr).not.toMatch(/^error:/m);
}

describe('env-only mode', () => {
  it('refreshes PODIO_REFRESH_TOKEN with the client credentials, writing no file', async () => {
    await setup({ rotateRefreshTokens: false });
    const { refresh_token } = podio.issueTokens();
    const result = await runMain(['token'], ciEnv({ PODIO_REFRESH_TOKEN: refresh_token }));
    expect(result.code).toBe(0);
    expect(podio.isValidAccessToken(result.stdout.trim())).toBe(true);
    expect(result.stderr).toBe('');
    expect(existsSync(sandbox.configDir)).toBe(false);
    expect(podio.grants('refresh_token')).toHaveLength(1);
  });

  it('warns when Podio rotates the refresh token it was given', async () => {
    await setup({ rotateRefreshTokens: true });
    const { refresh_token } = podio.issueTokens();
    const result = await runMain(['token'], ciEnv({ PODIO_REFRESH_TOKEN: refresh_token }));
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/new refresh token/);
    expect(result.stderr).not.toContain(refresh_token);
    expectClean(result, sandbox);
  });

  it('uses the app grant with PODIO_APP_ID and PODIO_APP_TOKEN', async () => {
    await setup();
    const result = await runMain(
      ['token', '--json'],
      ciEnv({ PODIO_APP_ID: APP.app_id, PODIO_APP_TOKEN: APP.app_token }),
    );
    expect(result.code).toBe(0);
    const out = JSON.parse(result.stdout);
    expect(podio.isValidAccessToken(out.access_token)).toBe(true);
    expect(out.ref).toEqual({ type: 'app', id: 777 });
    expect(out.profile).toBeNull();
    expect(existsSync(sandbox.configDir)).toBe(false);
  });

  it('exits 4 when the app token is wrong', async () => {
    await setup();
    const result = await runMain(['token'], ciEnv({ PODIO_APP_ID: APP.app_id, PODIO_APP_TOKEN: 'wrong' }));
    expect(result.code).toBe(4);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/rejected the app id or app token/);
  });

  it('prints PODIO_ACCESS_TOKEN as it is, without calling Podio', async () => {
    await setup();
    const result = await runMain(['token'], ciEnv({ PODIO_ACCESS_TOKEN: 'given-token' }));
    expect(result).toMatchObject({ code: 0, stdout: 'given-token\n', stderr: '' });
    expect(podio.tokenRequests).toHaveLength(0);
  });

  it('needs the client credentials beside a refresh token (exit 2)', async () => {
    await setup();
    const result = await runMain(['token'], ciEnv({ PODIO_REFRESH_TOKEN: 'r', PODIO_CLIENT_SECRET: undefined }));
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/needs PODIO_CLIENT_ID and PODIO_CLIENT_SECRET/);
  });

  it('gives way to an explicit --profile', async () => {
    await setup();
    const { access_token } = sandbox.storeLogin(new Date(Date.now() + 3_600_000), 'work');
    const result = await runMain(['token', '--profile', 'work'], sandbox.env({ PODIO_ACCESS_TOKEN: 'from-env' }));
    expect(result.stdout).toBe(`${access_token}\n`);
  });

  it('in GitHub Actions, ::add-mask:: comes before the rotation warning', async () => {
    const { podio, sandbox } = await startSandbox();
    const { refresh_token } = podio.issueTokens();
    const env = { ...sandbox.env(), PODIO_REFRESH_TOKEN: refresh_token, GITHUB_ACTIONS: 'true' };
    const result = await runMain(['token'], env);
    expect(result.code).toBe(0);
    const lines = result.stderr.split('\n');
    expect(lines[0]).toBe(`::add-mask::${result.stdout.trim()}`);
    expect(lines.slice(1).join('\n')).toMatch(/new refresh token/);
  });

  it('an env-only refresh token Podio rejects names the variable to update, not `podio-auth login`', async () => {
    const { sandbox } = await startSandbox();
    const result = await runMain(['token'], { ...sandbox.env(), PODIO_REFRESH_TOKEN: 'stale-refresh-token' });
    expect(result.code).toBe(4);
    expect(errorLines(result)).toEqual([expect.stringMatching(/given in PODIO_REFRESH_TOKEN\.$/)]);
    expect(result.stderr).toMatch(/podio-auth export/);
    expect(result.stderr).not.toMatch(/run `podio-auth login`/i);
  });
});

describe('token options', () => {
  it('--min-ttl refreshes a token that would not live that long, and not one that would', async () => {
    await setup();
    const { access_token } = sandbox.storeLogin(new Date(Date.now() + 1_800_000));
    const enough = await runMain(['token', '--min-ttl', '600'], sandbox.env());
    expect(enough.stdout).toBe(`${access_token}\n`);
    expect(podio.grants('refresh_token')).toHaveLength(0);
    const more = await runMain(['token', '--min-ttl', '3600'], sandbox.env());
    expect(more.code).toBe(0);
    expect(more.stdout).not.toBe(`${access_token}\n`);
    expect(podio.grants('refresh_token')).toHaveLength(1);
    const json = await runMain(['token', '--json'], sandbox.env());
    expect(Date.parse(JSON.parse(json.stdout).expires_at) - Date.now()).toBeGreaterThan(3_600_000);
  });

  it('--min-ttl longer than Podio issues is an error, not a short token', async () => {
    await setup({ expiresIn: 3600 });
    sandbox.storeLogin(new Date(Date.now() + 1_800_000));
    const result = await runMain(['token', '--min-ttl', '7200'], sandbox.env());
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/tokens live 3600 s, less than the 7200 s/);
  });

  it('masks the token in GitHub Actions on stderr, leaving stdout to the token', async () => {
    await setup();
    const { access_token } = sandbox.storeLogin(new Date(Date.now() + 3_600_000));
    const result = await runMain(['token'], sandbox.env({ GITHUB_ACTIONS: 'true' }));
    expect(result.stdout).toBe(`${access_token}\n`);
    expect(result.stderr).toBe(`::add-mask::${access_token}\n`);
    const outside = await runMain(['token'], sandbox.env());
    expect(outside.stderr).toBe('');
  });

  it('--min-ttl of 8 hours or more is refused before any request, even with an expired token', async () => {
    const { podio, sandbox } = await startSandbox();
    sandbox.storeLogin(new Date(Date.now() - 60_000));
    for (const seconds of ['30000', '999999']) {
      const result = await runMain(['token', '--min-ttl', seconds], sandbox.env());
      expectUsageError(result, /longer than Podio's tokens live \(8 hours\)/, /less than 28800 seconds/);
    }
    expect(podio.tokenRequests).toEqual([]);
  });
});
