import { describe, expect, it } from 'vitest';
import type { HttpRequest, HttpResponse } from '../../src/http.js';
import { isTokenExpiredAnswer, podioFailure } from '../../src/podio/answers.js';
import { authorizeUrl } from '../../src/podio/authorize-url.js';
import { parseExpiresIn, parseTokenAnswer, requestToken, type TokenAnswer } from '../../src/podio/token-client.js';
import { parseGrantedScope, parseUserStatus } from '../../src/podio/user-api.js';
import { thrown as failure } from '../support/errors.js';

const now = new Date('2026-01-01T00:00:00Z');
const json = (status: number, body: unknown, headers: Record<string, string> = {}): HttpResponse => ({
  status,
  headers: { 'content-type': 'application/json', ...headers },
  text: typeof body === 'string' ? body : JSON.stringify(body),
});
const podioError = (error: string, description = 'x') => ({
  error,
  error_description: description,
  error_detail: null,
});

function unusable(answer: TokenAnswer): Extract<TokenAnswer, { kind: 'unusable' }> {
  if (answer.kind !== 'unusable') throw new Error('expected an unusable answer');
  return answer;
}

describe('authorizeUrl', () => {
  it('carries client_id, redirect_uri, response_type, state and the scope only when given', () => {
    const url = new URL(
      authorizeUrl('https://podio.com', { clientId: 'c1', redirectUri: 'http://localhost:1/callback/n', state: 's' }),
    );
    expect(url.origin + url.pathname).toBe('https://podio.com/oauth/authorize');
    expect(Object.fromEntries(url.searchParams)).toEqual({
      client_id: 'c1',
      redirect_uri: 'http://localhost:1/callback/n',
      response_type: 'code',
      state: 's',
    });
    const scoped = new URL(
      authorizeUrl('https://podio.com', { clientId: 'c1', redirectUri: 'http://x', state: 's', scope: 'global:read' }),
    );
    expect(scoped.searchParams.get('scope')).toBe('global:read');
  });
});

describe('parseTokenAnswer', () => {
  const ok = {
    access_token: 'A'.repeat(128),
    token_type: 'bearer',
    expires_in: 28800,
    refresh_token: 'R'.repeat(40),
    scope: 'global:all',
    ref: { type: 'user', id: 12345 },
  };

  it('turns expires_in into an absolute expiry', () => {
    expect(parseTokenAnswer(json(200, ok), 'authorization_code', now)).toEqual({
      kind: 'tokens',
      tokens: {
        accessToken: 'A'.repeat(128),
        tokenType: 'bearer',
        expiresAt: '2026-01-01T08:00:00.000Z',
        refreshToken: 'R'.repeat(40),
        scope: 'global:all',
        ref: { type: 'user', id: 12345 },
      },
    });
  });

  it('takes expires_in only as a finite positive number of seconds, at most a year', () => {
    for (const good of [28800, '28800', 1, 1.5, 365 * 86_400]) expect(parseExpiresIn(good), String(good)).toBeDefined();
    for (const bad of [
      0,
      -5,
      1e13,
      'Infinity',
      'NaN',
      true,
      [60],
      null,
      undefined,
      '',
      '1e3',
      {},
      365 * 86_400 + 1,
      Number.NaN,
    ]) {
      expect(parseExpiresIn(bad), JSON.stringify(bad)).toBeUndefined();
    }
  });

  it('keeps the new refresh token of an answer whose expires_in is unusable, and never crashes', () => {
    for (const expires of [1e13, 'Infinity', true, [60], 0, -1]) {
      const answer = unusable(parseTokenAnswer(json(200, { ...ok, expires_in: expires }), 'refresh_token', now));
      expect(answer.refreshToken).toBe('R'.repeat(40));
      expect(answer.error).toMatchObject({ code: 'unusable_token_answer', exitCode: 1 });
      expect(answer.error.message).toMatch(/refresh token it sent is stored/);
    }
  });

  it('keeps the new refresh token of an answer without a usable access token', () => {
    for (const access of [undefined, '', 42, { a: 1 }, true, 'has space', 'tab\there', 'x'.repeat(5000)]) {
      const answer = unusable(parseTokenAnswer(json(200, { ...ok, access_token: access }), 'refresh_token', now));
      expect(answer.refreshToken, JSON.stringify(access)).toBe('R'.repeat(40));
    }
  });

  it('refuses a refresh token that is not a token, storing nothing', () => {
    for (const refresh of [42, { a: 1 }, 'bad\u001b[31mtoken']) {
      const answer = unusable(parseTokenAnswer(json(200, { ...ok, refresh_token: refresh }), 'refresh_token', now));
      expect(answer.refreshToken).toBeUndefined();
      expect(answer.error.hint).toMatch(/Nothing was stored/);
    }
  });

  it('maps HTML, truncated JSON, null and empty bodies to an unusable answer without tokens', () => {
    for (const text of ['<html>', '{"access_token": "abc", "expires_in": 28', 'null', '[]', '']) {
      const answer = unusable(
        parseTokenAnswer({ status: 200, headers: { 'content-type': 'text/html' }, text }, 'refresh_token', now),
      );
      expect(answer.refreshToken).toBeUndefined();
    }
  });

  it("maps Podio's errors to codes and keeps what Podio said", () => {
    const cases: [HttpResponse, string, string, number][] = [
      [json(400, podioError('invalid_grant')), 'refresh_token', 'refresh_rejected', 4],
      [json(400, podioError('invalid_grant')), 'authorization_code', 'code_rejected', 4],
      [json(400, podioError('invalid_grant')), 'app', 'app_rejected', 4],
      [json(400, podioError('invalid_grant')), 'password', 'password_rejected', 4],
      [json(401, podioError('invalid_client')), 'refresh_token', 'client_rejected', 4],
      [json(400, podioError('unsupported_grant_type')), 'refresh_token', 'podio_error', 1],
      [
        json(420, podioError('rate_limit'), { 'x-rate-limit-limit': '1000', 'x-rate-limit-remaining': '0' }),
        'app',
        'rate_limited',
        1,
      ],
      [json(429, {}), 'app', 'rate_limited', 1],
      [json(503, '<html>'), 'app', 'server_error', 1],
      [json(302, ''), 'app', 'bad_response', 1],
    ];
    for (const [response, grant, code, exitCode] of cases) {
      const error = failure(() => parseTokenAnswer(response, grant as 'app', now));
      expect(error, `${response.status} ${grant}`).toMatchObject({ code, exitCode });
      expect(error.podio?.status).toBe(response.status);
    }
    expect(
      failure(() =>
        parseTokenAnswer(
          json(420, podioError('rate_limit'), { 'x-rate-limit-limit': '1000', 'x-rate-limit-remaining': '0' }),
          'app',
          now,
        ),
      ).message,
    ).toMatch(/limit 1000, remaining 0/);
  });

  it('says two-factor accounts cannot use the password grant', () => {
    expect(failure(() => parseTokenAnswer(json(200, { server_nonce: 'n' }), 'password', now))).toMatchObject({
      code: 'two_factor',
      exitCode: 4,
    });
  });

  it("shows Podio's description without control characters", () => {
    const error = failure(() =>
      parseTokenAnswer(json(400, podioError('invalid_grant', 'bad\u001b[2Jtoken')), 'refresh_token', now),
    );
    expect(error.message).not.toContain('\u001b');
  });
});

