import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BIN, inAnHour, runMain, startSandbox } from '../support/cli.js';
import { APP } from '../support/fake-podio.js';

/** `export`: what env-only mode needs, in each format; safe to eval is in export.quoting.test.ts. */

function parseDotenv(text: string): Record<string, string> {
  return Object.fromEntries(
    text
      .trim()
      .split('\n')
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
}

describe('export', () => {
  it('prints what env-only mode needs; exactly that, in an empty config dir, gives a valid token and writes nothing', async () => {
    const { podio, sandbox } = await startSandbox({ rotateRefreshTokens: true });
    expect((await runMain(['login'], sandbox.env())).code).toBe(0);
    const exported = await runMain(['export', '--format', 'dotenv'], sandbox.env());
    expect(exported.code).toBe(0);
    expect(exported.stderr).toMatch(/rotate refresh tokens/);
    const variables = parseDotenv(exported.stdout);
    const profile = sandbox.readConfig().profiles['default']!;
    expect(variables).toEqual({
      PODIO_CLIENT_ID: podio.options.clientId,
      PODIO_CLIENT_SECRET: podio.options.clientSecret,
      PODIO_REFRESH_TOKEN: profile['refresh_token'],
      PODIO_API_URL: podio.url,
    });
    const emptyDir = `${sandbox.root}/ci-config`;
    const ci = await runMain(['token'], { ...variables, PODIO_AUTH_CONFIG_DIR: emptyDir });
    expect(ci.code).toBe(0);
    expect(podio.isValidAccessToken(ci.stdout.trim())).toBe(true);
    expect(existsSync(emptyDir)).toBe(false);
    expect(readdirSync(sandbox.root).sort()).toEqual(['config']);
  });

  it('exports the app pair for an app login, and the shell and JSON formats carry the same', async () => {
    const { sandbox } = await startSandbox();
    await runMain(['login', '--app', APP.app_id], sandbox.env({ PODIO_APP_TOKEN: APP.app_token }));
    const json = JSON.parse((await runMain(['export', '--format', 'json'], sandbox.env())).stdout);
    expect(json).toMatchObject({ PODIO_APP_ID: APP.app_id, PODIO_APP_TOKEN: APP.app_token });
    expect(json.PODIO_REFRESH_TOKEN).toBeUndefined();
    const shell = (await runMain(['export', '--format', 'shell'], sandbox.env())).stdout;
    const echoed = execFileSync('sh', ['-c', `${shell}\necho "$PODIO_APP_TOKEN|$PODIO_CLIENT_SECRET"`], {
      encoding: 'utf8',
    });
    expect(echoed).toBe(`${APP.app_token}|${json.PODIO_CLIENT_SECRET}\n`);
    const github = (await runMain(['export', '--format', 'github'], sandbox.env())).stdout;
    expect(parseDotenv(github)).toEqual(json);
  });

  it('refuses to print secrets to a terminal unless --reveal is given', async () => {
    const { sandbox } = await startSandbox();
    sandbox.storeLogin(inAnHour());
    const run = async (argv: string[]) => {
      const result = await runMain(argv, sandbox.env(), '', { stdoutIsTTY: true });
      return { code: result.code, out: result.stdout };
    };
    expect(await run(['export'])).toEqual({ code: 2, out: '' });
    const revealed = await run(['export', '--reveal']);
    expect(revealed.code).toBe(0);
    expect(revealed.out).toContain('PODIO_REFRESH_TOKEN=');
  });

  it('refuses on a real terminal too, where the launcher asks the system whether stdout is one', async () => {
    const { sandbox } = await startSandbox();
    sandbox.storeLogin(inAnHour());
    const refreshToken = sandbox.readConfig().profiles['default']?.['refresh_token'] as string;
    // `script` runs the command on a new pseudo-terminal and passes on its exit code.
    const quoted = [process.execPath, BIN, 'export'].map((word) => `'${word}'`).join(' ');
    const onTerminal = spawnSync('script', ['-qec', quoted, '/dev/null'], {
      env: sandbox.env() as NodeJS.ProcessEnv,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    expect(onTerminal.status).toBe(2);
    expect(onTerminal.stdout).toContain('--reveal');
    expect(onTerminal.stdout).not.toContain(refreshToken);
  });

  it('needs a login (exit 4)', async () => {
    const { sandbox } = await startSandbox();
    const result = await runMain(['export'], sandbox.env());
    expect(result.code).toBe(4);
    expect(result.stdout).toBe('');
  });
});
