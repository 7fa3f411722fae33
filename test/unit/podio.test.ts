import { describe, expect, it } from 'vitest';
import { CliError, ExitCode } from '../../src/errors.js';
import type { HttpRequest, HttpResponse } from '../../src/http.js';
import { authorizeUrl, parseTokenResponse, parseUserStatus, requestToken } from '../../src/podio.js';

const now = new Date('2026-01-01T00:00:00Z');
const json = (status: number, body: unknown, headers: Record<string, string> = {}): HttpResponse => ({
  status,
  headers: { 'content-type': 'application/json', ...headers },
  text: typeof body === 'string' ? body : JSON.stringify(body),
});
const podioError = (error: string, description = 'x') => ({ error, error_description: description, error_detail: null });

function failure(fn: () => unknown): CliError {
  try {
    fn();
  } catch (error) {
    if (error instanceof CliError) return error;
    throw error;
  }
  throw new Error('did not throw');
}

describe('authorizeUrl', () => {
  it('carries client_id, redirect_uri, response_type, state and the scope only when given', () => {
    const url = new URL(authorizeUrl('https://podio.com', { clientId: 'c1', redirectUri: 'http://localhost:1/callback/n', state: 's' }));
    expect(url.origin + url.pathname).toBe('https://podio.com/oauth/authorize');
    expect(Object.fromEntries(url.searchParams)).toEqual({
      client_id: 'c1',
      redirect_uri: 'http://localhost:1/callback/n',
      response_type: 'code',
      state: 's',
    });
    const scoped = new URL(authorizeUrl('https://podio.com', { clientId: 'c1', redirectUri: 'http://x', state: 's', scope: 'global:read' }));
    expect(scoped.searchParams.get('scope')).toBe('global:read');
  });
});

describe('parseTokenResponse', () => {
  const ok = {
    access_token: 'A'.repeat(128),
    token_type: 'bearer',
    expires_in: 28800,
    refresh_token: 'R',
    scope: 'global:all',
    ref: { type: 'user', id: 12345 },
  };

  it('turns expires_in into an absolute expiry', () => {
    expect(parseTokenResponse(json(200, ok), 'authorization_code', now)).toEqual({
      accessToken: 'A'.repeat(128),
      tokenType: 'bearer',
      expiresAt: '2026-01-01T08:00:00.000Z',
      refreshToken: 'R',
      scope: 'global:all',
      ref: { type: 'user', id: 12345 },
    });
  });

  it('accepts a numeric string expires_in and a missing refresh token', () => {
    const tokens = parseTokenResponse(json(200, { access_token: 'a', expires_in: '60' }), 'refresh_token', now);
    expect(tokens.expiresAt).toBe('2026-01-01T00:01:00.000Z');
    expect(tokens.refreshToken).toBeUndefined();
  });

  it('refuses answers without a usable access token or expiry', () => {
    for (const body of [{ expires_in: 1 }, { access_token: '', expires_in: 1 }, { access_token: 'a' }, { access_token: 'a', expires_in: null }, { access_token: 'a', expires_in: 'soon' }, { access_token: 'a', expires_in: '' }, [1]]) {
      const error = failure(() => parseTokenResponse(json(200, body), 'authorization_code', now));
      expect(error.code).toBe('bad_response');
      expect(error.exitCode).toBe(ExitCode.failure);
    }
  });

  it('stores a token that is already expired as expired, not as an error', () => {
    expect(parseTokenResponse(json(200, { access_token: 'a', expires_in: 0 }), 'refresh_token', now).expiresAt).toBe(now.toISOString());
    expect(parseTokenResponse(json(200, { access_token: 'a', expires_in: -5 }), 'refresh_token', now).expiresAt).toBe(now.toISOString());
  });

  it('maps HTML, truncated JSON and empty bodies to one clear line', () => {
    expect(failure(() => parseTokenResponse({ status: 200, headers: { 'content-type': 'text/html' }, text: '<h1>x</h1>' }, 'refresh_token', now)).message).toBe(
      "Podio's token endpoint sent text/html instead of JSON (HTTP 200).",
    );
    expect(failure(() => parseTokenResponse(json(200, '{"access_token": "a'), 'refresh_token', now)).message).toMatch(/JSON that could not be parsed/);
    expect(failure(() => parseTokenResponse(json(200, ''), 'refresh_token', now)).message).toMatch(/an empty body/);
  });

  it('maps Podio errors to exit codes', () => {
    const cases: [HttpResponse, string, string, number][] = [
      [json(420, podioError('rate_limit')), 'refresh_token', 'rate_limited', 1],
      [json(429, {}, { 'retry-after': '30' }), 'refresh_token', 'rate_limited', 1],
      [json(500, podioError('unavailable')), 'refresh_token', 'server_error', 1],
      [json(503, '<html>'), 'authorization_code', 'server_error', 1],
      [json(400, podioError('invalid_grant')), 'refresh_token', 'refresh_rejected', 4],
      [json(400, podioError('invalid_grant')), 'authorization_code', 'code_rejected', 4],
      [json(400, podioError('invalid_client')), 'authorization_code', 'client_rejected', 4],
      [json(401, podioError('invalid_client')), 'refresh_token', 'client_rejected', 4],
      [json(401, podioError('unauthorized')), 'refresh_token', 'client_rejected', 4],
      [json(400, podioError('invalid_request')), 'refresh_token', 'podio_error', 1],
      [json(302, ''), 'refresh_token', 'bad_response', 1],
      [json(404, '<html>'), 'refresh_token', 'bad_response', 1],
    ];
    for (const [response, grant, code, exit] of cases) {
      const error = failure(() => parseTokenResponse(response, grant as 'refresh_token', now));
      expect([error.code, error.exitCode], `${response.status} ${response.text}`).toEqual([code, exit]);
    }
    expect(failure(() => parseTokenResponse(json(429, {}, { 'retry-after': '30' }), 'refresh_token', now)).hint).toBe('Try again in 30 s.');
  });

  it('shows Podio\'s description without control characters', () => {
    const error = failure(() => parseTokenResponse(json(400, podioError('invalid_grant', 'bad\u001b[31m code\n')), 'refresh_token', now));
    expect(error.message).toBe('Podio rejected the refresh token (invalid_grant: bad [31m code).');
  });
});

