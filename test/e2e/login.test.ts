import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import {
  clockThatSkipsWaits,
  errorLines,
  expectClean,
  runCli,
  runMain,
  type Sandbox,
  startCli,
  startSandbox,
} from '../support/cli.js';
import { follow } from '../support/fake-browser.mjs';
import { type FakePodio, type FakePodioOptions, USER } from '../support/fake-podio.js';
import { occupyPort, rawRequest } from '../support/http.js';

const isRoot = process.getuid?.() === 0;

let podio: FakePodio;
let sandbox: Sandbox;

async function setup(options: FakePodioOptions = {}): Promise<void> {
  ({ podio, sandbox } = await startSandbox(options));
}

/** Starts a login whose browser only reports the URL, so the test can play the browser (or the attacker). */
async function startHeldLogin(args: string[] = []) {
  const cli = startCli(['login', ...args], sandbox.env({ FAKE_BROWSER_MODE: 'record' }));
  const report = await podio.nextBrowserReport();
  const authorize = new URL(report.opened);
  const redirectUri = new URL(authorize.searchParams.get('redirect_uri')!);
  const state = authorize.searchParams.get('state')!;
  return { cli, authorize, redirectUri, state };
}

describe('login through the browser', () => {
  it('stores the tokens privately; token, status and logout work after it', async () => {
    await setup();
    const login = await runCli(['login'], sandbox.env());
    expect(login.stderr).toContain(`Logged in to Podio as ${USER.name} <${USER.mail}>`);
    expect(login.code).toBe(0);
    expect(login.stdout).toBe('');
    expectClean(login, sandbox);

    const report = await podio.nextBrowserReport();
    expect(report.sawClientSecret).toBe(false);
    const last = report.hops.at(-1)!;
    expect(last.status).toBe(200);
    expect(last.body).toContain('Logged in to Podio');
    expect(last.headers['content-security-policy']).toMatch(/^default-src 'none'/);
    expect(last.headers['referrer-policy']).toBe('no-referrer');

    expect(sandbox.mode(sandbox.configDir)).toBe(0o700);
    expect(sandbox.mode(sandbox.configFile)).toBe(0o600);
    const profile = sandbox.readConfig().profiles['default']!;
    expect(podio.isValidAccessToken(profile['access_token'] as string)).toBe(true);
    expect(podio.isLiveRefreshToken(profile['refresh_token'] as string)).toBe(true);
    expect(last.body).not.toContain(profile['access_token']);

    // The exchange used the JSON endpoint with exactly the redirect_uri the browser was sent to.
    const [exchange] = podio.grants('authorization_code');
    expect(exchange?.endpoint).toBe('json');
    expect(exchange?.fields['redirect_uri']).toBe(podio.authorizeRequests[0]?.get('redirect_uri'));

    const token = await runCli(['token'], sandbox.env());
    expect(token).toMatchObject({ code: 0, stdout: `${profile['access_token']}\n`, stderr: '' });

    const status = await runCli(['status'], sandbox.env());
    expect(status.code).toBe(0);
    expect(status.stdout).toContain(USER.name);
    expect(status.stdout).toContain(sandbox.configFile);
    expect(podio.userStatusCalls.at(-1)).toBe(`OAuth2 ${profile['access_token']}`);

    const logout = await runCli(['logout'], sandbox.env());
    expect(logout.code).toBe(0);
    expect(readFileSync(sandbox.configFile, 'utf8')).not.toContain(podio.options.clientSecret);
    const after = await runCli(['token'], sandbox.env());
    expect(after.code).toBe(4);
    expect(after.stdout).toBe('');
    expect(after.stderr).toMatch(/podio-auth login/);
  });

  it('works when Podio does not echo state', async () => {
    await setup({ echoState: false });
    const login = await runMain(['login'], sandbox.env());
    expect(login.code).toBe(0);
    expect(podio.authorizeRequests[0]?.get('state')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const last = (await podio.nextBrowserReport()).hops.at(-1)!;
    expect(last.url).not.toContain('state=');
    expect(last.status).toBe(200);
  });

  it('refuses forged callbacks with 4xx, never sends their codes to Podio, and still completes', async () => {
    await setup();
    const { cli, authorize, redirectUri, state } = await startHeldLogin();
    const base = redirectUri.toString();
    const withQuery = (query: string) => `${base}?${query}`;
    const forged = [
      { url: withQuery(`code=forged-1&state=wrong`), status: 400 },
      { url: withQuery(`code=forged-2`).replace(/\/callback\/[^?]+/, '/callback/guessed'), status: 404 },
      { url: `http://${redirectUri.host}/?code=forged-3&state=${state}`, status: 404 },
      { url: `http://${redirectUri.host}/favicon.ico`, status: 404 },
      { url: withQuery(`code=forged-4&code=forged-5&state=${state}`), status: 400 },
      { url: withQuery(`code=forged-6&state=${state}&state=${state}`), status: 400 },
      { url: withQuery(`state=${state}`), status: 400 },
      { url: withQuery(`code=forged-7&state=${state}`), host: 'evil.example:80', status: 400 },
      { url: withQuery(`code=forged-8&state=${state}`), method: 'POST', status: 405 },
      { url: withQuery(`error=access_denied&state=wrong`), status: 400 },
    ];
    for (const attempt of forged) {
      const response = await rawRequest(attempt.url, attempt);
      expect(response.status, attempt.url).toBe(attempt.status);
      expect(response.body).not.toContain('forged');
    }
    // The login kept waiting: the real browser visit completes it.
    const hops = await follow(authorize.toString());
    expect(hops.at(-1)?.status).toBe(200);
    const result = await cli.done;
    expect(result.code).toBe(0);
    expectClean(result, sandbox);
    const codes = podio.grants('authorization_code').map((request) => request.fields['code']);
    expect(codes).toHaveLength(1);
    expect(codes[0]).not.toMatch(/forged/);
  });

  it('exchanges the first valid code once; a second hit gets a harmless page', async () => {
    await setup({ tokenDelayMs: 300 });
    const { cli, authorize } = await startHeldLogin();
    const toPodio = await fetch(authorize, { redirect: 'manual' });
    const callback = toPodio.headers.get('location')!;
    // Two hits of the same valid callback while the first exchange is still in flight.
    const responses = await Promise.all([rawRequest(callback), rawRequest(callback)]);
    const bodies = responses.map((response) => response.body);
    expect(responses.map((response) => response.status)).toEqual([200, 200]);
    expect(bodies.filter((body) => body.includes('Logged in to Podio'))).toHaveLength(1);
    expect(bodies.filter((body) => body.includes('Already handled'))).toHaveLength(1);
    const result = await cli.done;
    expect(result.code).toBe(0);
    expect(podio.grants('authorization_code')).toHaveLength(1);
  });

  it('exits promptly despite idle, half-open and keep-alive connections to the callback server', async () => {
    await setup();
    const { cli, authorize, redirectUri } = await startHeldLogin();
    const idle = connect(Number(redirectUri.port), '127.0.0.1');
    const halfOpen = connect(Number(redirectUri.port), '127.0.0.1');
    halfOpen.write(`GET ${redirectUri.pathname} HTTP/1.1\r\nHost: ${redirectUri.host}\r\n`);
    for (const socket of [idle, halfOpen]) socket.on('error', () => {});
    await follow(authorize.toString()); // fetch keeps its connection alive
    const answered = Date.now();
    const result = await cli.done;
    expect(result.code).toBe(0);
    expect(Date.now() - answered).toBeLessThan(1500);
    idle.destroy();
    halfOpen.destroy();
  });

  it('ends with exit 3 and an escaped "denied" page when the user denies', async () => {
    await setup({ decision: 'deny' });
    const login = await runMain(['login'], sandbox.env());
    expect(login.code).toBe(3);
    expect(login.stderr).toMatch(/denied/i);
    expect(errorLines(login)).toHaveLength(1);
    expectClean(login, sandbox);
    const last = (await podio.nextBrowserReport()).hops.at(-1)!;
    expect(last.body).toContain('Access denied');
    expect(last.body).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(last.body).not.toContain('<script>');
    expect(podio.tokenRequests).toHaveLength(0);
    expect(existsSync(sandbox.configFile)).toBe(false);
  });
});

describe('--redirect-host', () => {
  it('puts the host in the redirect URI and accepts the browser coming back to it', async () => {
    // The API key's domain must be the redirect host, on Podio as on the emulator.
    await setup({ domain: '127.0.0.1' });
    const login = await runMain(['login', '--redirect-host', '127.0.0.1'], sandbox.env());
    expect(login.code).toBe(0);
    expect(new URL(podio.authorizeRequests[0]?.get('redirect_uri') ?? '').hostname).toBe('127.0.0.1');
    expect(sandbox.readConfig().profiles['default']!['redirect_host']).toBe('127.0.0.1');
  });

  it('a --redirect-host that does not resolve to this machine fails before the browser opens', async () => {
    const { podio, sandbox } = await startSandbox();
    const notFound = Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' });
    const unresolved = await runMain(['login', '--redirect-host', 'localtest.me'], sandbox.env(), '', {
      deps: { resolve: () => Promise.reject(notFound) },
    });
    expect(unresolved.code).toBe(1);
    expect(errorLines(unresolved)).toEqual(['✗ --redirect-host localtest.me does not resolve here (ENOTFOUND).']);
    const elsewhere = await runMain(['login', '--redirect-host', 'example.test'], sandbox.env(), '', {
      deps: { resolve: () => Promise.resolve(['192.0.2.7']) },
    });
    expect(elsewhere.code).toBe(1);
    expect(errorLines(elsewhere)).toEqual([expect.stringMatching(/example\.test/)]);
    // Loopback, but not where the callback listens for a name: the browser would knock at another program's door.
    const notOurs = [];
    for (const addresses of [['::1'], ['127.0.1.1'], ['127.0.0.1', '127.0.0.2']]) {
      const result = await runMain(['login', '--redirect-host', 'ip6-localhost'], sandbox.env(), '', {
        deps: { resolve: () => Promise.resolve(addresses) },
      });
      expect(result.code, addresses.join()).toBe(1);
      expect(errorLines(result)).toEqual([
        `✗ --redirect-host ip6-localhost resolves to ${addresses.join(', ')}; the login listens on 127.0.0.1 (and ::1) only.`,
      ]);
      notOurs.push(result);
    }
    for (const result of [unresolved, elsewhere, ...notOurs]) {
      expect(result.stderr).not.toMatch(/Opening your browser|oauth/);
    }
    expect(podio.authorizeRequests).toEqual([]);
  });
});

describe('waiting for the browser', () => {
  it('exits 130 promptly on Ctrl-C and stores nothing', async () => {
    await setup();
    const cli = startCli(['login', '--no-browser'], sandbox.env());
    await cli.waitForStderr(/Ctrl-C to cancel/);
    const sent = Date.now();
    cli.child.kill('SIGINT');
    const result = await cli.done;
    expect(result.code).toBe(130);
    expect(Date.now() - sent).toBeLessThan(1500);
    expect(existsSync(sandbox.configFile)).toBe(false);
    expectClean(result, sandbox);
  });

  it('gives up after --timeout with exit 3', async () => {
    await setup();
    const clock = clockThatSkipsWaits();
    const login = await runMain(['login', '--no-browser', '--timeout', '7'], sandbox.env(), '', { deps: clock.deps });
    expect(login.code).toBe(3);
    expect(login.stderr).toMatch(/No answer from the browser within 7 s/);
    expect(clock.waits).toEqual([7_000]);
    expect(existsSync(sandbox.configFile)).toBe(false);
  });

  it('with --no-browser prints the URL on stderr, opens nothing, and waits out --timeout on the real clock', async () => {
    await setup();
    const started = performance.now();
    const login = await runMain(['login', '--no-browser', '--timeout', '1'], sandbox.env());
    const elapsedMs = performance.now() - started;
    expect(login.code).toBe(3);
    expect(login.stderr).toContain(`${podio.url}/oauth/authorize?client_id=demo-client`);
    expect(login.stderr).toMatch(/No answer from the browser within 1 s/);
    expect(login.stdout).toBe('');
    // A browser opened by mistake would have visited the authorize page within that second.
    expect(podio.authorizeRequests).toHaveLength(0);
    expect(elapsedMs).toBeGreaterThanOrEqual(950);
    expect(elapsedMs).toBeLessThan(6_000);
  });

  it('keeps waiting, with the URL printed, when the browser cannot be opened', async () => {
    await setup();
    const clock = clockThatSkipsWaits();
    const login = await runMain(['login'], sandbox.env({ BROWSER: '/nonexistent/browser' }), '', { deps: clock.deps });
    expect(login.stderr).toMatch(/Could not open a browser .*Open the address above yourself/);
    expect(login.stderr).toContain(`${podio.url}/oauth/authorize?`);
    expect(login.code).toBe(3);
    expectClean(login, sandbox);
  });

  it('reports a --port that is in use clearly', async () => {
    await setup();
    const port = await occupyPort();
    const login = await runMain(['login', '--port', String(port)], sandbox.env());
    expect(login.code).toBe(1);
    expect(login.stderr).toContain(`Port ${port} is already in use`);
    expectClean(login, sandbox);
  });

  it('listens on loopback addresses only', async () => {
    await setup();
    const { cli, redirectUri } = await startHeldLogin();
    const port = Number(redirectUri.port);
    const listeners = listeningAddresses(port);
    cli.child.kill('SIGINT');
    await cli.done;
    expect(listeners.length).toBeGreaterThan(0);
    for (const address of listeners) expect(['127.0.0.1', '::1']).toContain(address);
  });
});

/** Local addresses listening on `port`, from the kernel's own tables (Linux). */
function listeningAddresses(port: number): string[] {
  const found: string[] = [];
  for (const [file, v6] of [
    ['/proc/net/tcp', false],
    ['/proc/net/tcp6', true],
  ] as const) {
    if (!existsSync(file)) continue;
    for (const line of readFileSync(file, 'utf8').split('\n').slice(1)) {
      const [, local, , state] = line.trim().split(/\s+/);
      if (!local || state !== '0A') continue; // 0A: LISTEN
      const [hex, portHex] = local.split(':');
      if (parseInt(portHex!, 16) !== port) continue;
      found.push(v6 ? decodeIpv6(hex!) : decodeIpv4(hex!));
    }
  }
  return found;
}

function decodeIpv4(hex: string): string {
  return [3, 2, 1, 0].map((i) => parseInt(hex.slice(i * 2, i * 2 + 2), 16)).join('.');
}

function decodeIpv6(hex: string): string {
  if (hex === '00000000000000000000000001000000') return '::1';
  if (hex === '00000000000000000000000000000000') return '::';
  return hex;
}

describe('token endpoint trouble during login', () => {
  const cases = [
    { fault: 'rate-limit', message: /rate limit was reached at the token endpoint \(limit 1000, remaining 0\)/ },
    { fault: 'server-error', message: /Podio failed at the token endpoint \(HTTP 500\)/ },
    { fault: 'html', message: /text\/html instead of JSON/ },
    { fault: 'truncated', message: /JSON that could not be parsed/ },
    { fault: 'reset', message: /connection was closed before an answer came/ },
  ] as const;
  for (const { fault, message } of cases) {
    it(`${fault}: exit 1, one clear line, nothing stored`, async () => {
      await setup();
      podio.fault('/oauth/token/v2', fault);
      const login = await runMain(['login'], sandbox.env());
      expect(login.code).toBe(1);
      expect(login.stderr).toMatch(message);
      expect(errorLines(login)).toHaveLength(1);
      expectClean(login, sandbox);
      expect(existsSync(sandbox.configFile)).toBe(false);
      // The code went to Podio once, and was not retried after the failure.
      expect(podio.faulted).toEqual([{ path: '/oauth/token/v2', fault }]);
      expect(podio.tokenRequests).toHaveLength(0);
      const last = (await podio.nextBrowserReport()).hops.at(-1)!;
      expect(last.body).toContain('Login failed');
    });
  }

  it('does not follow a redirect from the token endpoint (the body holds the secret)', async () => {
    await setup();
    podio.fault('/oauth/token/v2', 'redirect');
    const login = await runMain(['login'], sandbox.env());
    expect(login.code).toBe(1);
    expect(login.stderr).toMatch(/answered HTTP 307/);
    expect(podio.redirectedHits).toBe(0);
    expect(existsSync(sandbox.configFile)).toBe(false);
  });

  it('gives up on a hanging token endpoint', async () => {
    await setup();
    podio.fault('/oauth/token/v2', 'hang');
    const started = Date.now();
    const login = await runMain(['login'], sandbox.env({ PODIO_AUTH_HTTP_TIMEOUT: '1' }));
    expect(login.code).toBe(1);
    expect(login.stderr).toMatch(/did not answer within 1 s/);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(existsSync(sandbox.configFile)).toBe(false);
  });

  it('exits 4 on a wrong client secret', async () => {
    await setup();
    const login = await runMain(['login'], sandbox.env({ PODIO_CLIENT_SECRET: 'not-the-secret' }));
    expect(login.code).toBe(4);
    expect(login.stderr).toMatch(/rejected the client id or secret/);
    expect(login.stderr).not.toContain('not-the-secret');
    expect(existsSync(sandbox.configFile)).toBe(false);
  });

  it('falls back to the form endpoint when the JSON one does not exist', async () => {
    await setup({ endpoints: { json: false, form: true } });
    const login = await runMain(['login'], sandbox.env());
    expect(login.code).toBe(0);
    expect(podio.faulted).toEqual([]);
    expect(podio.tokenRequests.map((request) => request.endpoint)).toEqual(['form']);
    const token = await runMain(['token'], sandbox.env());
    expect(token.code).toBe(0);
  });
});

describe('client credentials', () => {
  it('exits 2 with a hint when there is no client id and no terminal', async () => {
    await setup();
    const login = await runMain(['login'], sandbox.env({ PODIO_CLIENT_ID: undefined }));
    expect(login.code).toBe(2);
    expect(login.stderr).toContain('podio.com/settings/api');
    expect(podio.authorizeRequests).toHaveLength(0);
  });

  it('reads the client secret from standard input with --client-secret-stdin', async () => {
    await setup();
    const login = await runMain(
      ['login', '--client-secret-stdin'],
      sandbox.env({ PODIO_CLIENT_SECRET: undefined }),
      `${podio.options.clientSecret}\n`,
    );
    expect(login.code).toBe(0);
    expect(podio.grants('authorization_code')[0]?.fields['client_secret']).toBe(podio.options.clientSecret);
  });
});

describe('a config directory login cannot use', () => {
  it('refuses to make a shared (sticky) directory private', async () => {
    const { podio, sandbox } = await startSandbox();
    const shared = join(sandbox.root, 'shared');
    mkdirSync(shared);
    chmodSync(shared, 0o1777);
    const result = await runMain(
      ['login', '--app', '777'],
      sandbox.env({ PODIO_AUTH_CONFIG_DIR: shared, PODIO_APP_TOKEN: 'app-token-0123456789abcdef' }),
    );
    expect(result.code).toBe(1);
    expect(errorLines(result)).toEqual([expect.stringMatching(/is a shared directory or not yours/)]);
    expect(statSync(shared).mode & 0o7777).toBe(0o1777);
    expect(podio.tokenRequests).toHaveLength(0);
  });

  it('a config dir that cannot be made private or written is found before the browser opens', async () => {
    const { podio, sandbox } = await startSandbox();
    mkdirSync(sandbox.configDir, { recursive: true });
    writeFileSync(join(sandbox.configDir, 'config.json'), '{"profiles": {}}');
    chmodSync(sandbox.configDir, 0o500);
    onTestFinished(() => chmodSync(sandbox.configDir, 0o700));
    const result = await runCli(['login'], sandbox.env(), '');
    if (isRoot) {
      // Root can write anywhere; the check still runs (and passes).
      expect(result.code).toBe(0);
    } else {
      expect(result.code).toBe(1);
      expect(podio.authorizeRequests).toHaveLength(0);
    }
    // A directory nobody can write to, root included (the kernel's own): the same check stops the login first.
    const kernels = '/proc/self/fdinfo';
    const blocked = await runCli(['login'], sandbox.env({ PODIO_AUTH_CONFIG_DIR: kernels }), '');
    expect(blocked.code).toBe(1);
    expect(errorLines(blocked)).toEqual([expect.stringContaining(`${kernels}/config.json`)]);
    expect(podio.authorizeRequests).toHaveLength(isRoot ? 1 : 0);
  });
});
