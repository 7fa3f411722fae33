import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it, onTestFinished } from 'vitest';
import { USER } from '../../src/emulator/podio-emulator.js';
import { getAccessToken, getToken, login, PodioAuthError, podioFetch } from '../../src/index.js';
import { inAnHour, ROOT, startSandbox } from '../support/cli.js';

describe('library API', () => {
  it('is importable by package name, with types, from the built package', async () => {
    const { sandbox } = await startSandbox();
    const { access_token } = sandbox.storeLogin(new Date(Date.now() + 3_600_000));
    const script = "import { getAccessToken } from 'podio-auth'; process.stdout.write(await getAccessToken());";
    const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: ROOT,
      env: sandbox.env(),
      encoding: 'utf8',
    });
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe(access_token);
  });

  it('logs in and refreshes through the same store and lock as the CLI', async () => {
    const { podio, sandbox } = await startSandbox();
    const env = sandbox.env();
    const logged = await login({ env, profile: 'lib' });
    expect(logged.profile).toBe('lib');
    expect(podio.isValidAccessToken(logged.accessToken)).toBe(true);
    expect(sandbox.readConfig().profiles['lib']!['access_token']).toBe(logged.accessToken);

    sandbox.editProfile('lib', { expires_at: new Date(Date.now() - 1000).toISOString() });
    const fresh = await getToken({ env, profile: 'lib' });
    expect(fresh.accessToken).not.toBe(logged.accessToken);
    expect(fresh).toMatchObject({ tokenType: 'bearer', profile: 'lib', ref: { type: 'user', id: 4242 } });
    expect(await getAccessToken({ env, profile: 'lib' })).toBe(fresh.accessToken);
    expect(podio.grants('refresh_token')).toHaveLength(1);
  });

  it('follows a change to the environment object between calls: another config dir is another store', async () => {
    const first = await startSandbox();
    const second = await startSandbox();
    const tokenOf = (sandbox: typeof first.sandbox) => sandbox.storeLogin(inAnHour()).access_token;
    const [one, two] = [tokenOf(first.sandbox), tokenOf(second.sandbox)];
    // One object, changed in place, as a program changes process.env (each profile has its own Podio).
    const env = first.sandbox.env({ PODIO_API_URL: undefined });
    expect(await getAccessToken({ env })).toBe(one);
    env['PODIO_AUTH_CONFIG_DIR'] = second.sandbox.configDir;
    expect(await getAccessToken({ env })).toBe(two);
    env['PODIO_AUTH_CONFIG_DIR'] = first.sandbox.configDir;
    expect(await getAccessToken({ env })).toBe(one);
  });

  it('a call reads the environment once: a change made while it runs goes to the next call, not into this one', async () => {
    const { sandbox } = await startSandbox();
    const user = sandbox.storeLogin(inAnHour(), 'user');
    const app = sandbox.storeLogin(inAnHour(), 'app');
    const env = sandbox.env({ PODIO_PROFILE: 'user' });
    const first = getToken({ env });
    env['PODIO_PROFILE'] = 'app';
    const second = getToken({ env });
    expect(await first).toMatchObject({ profile: 'user', accessToken: user.access_token });
    expect(await second).toMatchObject({ profile: 'app', accessToken: app.access_token });
  });

  it('throws PodioAuthError with a code and exit code', async () => {
    const { sandbox } = await startSandbox();
    const error = await getAccessToken({ env: sandbox.env(), profile: 'nobody' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PodioAuthError);
    expect(error).toMatchObject({ code: 'not_logged_in', exitCode: 4 });
  });
});

/** An API on loopback that answers every call with {} and keeps the Authorization header of each. */
async function recordingApi(): Promise<{ url: string; authorizations: string[] }> {
  const authorizations: string[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    authorizations.push(req.headers.authorization ?? '');
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, authorizations };
}

