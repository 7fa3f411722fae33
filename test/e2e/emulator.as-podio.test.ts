import { describe, expect, it, onTestFinished } from 'vitest';
import { APP, DEMO_CLIENT, type EmulatorOptions, PodioEmulator } from '../../src/emulator/podio-emulator.js';
import { createHttpClient, type HttpSend } from '../../src/http.js';
import { fetchGrantedScope } from '../../src/podio/user-api.js';
import { runMain, startCli, startSandbox, waitsEndWhen } from '../support/cli.js';

// Each mismatch with Podio that the emulator once had (issue: "Faithful to Podio"), tested with plain HTTP.

const REDIRECT = 'http://localhost:9/cb';
const CLIENT = { client_id: DEMO_CLIENT.clientId, client_secret: DEMO_CLIENT.clientSecret };
const APP_GRANT = { grant_type: 'app', app_id: APP.app_id, app_token: APP.app_token, ...CLIENT };

type Json = Record<string, unknown>;

async function startEmulator(options: EmulatorOptions = {}): Promise<PodioEmulator> {
  const emulator = await new PodioEmulator(options).start();
  onTestFinished(() => emulator.stop());
  return emulator;
}

/** An authorize request as a browser sends it, without following the redirect. */
function authorize(origin: string, query: string, form?: string): Promise<Response> {
  if (form === undefined) return fetch(`${origin}/oauth/authorize?${query}`, { redirect: 'manual' });
  return fetch(`${origin}/oauth/authorize`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: form,
    redirect: 'manual',
  });
}

function q(params: Record<string, string>): string {
  return new URLSearchParams(params).toString();
}

async function codeFor(origin: string, params: Record<string, string> = {}): Promise<string> {
  const response = await authorize(origin, q({ client_id: DEMO_CLIENT.clientId, redirect_uri: REDIRECT, ...params }));
  expect(response.status).toBe(302);
  return new URL(response.headers.get('location') ?? '').searchParams.get('code') ?? '';
}