describe('requestToken', () => {
  const client = { clientId: 'c', clientSecret: 's' };
  const grant = { grant_type: 'refresh_token', refresh_token: 'r' } as const;
  const tokens = { access_token: 'a', expires_in: 60 };

  it('posts JSON to /oauth/token/v2 with the client credentials', async () => {
    const seen: HttpRequest[] = [];
    const http = async (request: HttpRequest) => (seen.push(request), json(200, tokens));
    await requestToken(http, 'https://api.example', client, grant, now, new AbortController().signal);
    expect(seen).toHaveLength(1);
    expect(seen[0]?.url).toBe('https://api.example/oauth/token/v2');
    expect(JSON.parse(seen[0]?.body ?? '')).toEqual({
      grant_type: 'refresh_token',
      refresh_token: 'r',
      client_id: 'c',
      client_secret: 's',
    });
  });

  it('falls back to the form endpoint only when the JSON one is not there', async () => {
    for (const status of [404, 405, 415]) {
      const seen: HttpRequest[] = [];
      const http = async (request: HttpRequest) => (
        seen.push(request), seen.length === 1 ? json(status, {}) : json(200, tokens)
      );
      await requestToken(http, 'https://api.example', client, grant, now, new AbortController().signal);
      expect(seen.map((request) => request.url)).toEqual([
        'https://api.example/oauth/token/v2',
        'https://api.example/oauth/token',
      ]);
      expect(seen[1]?.body).toBe('grant_type=refresh_token&refresh_token=r&client_id=c&client_secret=s');
    }
    const seen: HttpRequest[] = [];
    const http = async (request: HttpRequest) => (seen.push(request), json(400, podioError('invalid_grant')));
    await expect(
      requestToken(http, 'https://api.example', client, grant, now, new AbortController().signal),
    ).rejects.toMatchObject({ code: 'refresh_rejected' });
    expect(seen).toHaveLength(1);
  });
});

describe('API answers', () => {
  it('names the user from the profile and user parts', () => {
    const user = parseUserStatus(json(200, { user: { user_id: 7, mail: 'a@b.c' }, profile: { name: 'Ada' } }));
    expect(user).toEqual({ userId: 7, name: 'Ada', mail: 'a@b.c' });
  });

  it('treats 401 as a rejected token (exit 4), and knows which 401s mean "refresh"', () => {
    const expired = json(401, { error: 'unauthorized', error_description: 'expired_token' });
    expect(failure(() => parseUserStatus(expired))).toMatchObject({ code: 'token_rejected', exitCode: 4 });
    expect(isTokenExpiredAnswer(podioFailure(expired))).toBe(true);
    expect(isTokenExpiredAnswer(podioFailure(json(401, { error: 'invalid_token' })))).toBe(true);
    expect(isTokenExpiredAnswer(podioFailure(json(401, { error: 'unauthorized', error_description: 'no' })))).toBe(
      false,
    );
    expect(isTokenExpiredAnswer(podioFailure(json(403, { error_description: 'expired_token' })))).toBe(false);
  });

  it("an app's token at /user/status is an app, not a login problem (exit 1)", () => {
    expect(failure(() => parseUserStatus(json(403, podioError('forbidden'))))).toMatchObject({
      code: 'app_token_not_user',
      exitCode: 1,
    });
  });

  it("reads /oauth/scope in Podio's list shape", () => {
    expect(
      parseGrantedScope([
        { ref_type: null, ref_id: null, permissions: ['all'], ref_data: null },
        { ref_type: 'space', ref_id: 123, permissions: ['read', 'write'], ref_data: { name: 'x' } },
      ]),
    ).toEqual(['global:all', 'space:123:read,write']);
    expect(parseGrantedScope({ scope: 'global:all' })).toBeUndefined();
    expect(parseGrantedScope(['junk'])).toBeUndefined();
  });
});
