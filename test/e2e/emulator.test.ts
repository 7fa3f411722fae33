import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { APP, DEMO_CLIENT, PodioEmulator } from '../../src/emulator/podio-emulator.js';
import { errorLines, ROOT, runCli, runMain, Sandbox, startCli } from '../support/cli.js';
import { occupyPort } from '../support/http.js';

const SCRIPTED_USER = join(ROOT, 'scripts', 'scripted-user.mjs');

/** A place for a config dir that nothing else uses; the emulator command never writes to it. */
function bareEnv(): Record<string, string | undefined> {
  const home = mkdtempSync(join(tmpdir(), 'podio-auth-usage-'));
  onTestFinished(() => rmSync(home, { recursive: true, force: true }));
  return { PATH: process.env['PATH'], HOME: home, PODIO_AUTH_CONFIG_DIR: join(home, 'config') };
}

/** Starts `podio-auth emulator` and returns its URL once it listens. */
async function startEmulatorCli(args: string[] = []) {
  const cli = startCli(['emulator', ...args], { PATH: process.env['PATH'] });
  const [, url] = (await cli.waitForStderr(/listening on (http:\/\/127\.0\.0\.1:\d+)/)) as RegExpMatchArray;
  return { cli, url: url as string };
}

/** What a browser does on the emulator's page: post its form with the decision, without following the redirect. */
async function decide(url: string, redirectUri: string, decision: 'grant' | 'deny') {
  const page = await fetch(
    `${url}/oauth/authorize?client_id=${DEMO_CLIENT.clientId}&redirect_uri=${encodeURIComponent(redirectUri)}&state=s1`,
  );
  const html = await page.text();
  expect(html).toContain('Grant access');
  const response = await fetch(`${url}/oauth/authorize`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      client_id: DEMO_CLIENT.clientId,
      redirect_uri: redirectUri,
      state: 's1',
      decision,
    }).toString(),
    redirect: 'manual',
  });
  return new URL(response.headers.get('location') ?? '');
}

describe('podio-auth emulator', () => {
  it('serves podio-auth: login with the Grant button, token, status; Ctrl-C stops it', async () => {
    const { cli, url } = await startEmulatorCli();
    const sandbox = new Sandbox({
      url,
      options: new PodioEmulator().options,
      issueTokens: () => {
        throw new Error('not used');
      },
    });
    try {
      const env = { ...sandbox.env(), BROWSER: `"${process.execPath}" "${SCRIPTED_USER}"` };
      const login = await runCli(['login'], env);
      expect(login.stderr).toMatch(
        /clicked "Grant access"; the browser now shows "Logged in to Podio"|Logged in to Podio as/,
      );
      expect(login.code).toBe(0);
      const token = await runCli(['token'], env);
      expect(token.stdout).toMatch(/^[0-9a-f]{128}\n$/);
      const status = await runCli(['status', '--json'], env);
      expect(JSON.parse(status.stdout).user.mail).toBe('ada@example.com');

      const denied = await runCli(['login', '--profile', 'denied'], { ...env, SCRIPTED_USER_DECISION: 'deny' });
      expect(denied.code).toBe(3);
    } finally {
      cli.child.kill('SIGINT');
      const stopped = await cli.done;
      sandbox.cleanup();
      expect(stopped.code).toBe(0);
      expect(stopped.stdout).toContain(`export PODIO_AUTH_URL=${url}`);
      expect(stopped.stdout).toContain(`export PODIO_CLIENT_ID=${DEMO_CLIENT.clientId}`);
    }
  });

  it('serves a plain curl token exchange, JSON and form alike', async () => {
    const { cli, url } = await startEmulatorCli();
    try {
      const redirectUri = 'http://localhost:9/callback';
      const code = (await decide(url, redirectUri, 'grant')).searchParams.get('code');
      expect(code).toMatch(/^[0-9a-f]+$/);
      const body = JSON.stringify({
        grant_type: 'authorization_code',
        client_id: DEMO_CLIENT.clientId,
        client_secret: DEMO_CLIENT.clientSecret,
        code,
        redirect_uri: redirectUri,
      });
      const answer = JSON.parse(
        execFileSync(
          'curl',
          ['-sS', '-X', 'POST', `${url}/oauth/token/v2`, '-H', 'Content-Type: application/json', '-d', body],
          { encoding: 'utf8' },
        ),
      );
      expect(answer).toMatchObject({ token_type: 'bearer', expires_in: 28800, ref: { type: 'user', id: 4242 } });
      const refreshed = JSON.parse(
        execFileSync(
          'curl',
          [
            '-sS',
            `${url}/oauth/token`,
            '-d',
            'grant_type=refresh_token',
            '-d',
            `client_id=${DEMO_CLIENT.clientId}`,
            '-d',
            `client_secret=${DEMO_CLIENT.clientSecret}`,
            '-d',
            `refresh_token=${answer.refresh_token}`,
          ],
          { encoding: 'utf8' },
        ),
      );
      expect(refreshed.refresh_token).not.toBe(answer.refresh_token);
      const scope = execFileSync(
        'curl',
        ['-sS', `${url}/oauth/scope`, '-H', `Authorization: OAuth2 ${refreshed.access_token}`],
        { encoding: 'utf8' },
      );
      expect(JSON.parse(scope)).toEqual([{ ref_type: null, ref_id: null, permissions: ['all'] }]);
      const reused = JSON.parse(
        execFileSync(
          'curl',
          ['-sS', '-X', 'POST', `${url}/oauth/token/v2`, '-H', 'Content-Type: application/json', '-d', body],
          { encoding: 'utf8' },
        ),
      );
      expect(reused.error).toBe('invalid_grant');
    } finally {
      cli.child.kill('SIGINT');
      await cli.done;
    }
  });

  it("denies with Podio's redirect parameters", async () => {
    const emulator = await new PodioEmulator().start();
    try {
      const location = await decide(emulator.url, 'http://localhost:9/cb', 'deny');
      expect(Object.fromEntries(location.searchParams)).toMatchObject({
        error: 'access_denied',
        error_reason: 'user_denied',
        state: 's1',
      });
    } finally {
      await emulator.stop();
    }
  });

  it('lets codes expire, and simulates rate limits and expired tokens', async () => {
    const emulator = await new PodioEmulator({ codeTtlSeconds: 0, expiresIn: 0 }).start();
    const limited = await new PodioEmulator({ rateLimited: true }).start();
    try {
      const code = (await decide(emulator.url, 'http://localhost:9/cb', 'grant')).searchParams.get('code');
      const exchange = (origin: string, fields: Record<string, string>) =>
        fetch(`${origin}/oauth/token/v2`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ client_id: DEMO_CLIENT.clientId, client_secret: DEMO_CLIENT.clientSecret, ...fields }),
        });
      const expired = await exchange(emulator.url, {
        grant_type: 'authorization_code',
        code: code ?? '',
        redirect_uri: 'http://localhost:9/cb',
      });
      expect(expired.status).toBe(400);
      const app = (await (
        await exchange(emulator.url, { grant_type: 'app', app_id: APP.app_id, app_token: APP.app_token })
      ).json()) as { expires_in: number; access_token: string };
      expect(app.expires_in).toBe(0);
      const status = await fetch(`${emulator.url}/user/status`, {
        headers: { authorization: `OAuth2 ${app.access_token}` },
      });
      expect(status.status).toBe(401);
      expect(status.headers.get('www-authenticate')).toContain('expired_token');
      const rateLimited = await exchange(limited.url, {
        grant_type: 'app',
        app_id: APP.app_id,
        app_token: APP.app_token,
      });
      expect(rateLimited.status).toBe(420);
      expect(((await rateLimited.json()) as { error: string }).error).toBe('rate_limit');
    } finally {
      await emulator.stop();
      await limited.stop();
    }
  });

  it('refuses a non-loopback --host (exit 2)', async () => {
    const result = await runCli(['emulator', '--host', '0.0.0.0'], { PATH: process.env['PATH'] });
    expect(result.code).toBe(2);
  });

  it('emulator --port on a busy port exits 1, as login does', async () => {
    const port = await occupyPort();
    const result = await runMain(['emulator', '--port', String(port)], bareEnv(), '', {
      // Bounds the test should the emulator start after all (it would serve until interrupted).
      signal: AbortSignal.timeout(10_000),
    });
    expect(result.code).toBe(1);
    expect(errorLines(result)).toEqual([expect.stringMatching(new RegExp(`${port}`))]);
  });
});