function tokenForm(origin: string, fields: Record<string, string>, query = ''): Promise<Response> {
  return fetch(`${origin}/oauth/token${query ? `?${query}` : ''}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
  });
}

function tokenJson(origin: string, body: string, path = '/oauth/token/v2'): Promise<Response> {
  return fetch(`${origin}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
}

async function tokens(
  response: Response,
): Promise<{ access_token: string; refresh_token: string; expires_in: number; scope: string }> {
  expect(response.status).toBe(200);
  return (await response.json()) as { access_token: string; refresh_token: string; expires_in: number; scope: string };
}

function api(
  origin: string,
  path: string,
  token: string,
  via: 'header' | 'query' = 'header',
  method = 'GET',
): Promise<Response> {
  if (via === 'query') return fetch(`${origin}${path}?oauth_token=${token}`, { method });
  return fetch(`${origin}${path}`, { method, headers: { authorization: `OAuth2 ${token}` } });
}

function clock(origin: string, body: Json): Promise<Response> {
  return fetch(`${origin}/__emulator/clock`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

describe('the emulator answers as Podio does', () => {
  it('1: keeps the last of repeated authorize parameters, in the query and in the form', async () => {
    const emulator = await startEmulator({ decision: 'grant' });
    const id = DEMO_CLIENT.clientId;
    const redirect = (path: string) => `redirect_uri=${encodeURIComponent(`http://localhost:9/${path}`)}`;
    const twoRedirects = `${redirect('first')}&${redirect('last')}`;
    const lastWins = await authorize(emulator.url, `client_id=wrong&client_id=${id}&${twoRedirects}`);
    expect(lastWins.status).toBe(302);
    expect(new URL(lastWins.headers.get('location') ?? '').pathname).toBe('/last');
    const lastWrong = await authorize(
      emulator.url,
      `client_id=${id}&client_id=wrong&redirect_uri=${encodeURIComponent(REDIRECT)}`,
    );
    expect(lastWrong.status).toBe(400);

    const form = `client_id=${id}&${twoRedirects}&decision=deny&decision=grant`;
    const posted = new URL((await authorize(emulator.url, '', form)).headers.get('location') ?? '');
    expect(posted.pathname).toBe('/last');
    expect(posted.searchParams.get('code')).toMatch(/^[0-9a-f]{40}$/);
  });

  it("2: sends a code only to a redirect_uri on the API key's domain (any port, any path)", async () => {
    const emulator = await startEmulator({ decision: 'grant' });
    for (const foreign of [
      'https://attacker.example/cb',
      'http://127.0.0.1:9/cb',
      'http://localhost.attacker.example/cb',
      'ftp://localhost/cb',
    ]) {
      const refused = await authorize(emulator.url, q({ client_id: DEMO_CLIENT.clientId, redirect_uri: foreign }));
      expect(refused.status, foreign).toBe(400);
      expect(refused.headers.get('location')).toBeNull();
      expect(await refused.text()).toContain('invalid_');
      const forged = await authorize(
        emulator.url,
        '',
        q({ client_id: DEMO_CLIENT.clientId, redirect_uri: foreign, decision: 'grant' }),
      );
      expect(forged.status, foreign).toBe(400);
    }
    for (const ours of ['http://localhost:1/a', 'https://LOCALHOST:65535/deep/path?x=1']) {
      const granted = await authorize(emulator.url, q({ client_id: DEMO_CLIENT.clientId, redirect_uri: ours }));
      expect(granted.status, ours).toBe(302);
      expect(new URL(granted.headers.get('location') ?? '').searchParams.get('code')).toBeTruthy();
    }

    const registered = await startEmulator({ decision: 'grant', domain: 'localtest.me' });
    expect(
      (
        await authorize(
          registered.url,
          q({ client_id: DEMO_CLIENT.clientId, redirect_uri: 'http://localtest.me:8080/cb' }),
        )
      ).status,
    ).toBe(302);
    expect(
      (await authorize(registered.url, q({ client_id: DEMO_CLIENT.clientId, redirect_uri: REDIRECT }))).status,
    ).toBe(400);
  });

  it("3 and 4: grants the scope asked for, in the token answer and in /oauth/scope as Podio's list", async () => {
    const emulator = await startEmulator({ decision: 'grant' });
    const code = await codeFor(emulator.url, { scope: 'user:read space:read,write app:12:all' });
    const answer = await tokens(
      await tokenForm(emulator.url, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT, ...CLIENT }),
    );
    expect(answer.scope).toBe('user:read space:20:read,write app:12:all');
    const list = [
      { ref_type: 'user', ref_id: null, permissions: ['read'] },
      { ref_type: 'space', ref_id: 20, permissions: ['read', 'write'], ref_data: { name: 'Emulated space' } },
      { ref_type: 'app', ref_id: 12, permissions: ['all'], ref_data: { name: 'app 12' } },
    ];
    expect(await (await api(emulator.url, '/oauth/scope', answer.access_token)).json()).toEqual(list);
    // A refresh keeps the grant's scope.
    const refreshed = await tokens(
      await tokenForm(emulator.url, { grant_type: 'refresh_token', refresh_token: answer.refresh_token, ...CLIENT }),
    );
    expect(refreshed.scope).toBe(answer.scope);
    expect(await (await api(emulator.url, '/oauth/scope', refreshed.access_token)).json()).toEqual(list);

    const everything = await tokens(
      await tokenForm(emulator.url, {
        grant_type: 'authorization_code',
        code: await codeFor(emulator.url),
        redirect_uri: REDIRECT,
        ...CLIENT,
      }),
    );
    expect(everything.scope).toBe('global:all');
    expect(await (await api(emulator.url, '/oauth/scope', everything.access_token)).json()).toEqual([
      { ref_type: null, ref_id: null, permissions: ['all'] },
    ]);
    const app = await tokens(await tokenForm(emulator.url, APP_GRANT));
    expect(app.scope).toBe('app:777:all');

    const bad = await authorize(
      emulator.url,
      q({ client_id: DEMO_CLIENT.clientId, redirect_uri: REDIRECT, scope: 'everything' }),
    );
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain('invalid_scope');
  });

  it("4: podio-auth reads /oauth/scope as Podio's list, and anything else as unknown", async () => {
    const emulator = await startEmulator();
    const http = createHttpClient({}, 5000);
    const signal = new AbortController().signal;
    const space = emulator.issueTokens({ type: 'user', id: 4242 }, 'global:read space:42:read,write');
    expect(await fetchGrantedScope(http, emulator.url, space.access_token, signal)).toEqual([
      'global:read',
      'space:42:read,write',
    ]);

    const answering =
      (text: string): HttpSend =>
      async () => ({ status: 200, headers: { 'content-type': 'application/json' }, text });
    const read = (text: string) => fetchGrantedScope(answering(text), 'http://127.0.0.1:9', 'token', signal);
    expect(await read('[{"ref_type":null,"ref_id":null,"permissions":["all"]}]')).toEqual(['global:all']);
    expect(await read('[{"ref_type":"org","ref_id":7,"permissions":["read"],"ref_data":{"name":"x"}}]')).toEqual([
      'org:7:read',
    ]);
    for (const odd of [
      '{"scope":"global:all"}',
      'null',
      '"global:all"',
      '[null]',
      '[{"ref_type":"space","ref_id":"42","permissions":["read"]}]',
      '[{"ref_type":"space","ref_id":42,"permissions":[]}]',
      '[{"ref_type":"sp ace","ref_id":42,"permissions":["read"]}]',
      '[{"ref_type":null,"ref_id":null,"permissions":["\\u001b[31mall"]}]',
      'not json',
    ]) {
      expect(await read(odd), odd).toBeUndefined();
    }
  });

  it("5: takes the token request's fields from the query string too, as podio-rb sends them", async () => {
    const emulator = await startEmulator();
    const inQuery = await tokens(
      await fetch(`${emulator.url}/oauth/token?${q(APP_GRANT)}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
      }),
    );
    expect(emulator.isValidAccessToken(inQuery.access_token)).toBe(true);
    const formBody = await tokens(
      await tokenForm(emulator.url, { app_token: APP.app_token }, q({ ...APP_GRANT, app_token: 'wrong' })),
    );
    expect(emulator.isValidAccessToken(formBody.access_token)).toBe(true);
    expect(emulator.tokenRequests.at(-1)?.fields['app_token']).toBe(APP.app_token);
    expect(
      (await fetch(`${emulator.url}/oauth/token?${q({ ...APP_GRANT, app_token: 'wrong' })}`, { method: 'POST' }))
        .status,
    ).toBe(400);
  });

  it('6: takes ?oauth_token= on API calls as the token', async () => {
    const emulator = await startEmulator();
    const { access_token: token } = emulator.issueTokens();
    const status = await api(emulator.url, '/user/status', token, 'query');
    expect(status.status).toBe(200);
    expect(((await status.json()) as { user: { mail: string } }).user.mail).toBe('ada@example.com');
    expect((await api(emulator.url, '/oauth/scope', token, 'query')).status).toBe(200);
    expect((await api(emulator.url, '/user/status', 'f'.repeat(128), 'query')).status).toBe(401);
  });

  it('7: takes numbers in JSON bodies as their text', async () => {
    const emulator = await startEmulator();
    const answer = (await tokens(
      await tokenJson(emulator.url, JSON.stringify({ ...APP_GRANT, app_id: 777 })),
    )) as unknown as Json;
    expect(answer['ref']).toEqual({ type: 'app', id: 777 });
    expect(emulator.tokenRequests.at(-1)?.fields['app_id']).toBe('777');
  });

  it("8: answers a body that is not a JSON object with Podio's 400, never a 500", async () => {
    const emulator = await startEmulator();
    for (const body of ['null', '[]', '[{"grant_type":"app"}]', '42', '"app"', 'true', '{"grant_type":']) {
      for (const path of ['/oauth/token/v2', '/oauth/token']) {
        const response = await tokenJson(emulator.url, body, path);
        expect(response.status, `${path} ${body}`).toBe(400);
        const error = (await response.json()) as Json;
        expect(error).toMatchObject({
          error: 'invalid_request',
          error_detail: null,
          error_parameters: {},
          error_propagate: false,
        });
        expect(error['request']).toMatchObject({ url: `${emulator.url}${path}`, method: 'POST' });
      }
    }
  });

  it('9: sends the rate-limit headers on every API answer, per token per hour, and 420 past the limit', async () => {
    const emulator = await startEmulator({ rateLimit: 3 });
    const first = emulator.issueTokens().access_token;
    const remaining: (string | null)[] = [];
    for (const path of ['/user/status', '/oauth/scope', '/user/status']) {
      const response = await api(emulator.url, path, first);
      expect(response.status).toBe(200);
      expect(response.headers.get('x-rate-limit-limit')).toBe('3');
      remaining.push(response.headers.get('x-rate-limit-remaining'));
    }
    expect(remaining).toEqual(['2', '1', '0']);
    const over = await api(emulator.url, '/user/status', first);
    expect(over.status).toBe(420);
    expect(over.headers.get('x-rate-limit-remaining')).toBe('0');
    const waitOf = async (response: Response) => {
      const { error, error_description: text } = (await response.json()) as {
        error: string;
        error_description: string;
      };
      expect(error).toBe('rate_limit');
      return Number(/Please wait (\d+) seconds/.exec(text)?.[1]);
    };
    // The hour started with the first call, a moment ago.
    expect(await waitOf(over)).toBeGreaterThan(3590);
    expect(await waitOf(await api(emulator.url, '/user/status', first))).toBeLessThanOrEqual(3600);
    // Another token has its own count; the first one's hour ends on the emulated clock.
    expect(
      (await api(emulator.url, '/user/status', emulator.issueTokens().access_token)).headers.get(
        'x-rate-limit-remaining',
      ),
    ).toBe('2');
    emulator.advanceClock(1800);
    const halfway = await waitOf(await api(emulator.url, '/user/status', first));
    expect(halfway).toBeGreaterThan(1790);
    expect(halfway).toBeLessThanOrEqual(1800);
    emulator.advanceClock(1800);
    const nextHour = await api(emulator.url, '/user/status', first);
    expect(nextHour.status).toBe(200);
    expect(nextHour.headers.get('x-rate-limit-remaining')).toBe('2');

    const limited = await startEmulator({ rateLimited: true });
    const always = await api(limited.url, '/user/status', limited.issueTokens().access_token);
    expect(always.status).toBe(420);
    expect(always.headers.get('x-rate-limit-limit')).toBe('1000');
  });

  it('10: ends refresh tokens after 28 days of emulated time; the clock moves over HTTP and in process', async () => {
    const emulator = await startEmulator({ rotateRefreshTokens: false });
    const kept = emulator.issueTokens();
    const refresh = () =>
      tokenForm(emulator.url, { grant_type: 'refresh_token', refresh_token: kept.refresh_token, ...CLIENT });
    const moved = (await (await clock(emulator.url, { advance_seconds: 27 * 86_400 })).json()) as {
      offset_seconds: number;
      now: string;
    };
    expect(moved.offset_seconds).toBe(27 * 86_400);
    expect(Date.parse(moved.now) - Date.now()).toBeGreaterThan(27 * 86_400_000 - 60_000);
    // Eight hours are long past: the access token has expired, and the refresh token still works.
    expect(
      ((await (await api(emulator.url, '/user/status', kept.access_token)).json()) as Json)['error_description'],
    ).toBe('expired_token');
    expect((await tokens(await refresh())).refresh_token).toBe(kept.refresh_token);
    await clock(emulator.url, { advance_seconds: 86_400 });
    const expired = await refresh();
    expect(expired.status).toBe(400);
    expect(await expired.json()).toMatchObject({ error: 'invalid_grant' });
    expect(emulator.isLiveRefreshToken(kept.refresh_token)).toBe(false);

    // Back to the real time: the same refresh token is alive again, which shows it is the clock that ended it.
    expect(((await (await clock(emulator.url, { offset_seconds: 0 })).json()) as Json)['offset_seconds']).toBe(0);
    expect(emulator.isLiveRefreshToken(kept.refresh_token)).toBe(true);
    // A rotated refresh token starts its own 28 days; codes run on the same clock.
    const rotating = await startEmulator({ decision: 'grant', clockOffsetMs: 5_000 });
    expect((await (await fetch(`${rotating.url}/__emulator/clock`)).json()) as Json).toMatchObject({
      offset_seconds: 5,
    });
    const code = await codeFor(rotating.url);
    rotating.advanceClock(601);
    expect(
      (await tokenForm(rotating.url, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT, ...CLIENT }))
        .status,
    ).toBe(400);
    const first = rotating.issueTokens();
    rotating.advanceClock(20 * 86_400);
    const second = await tokens(
      await tokenForm(rotating.url, { grant_type: 'refresh_token', refresh_token: first.refresh_token, ...CLIENT }),
    );
    rotating.advanceClock(20 * 86_400);
    expect(rotating.isLiveRefreshToken(second.refresh_token)).toBe(true);
    rotating.advanceClock(8 * 86_400);
    expect(rotating.isLiveRefreshToken(second.refresh_token)).toBe(false);

    for (const wrong of [{}, { advance_seconds: '60' }, { offset_seconds: null }])
      expect((await clock(emulator.url, wrong)).status).toBe(400);
  });

  it("11: answers response_type=token with the tokens in the fragment, as Podio's client-side flow", async () => {
    const emulator = await startEmulator();
    const page = await (
      await authorize(
        emulator.url,
        q({ client_id: DEMO_CLIENT.clientId, redirect_uri: REDIRECT, response_type: 'token', state: 's9' }),
      )
    ).text();
    expect(page).toContain('<input type="hidden" name="response_type" value="token">');
    const granted = await authorize(
      emulator.url,
      '',
      q({
        client_id: DEMO_CLIENT.clientId,
        redirect_uri: REDIRECT,
        response_type: 'token',
        state: 's9',
        decision: 'grant',
      }),
    );
    const location = new URL(granted.headers.get('location') ?? '');
    expect(location.search).toBe('');
    const fragment = Object.fromEntries(new URLSearchParams(location.hash.slice(1)));
    expect(fragment).toEqual({
      access_token: expect.stringMatching(/^[0-9a-f]{128}$/),
      token_type: 'bearer',
      expires_in: '28800',
      refresh_token: expect.stringMatching(/^[0-9a-f]+$/),
      scope: 'global:all',
      state: 's9',
    });
    expect((await api(emulator.url, '/user/status', fragment['access_token'] ?? '')).status).toBe(200);
    expect(emulator.isLiveRefreshToken(fragment['refresh_token'] ?? '')).toBe(true);
    expect(
      (
        await authorize(
          emulator.url,
          q({ client_id: DEMO_CLIENT.clientId, redirect_uri: REDIRECT, response_type: 'id_token' }),
        )
      ).status,
    ).toBe(400);
  });

  it('12: with expires-in 0 only the first token of a grant is born expired; refreshed ones live 8 h', async () => {
    const emulator = await startEmulator({ decision: 'grant', expiresIn: 0 });
    const first = await tokens(
      await tokenForm(emulator.url, {
        grant_type: 'authorization_code',
        code: await codeFor(emulator.url),
        redirect_uri: REDIRECT,
        ...CLIENT,
      }),
    );
    expect(first.expires_in).toBe(0);
    expect((await api(emulator.url, '/user/status', first.access_token)).status).toBe(401);
    const refreshed = await tokens(
      await tokenForm(emulator.url, { grant_type: 'refresh_token', refresh_token: first.refresh_token, ...CLIENT }),
    );
    expect(refreshed.expires_in).toBe(28_800);
    expect((await api(emulator.url, '/user/status', refreshed.access_token)).status).toBe(200);

    const short = await startEmulator({ expiresIn: 5 });
    const again = await tokens(
      await tokenForm(short.url, {
        grant_type: 'refresh_token',
        refresh_token: short.issueTokens().refresh_token,
        ...CLIENT,
      }),
    );
    expect(again.expires_in).toBe(5);
  });

  it('13: answers invalid_token for unknown or revoked tokens, expired_token for expired ones', async () => {
    const emulator = await startEmulator();
    const unknown = await api(emulator.url, '/user/status', 'f'.repeat(128));
    expect(unknown.status).toBe(401);
    expect(unknown.headers.get('www-authenticate')).toBe('Bearer realm="podio", error="invalid_token"');
    expect(await unknown.json()).toMatchObject({ error: 'invalid_token', error_description: 'invalid_token' });

    const issued = emulator.issueTokens();
    expect((await api(emulator.url, '/oauth/grant/invalidate', issued.access_token, 'header', 'POST')).status).toBe(
      204,
    );
    const revoked = await api(emulator.url, '/oauth/scope', issued.access_token);
    expect(revoked.status).toBe(401);
    expect(await revoked.json()).toMatchObject({ error: 'invalid_token', error_description: 'invalid_token' });
    expect(
      (await tokenForm(emulator.url, { grant_type: 'refresh_token', refresh_token: issued.refresh_token, ...CLIENT }))
        .status,
    ).toBe(400);
    const hooked = emulator.issueTokens();
    expect(emulator.revokeGrant(hooked.refresh_token)).toBe(true);
    expect(emulator.isValidAccessToken(hooked.access_token)).toBe(false);

    const live = emulator.issueTokens().access_token;
    emulator.advanceClock(28_800);
    const expired = await api(emulator.url, '/user/status', live);
    expect(expired.status).toBe(401);
    expect(expired.headers.get('www-authenticate')).toBe('Bearer realm="podio", error="expired_token"');
    expect(await expired.json()).toMatchObject({ error: 'unauthorized', error_description: 'expired_token' });
  });

  it("2: makes a login whose --redirect-host is not the API key's domain fail, as Podio does", async () => {
    const { podio, sandbox } = await startSandbox();
    // The browser stops at Podio's refusal; the login then waits out its --timeout, which passes once it has.
    const report = podio.nextBrowserReport();
    const login = await runMain(['login', '--redirect-host', '127.0.0.1'], sandbox.env(), '', {
      deps: waitsEndWhen(report),
    });
    expect(login.code).toBe(3);
    const last = (await report).hops.at(-1);
    expect(last?.status).toBe(400);
    expect(last?.body).toContain('the redirect_uri must be on the API key&#39;s domain (localhost)');
    expect(podio.tokenRequests).toHaveLength(0);
  });

  it('serves podio-auth emulator --host localhost as http://localhost:PORT, with its new options', async () => {
    const cli = startCli(
      [
        'emulator',
        '--host',
        'localhost',
        '--domain',
        'example.test',
        '--rate-limit',
        '1',
        '--clock-offset',
        '86400',
        '--decision',
        'grant',
      ],
      { PATH: process.env['PATH'] },
    );
    try {
      const [, url] = (await cli.waitForStderr(/listening on (http:\/\/localhost:\d+)/)) as RegExpMatchArray;
      const origin = url as string;
      // The redirect host is only compared, never resolved.
      expect(
        (await authorize(origin, q({ client_id: DEMO_CLIENT.clientId, redirect_uri: 'http://example.test:8080/cb' })))
          .status,
      ).toBe(302);
      expect((await authorize(origin, q({ client_id: DEMO_CLIENT.clientId, redirect_uri: REDIRECT }))).status).toBe(
        400,
      );
      const app = await tokens(await tokenForm(origin, APP_GRANT));
      const once = await api(origin, '/oauth/scope', app.access_token);
      expect(once.headers.get('x-rate-limit-limit')).toBe('1');
      expect((await api(origin, '/oauth/scope', app.access_token)).status).toBe(420);
      expect(((await (await fetch(`${origin}/__emulator/clock`)).json()) as Json)['offset_seconds']).toBe(86_400);
    } finally {
      cli.child.kill('SIGINT');
      const stopped = await cli.done;
      expect(stopped.stdout).toMatch(/^export PODIO_API_URL=http:\/\/localhost:\d+$/m);
    }
  });
});