describe('requestToken', () => {
  const client = { clientId: 'id', clientSecret: 'secret' };
  const grant = { grant_type: 'refresh_token' as const, refresh_token: 'r1' };
  const tokenBody = { access_token: 'a', expires_in: 100 };

  it('posts JSON to /oauth/token/v2 with the client credentials', async () => {
    const seen: HttpRequest[] = [];
    await requestToken(async (request) => (seen.push(request), json(200, tokenBody)), 'https://api.example', client, grant, now, new AbortController().signal);
    expect(seen).toHaveLength(1);
    expect(seen[0]?.url).toBe('https://api.example/oauth/token/v2');
    expect(seen[0]?.headers['content-type']).toBe('application/json');
    expect(JSON.parse(seen[0]?.body ?? '')).toEqual({ grant_type: 'refresh_token', refresh_token: 'r1', client_id: 'id', client_secret: 'secret' });
  });

  it('falls back to the form endpoint only when the JSON one is not there', async () => {
    const seen: HttpRequest[] = [];
    const http = async (request: HttpRequest) => {
      seen.push(request);
      return request.url.endsWith('/v2') ? json(404, podioError('not_found')) : json(200, tokenBody);
    };
    await requestToken(http, 'https://api.example', client, grant, now, new AbortController().signal);
    expect(seen.map((request) => request.url)).toEqual(['https://api.example/oauth/token/v2', 'https://api.example/oauth/token']);
    expect(Object.fromEntries(new URLSearchParams(seen[1]?.body))).toEqual({ grant_type: 'refresh_token', refresh_token: 'r1', client_id: 'id', client_secret: 'secret' });

    const once: HttpRequest[] = [];
    await expect(
      requestToken(async (request) => (once.push(request), json(500, {})), 'https://api.example', client, grant, now, new AbortController().signal),
    ).rejects.toMatchObject({ code: 'server_error' });
    expect(once).toHaveLength(1);
  });
});

describe('parseUserStatus', () => {
  it('names the user from the profile and user parts', () => {
    expect(parseUserStatus(json(200, { user: { user_id: 1, mail: 'a@b.c' }, profile: { name: 'Ann' } }))).toEqual({ userId: 1, name: 'Ann', mail: 'a@b.c' });
  });

  it('treats 401 as a rejected token (exit 4)', () => {
    expect(failure(() => parseUserStatus(json(401, podioError('unauthorized', 'expired_token')))).exitCode).toBe(4);
  });
});