describe('npm run demo', () => {
  it('completes the whole flow offline, with no display and no Podio account, each step in order', async () => {
    const { spawn } = await import('node:child_process');
    const child = spawn(process.execPath, [join(ROOT, 'scripts', 'demo.mjs')], {
      env: { PATH: process.env['PATH'], HOME: process.env['HOME'] },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code, stderr).toBe(0);
    const lines = stderr.split('\n');
    const steps = [
      /^» A Podio emulator is listening on http:\/\/127\.0\.0\.1:\d+; tokens go to /,
      /^» No browser can open here \(no DISPLAY or WAYLAND_DISPLAY.*\)\. So the demo logs in with --no-browser, and a scripted user opens the address/,
      /^» podio-auth login --no-browser$/,
      /^Open this address in a browser to log in to Podio:$/,
      /^ {2}http:\/\/127\.0\.0\.1:\d+\/oauth\/authorize\?client_id=demo-client&redirect_uri=http%3A%2F%2Flocalhost%3A\d+/,
      /^Waiting up to 120 s for the browser to come back\. Press Ctrl-C to cancel\.$/,
      /^scripted user: the authorize page asks to let demo-client access the account \(global:all\); clicking "Grant access"$/,
      /^scripted user: clicked "Grant access"; the redirect led back to podio-auth at localhost:\d+, whose page says "Logged in to Podio"$/,
      /^✓ Logged in to Podio as Ada .*\(profile "demo"/,
      /^» podio-auth token /,
      /^» podio-auth status$/,
      /^» Done\. Against the real Podio: create an API key, then `podio-auth login`/,
    ];
    const found = steps.map((step) => lines.findIndex((line) => step.test(line)));
    for (const [i, step] of steps.entries()) expect(found[i], `missing ${step}\n${stderr}`).toBeGreaterThanOrEqual(0);
    expect(found, stderr).toEqual([...found].sort((a, b) => a - b));
    // Nothing that would not make sense here: no browser is opened, and nobody is asked to paste.
    expect(stderr).not.toMatch(/Opening your browser|paste/i);
    expect(lines.filter((line) => line.startsWith('✓ Logged in'))).toHaveLength(1);
    expect(stdout).toMatch(/^[0-9a-f]{128}$/m);
    expect(stdout).toMatch(/Logged in as: +Ada/);
  });
});
