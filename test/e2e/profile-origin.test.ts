import { existsSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { type PodioAuthError, podioJsSessionStore } from '../../src/index.js';
import { aMinuteAgo, errorLines, inAnHour, runCli, runMain, startSandbox } from '../support/cli.js';
import { APP } from '../support/fake-podio.js';

/** Another origin on loopback that records whatever reaches it (and refuses it). */
async function otherOrigin(): Promise<{ url: string; received: string[] }> {
  const received: string[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      received.push(`${req.method} ${req.url} ${req.headers.authorization ?? ''} ${body}`);
      res.writeHead(400, { 'content-type': 'application/json' }).end('{"error":"invalid_grant"}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, received };
}

describe("a stored profile's tokens and secrets go only to the origin it logged in at", () => {
  it('refuses a PODIO_API_URL that names another origin, for a refresh, api and status, and sends nothing there', async () => {
    const { podio, sandbox } = await startSandbox();
    const other = await otherOrigin();
    sandbox.storeLogin(aMinuteAgo());
    const env = sandbox.env({ PODIO_API_URL: other.url });
    for (const args of [['token'], ['token', '--json'], ['api', '/user/status'], ['status']]) {
      const result = await runMain(args, env);
      expect(result.code, args.join(' ')).toBe(2);
      expect(errorLines(result), args.join(' ')).toEqual([
        `✗ PODIO_API_URL is ${other.url}, but profile "default" logged in at ${podio.url}: its tokens and secrets are sent only there.`,
      ]);
      expect(result.stderr).toMatch(/Unset PODIO_API_URL, or log in at that origin under another profile name/);
      expect(result.stdout).toBe('');
    }
    expect(other.received).toEqual([]);
    expect(podio.grants('refresh_token')).toHaveLength(0);
    // The same origin written otherwise is the same origin; and without the variable the profile's own is used.
    expect((await runMain(['token'], sandbox.env({ PODIO_API_URL: `${podio.url}/` }))).code).toBe(0);
    expect((await runMain(['token'], sandbox.env({ PODIO_API_URL: undefined }))).code).toBe(0);
  });

  it('a valid token is refused too, by token, exec and export on both paths: its holder would use it at PODIO_API_URL', async () => {
    const { podio, sandbox } = await startSandbox();
    const other = await otherOrigin();
    const { access_token } = sandbox.storeLogin(inAnHour());
    const ran = join(sandbox.root, 'ran');
    const env = sandbox.env({ PODIO_API_URL: other.url });
    for (const args of [['token'], ['exec', '--', 'sh', '-c', `touch '${ran}'`], ['export', '--format', 'shell']]) {
      for (const run of [runMain, runCli]) {
        const result = await run(args, env);
        expect(result.code, args.join(' ')).toBe(2);
        expect(result.stdout).toBe('');
        expect(errorLines(result)).toEqual([
          `✗ PODIO_API_URL is ${other.url}, but profile "default" logged in at ${podio.url}: its tokens and secrets are sent only there.`,
        ]);
      }
    }
    expect(existsSync(ran)).toBe(false);
    expect(other.received).toEqual([]);
    // Its own origin, however written, is no mismatch, on the launcher's path too.
    const same = await runCli(['token'], sandbox.env({ PODIO_API_URL: `${podio.url}/` }));
    expect(same).toMatchObject({ code: 0, stdout: `${access_token}\n` });
  });

  it('a login at another origin replaces the profile, says so, and sends none of its stored secrets there', async () => {
    const { sandbox } = await startSandbox();
    const other = await otherOrigin();
    sandbox.storeLogin(aMinuteAgo());
    const stored = sandbox.readConfig().profiles['default']!;
    // The stored client secret would be reused at the stored origin; at another one it must come anew.
    const env = sandbox.env({ PODIO_API_URL: other.url, PODIO_AUTH_URL: other.url, PODIO_CLIENT_SECRET: undefined });
    const login = await runMain(['login', '--app', APP.app_id], { ...env, PODIO_APP_TOKEN: APP.app_token });
    expect(login.code).toBe(2);
    expect(login.stderr).toMatch(/^! Profile "default" was logged in at http:\/\/127\.0\.0\.1:\d+; this login at/m);
    expect(errorLines(login)).toEqual(['✗ No client secret: set PODIO_CLIENT_SECRET or use --client-secret-stdin.']);
    expect(other.received).toEqual([]);
    expect(sandbox.readConfig().profiles['default']).toEqual(stored);
  });
});

describe("podio-js's session store, with a PODIO_API_URL that names another origin", () => {
  it("hands podio-js none of the profile's tokens, says why, and leaves the login as it is", async () => {
    const { sandbox } = await startSandbox();
    const other = await otherOrigin();
    sandbox.storeLogin(inAnHour());
    const before = sandbox.readConfig();
    const errors: PodioAuthError[] = [];
    const store = podioJsSessionStore({
      env: sandbox.env({ PODIO_API_URL: other.url }),
      onError: (e) => errors.push(e),
    });
    onTestFinished(() => store.close());
    const handed = await new Promise<unknown>((resolve) => store.get('server', resolve));
    await store.settled();
    expect(handed).toBeUndefined();
    expect(errors.map((error) => error.code)).toEqual(['origin_mismatch']);
    expect(other.received).toEqual([]);
    expect(sandbox.readConfig()).toEqual(before);
  });
});

describe('a client id, secret or app token with a space or a line break in it', () => {
  it('is refused before anything is sent or stored, and never shown', async () => {
    const { podio, sandbox } = await startSandbox();
    sandbox.storeLogin(inAnHour(), 'good');
    const before = sandbox.readConfig();
    const cases: [Record<string, string>, RegExp][] = [
      [{ PODIO_CLIENT_SECRET: `${podio.options.clientSecret} ` }, /The client secret holds a space, a line break/],
      [{ PODIO_CLIENT_SECRET: `${podio.options.clientSecret}\r` }, /The client secret holds a space, a line break/],
      [{ PODIO_CLIENT_ID: `${podio.options.clientId} ` }, /The client id holds a space, a line break/],
      [{ PODIO_APP_TOKEN: `${APP.app_token}\n` }, /The app token holds a space, a line break/],
    ];
    for (const [extra, message] of cases) {
      const env = sandbox.env({ PODIO_APP_TOKEN: APP.app_token, ...extra });
      const login = await runMain(['login', '--app', APP.app_id, '--profile', 'bad'], env);
      expect(login.code, JSON.stringify(extra)).toBe(2);
      expect(errorLines(login)).toEqual([expect.stringMatching(message)]);
      expect(login.stderr).not.toContain(podio.options.clientSecret);
      expect(login.stderr).not.toContain(APP.app_token);
    }
    expect(podio.grants('app')).toHaveLength(0);
    expect(sandbox.readConfig()).toEqual(before);
    expect((await runMain(['token', '--profile', 'good'], sandbox.env())).code).toBe(0);
  });
});