describe('podioFetch', () => {
  const inAnHour = () => new Date(Date.now() + 3_600_000);

  it("GET: Podio's answer, parsed, with status and headers; the stored token as OAuth2", async () => {
    const { podio, sandbox } = await startSandbox();
    const { access_token } = sandbox.storeLogin(inAnHour());
    const answer = await podioFetch('/user/status', {}, { env: sandbox.env() });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ user: { user_id: USER.user_id, mail: USER.mail } });
    expect(answer.headers).toMatchObject({ 'x-rate-limit-limit': '1000', 'x-rate-limit-remaining': '999' });
    expect(podio.userStatusCalls).toEqual([`OAuth2 ${access_token}`]);
  });

  it('an object body goes as JSON (POST by default); query parameters are added; a string body as it is', async () => {
    const { podio, sandbox } = await startSandbox();
    sandbox.storeLogin(inAnHour());
    const env = sandbox.env();
    const created = await podioFetch<{ item_id: number; title: string }>(
      'item/app/777/',
      { body: { fields: { title: 'Write the report', estimate: 3 }, tags: ['q3'] } },
      { env },
    );
    expect(created.body).toEqual({ item_id: expect.any(Number), title: 'Write the report' });
    expect(podio.items.items(777).at(-1)).toMatchObject({ title: 'Write the report', tags: ['q3'] });

    const apps = await podioFetch<{ app_id: number }[]>('/app/space/555/', { query: { limit: 2, offset: 1 } }, { env });
    expect(apps.body.map((app) => app.app_id)).toEqual([778, 779]);

    const page = await podioFetch<{ filtered: number; items: unknown[] }>(
      '/item/app/777/filter/?fields=items.view(micro)',
      { method: 'post', body: '{"limit": 5, "offset": 0}', headers: { 'X-Podio-Test': 'yes' } },
      { env },
    );
    expect(page.body.filtered).toBe(251);
    expect(page.body.items).toHaveLength(5);
  });

  it('expired_token on a token that is valid here: one refresh, one retry, and the refresh is stored', async () => {
    const { podio, sandbox } = await startSandbox();
    const first = sandbox.storeLogin(inAnHour());
    podio.advanceClock(8 * 3600 + 60);
    const env = sandbox.env();
    const answer = await podioFetch('/user/status', {}, { env });
    expect(answer.status).toBe(200);
    expect(podio.grants('refresh_token')).toHaveLength(1);
    const stored = sandbox.readConfig().profiles['default']!;
    expect(stored['access_token']).not.toBe(first.access_token);
    expect(podio.userStatusCalls).toEqual([`OAuth2 ${first.access_token}`, `OAuth2 ${stored['access_token']}`]);
    expect(await getAccessToken({ env })).toBe(stored['access_token']);
  });

  it('concurrent calls that all need a refresh share one', async () => {
    const { podio, sandbox } = await startSandbox({ tokenDelayMs: 200 });
    sandbox.storeLogin(new Date(Date.now() - 60_000));
    const env = sandbox.env();
    const answers = await Promise.all(Array.from({ length: 5 }, () => podioFetch('/user/status', {}, { env })));
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200, 200, 200]);
    expect(podio.grants('refresh_token')).toHaveLength(1);
  });

  it('failures are PodioAuthErrors with stable codes: http_error, rate_limited, token_rejected', async () => {
    const { podio, sandbox } = await startSandbox({ rateLimit: 1 });
    sandbox.storeLogin(inAnHour());
    const env = sandbox.env();
    const missing = await podioFetch('/item/999', {}, { env }).catch((error: unknown) => error);
    expect(missing).toBeInstanceOf(PodioAuthError);
    expect(missing).toMatchObject({
      code: 'http_error',
      exitCode: 1,
      message: 'HTTP 404: Object not found',
      podio: { status: 404, error: 'not_found', errorDescription: 'Object not found' },
    });

    const calls = podio.userStatusCalls.length;
    const limited = await podioFetch('/user/status', {}, { env }).catch((error: unknown) => error);
    expect(limited).toMatchObject({ code: 'rate_limited', podio: { status: 420 } });
    expect((limited as Error).message).toMatch(/0 of 1 calls left in the current hour/);
    expect(podio.userStatusCalls.length).toBe(calls + 1);

    podio.fault('/oauth/scope', 'expired-token', 2);
    const rejected = await podioFetch('/oauth/scope', {}, { env }).catch((error: unknown) => error);
    expect(rejected).toMatchObject({ code: 'token_rejected', exitCode: 4 });
    expect(podio.grants('refresh_token')).toHaveLength(1);
  });

  it('sends nothing (and refreshes nothing) for another origin, a forbidden header, or a GET with a body', async () => {
    const { podio, sandbox } = await startSandbox();
    sandbox.storeLogin(new Date(Date.now() - 60_000));
    const env = sandbox.env();
    const refusals = await Promise.all([
      podioFetch('https://evil.example/user/status', {}, { env }).catch((error: unknown) => error),
      podioFetch('/user/status', { headers: { Authorization: 'OAuth2 mine' } }, { env }).catch((e: unknown) => e),
      podioFetch('/item/app/777/filter/', { method: 'GET', body: {} }, { env }).catch((e: unknown) => e),
      podioFetch('/user/status', { method: 'PATCH' as 'GET' }, { env }).catch((e: unknown) => e),
    ]);
    expect(refusals.map((error) => (error as PodioAuthError).code)).toEqual([
      'endpoint_refused',
      'usage',
      'usage',
      'usage',
    ]);
    expect(podio.tokenRequests).toEqual([]);
    expect(podio.userStatusCalls).toEqual([]);
  });

  it("env-only mode: a call's origin and token come from one reading of the environment", async () => {
    const { sandbox } = await startSandbox();
    const [a, b] = [await recordingApi(), await recordingApi()];
    const env = sandbox.env({ PODIO_API_URL: a.url, PODIO_ACCESS_TOKEN: 'token-of-tenant-a' });
    const first = podioFetch('/user/status', {}, { env });
    Object.assign(env, { PODIO_API_URL: b.url, PODIO_ACCESS_TOKEN: 'token-of-tenant-b' });
    const second = podioFetch('/user/status', {}, { env });
    await Promise.all([first, second]);
    expect(a.authorizations).toEqual(['OAuth2 token-of-tenant-a']);
    expect(b.authorizations).toEqual(['OAuth2 token-of-tenant-b']);
  });

  it('env-only mode: PODIO_ACCESS_TOKEN, no file read or written', async () => {
    const { podio, sandbox } = await startSandbox();
    const { access_token } = podio.issueTokens();
    const answer = await podioFetch('/user/status', {}, { env: sandbox.env({ PODIO_ACCESS_TOKEN: access_token }) });
    expect(answer.body).toMatchObject({ user: { user_id: USER.user_id } });
    expect(podio.userStatusCalls).toEqual([`OAuth2 ${access_token}`]);
    expect(existsSync(sandbox.configFile)).toBe(false);
  });

  it('GET is tried again on 502, twice at most; POST never', async () => {
    const server = await startServer((_req, res) => res.writeHead(502, { 'retry-after': '0' }).end('Bad gateway'));
    const env = { PODIO_ACCESS_TOKEN: 'env-token-0123456789', PODIO_API_URL: server.url };
    const get = await podioFetch('/item/1', {}, { env }).catch((error: unknown) => error);
    expect(get).toMatchObject({ code: 'http_error', message: 'HTTP 502', podio: { status: 502 } });
    expect(server.requests.map((request) => request.method)).toEqual(['GET', 'GET', 'GET']);
    server.requests.length = 0;
    const headers = { 'X-Podio-Test': 'yes' };
    const post = await podioFetch('/item/app/1/', { body: { a: 1 }, headers }, { env }).catch((e: unknown) => e);
    expect(post).toMatchObject({ code: 'http_error', podio: { status: 502 } });
    expect(server.requests).toEqual([
      {
        method: 'POST',
        body: '{"a":1}',
        contentType: 'application/json; charset=utf-8',
        test: 'yes',
        authorization: 'OAuth2 env-token-0123456789',
      },
    ]);
  });

  it('a text answer comes back as text', async () => {
    const server = await startServer((_req, res) =>
      res.writeHead(200, { 'content-type': 'text/csv' }).end('a,b\n1,2\n'),
    );
    const env = { PODIO_ACCESS_TOKEN: 'env-token-0123456789', PODIO_API_URL: server.url };
    expect(await podioFetch('/item/app/1/xlsx/', {}, { env })).toMatchObject({ status: 200, body: 'a,b\n1,2\n' });
  });
});

interface SeenRequest {
  method: string | undefined;
  body: string;
  contentType: string | undefined;
  test?: string | string[] | undefined;
  authorization?: string | undefined;
}

/** A small HTTP server on 127.0.0.1:0 that records what it gets; closed when the test ends. */
async function startServer(
  answer: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<{ url: string; requests: SeenRequest[] }> {
  const requests: SeenRequest[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      const seen: SeenRequest = { method: req.method, body, contentType: req.headers['content-type'] };
      if (req.headers['x-podio-test'] !== undefined) seen.test = req.headers['x-podio-test'];
      if (req.method === 'POST') seen.authorization = req.headers.authorization;
      requests.push(seen);
      answer(req, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests };
}
