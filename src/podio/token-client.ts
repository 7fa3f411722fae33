import { isObject, isTokenText } from '../domain/guards.js';
import { sanitizeForTerminal } from '../domain/terminal-text.js';
import { PodioAuthError } from '../errors.js';
import type { HttpRequest, HttpResponse, HttpSend } from '../http.js';
import { commonError, describeBody, describeFailure, parseJson, podioFailure } from './answers.js';
import { API_KEY_PAGE } from './origins.js';

/**
 * Podio's token endpoint: building a grant request, and turning the answer into tokens or the error the user
 * should see. The HTTP exchange itself is `requestToken`; parsing is apart so it can be tested on canned answers.
 */

export interface ClientCredentials {
  clientId: string;
  clientSecret: string;
}

export type Grant =
  | { grant_type: 'authorization_code'; code: string; redirect_uri: string }
  | { grant_type: 'refresh_token'; refresh_token: string }
  /** Authenticates as one Podio app (`ref.type` = `app`). */
  | { grant_type: 'app'; app_id: string; app_token: string }
  /** Podio's "trusted clients only" last resort. */
  | { grant_type: 'password'; username: string; password: string };

export type GrantType = Grant['grant_type'];

export interface TokenRef {
  type: string;
  id: number | string;
}

export interface TokenSet {
  accessToken: string;
  tokenType: string;
  /** ISO 8601: when the access token stops working. */
  expiresAt: string;
  refreshToken?: string;
  scope?: string;
  ref?: TokenRef;
}

/**
 * What a token endpoint answered. `unusable`: a 2xx whose tokens cannot be used, but which may carry a new
 * refresh token — Podio may have rotated the old one away, so the caller must store that before failing.
 */
export type TokenAnswer =
  | { kind: 'tokens'; tokens: TokenSet }
  | { kind: 'unusable'; error: PodioAuthError; refreshToken: string | undefined };

/** A year: Podio's tokens live 8 hours; anything far beyond is not an answer to trust. */
const MAX_EXPIRES_IN_SECONDS = 365 * 86_400;
const MAX_TOKEN_LENGTH = 4096;
const MAX_SCOPE_LENGTH = 1_000;

/**
 * The most an accepted token answer can add to a stored profile, as JSON text: an access token, a refresh token and
 * a token type of up to 4096 characters each (a " or \ written as two), a scope of up to 1,000 characters and an
 * ellipsis (6 bytes each at most), and a kilobyte for `ref`, the dates and the names of the fields. A store sets this
 * much room aside before a grant is sent, so that a full disk fails while the old refresh token still works.
 */
export const MAX_ANSWER_GROWTH_BYTES = 3 * 2 * MAX_TOKEN_LENGTH + 6 * (MAX_SCOPE_LENGTH + 1) + 1024;

export interface TokenRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
}

export function grantFields(client: ClientCredentials, grant: Grant): Record<string, string> {
  return { ...grant, client_id: client.clientId, client_secret: client.clientSecret };
}

/** The documented JSON endpoint. */
export function jsonTokenRequest(apiOrigin: string, client: ClientCredentials, grant: Grant): TokenRequest {
  return {
    url: new URL('/oauth/token/v2', apiOrigin).toString(),
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify(grantFields(client, grant)),
  };
}

/** The form-encoded endpoint every official library uses. */
export function formTokenRequest(apiOrigin: string, client: ClientCredentials, grant: Grant): TokenRequest {
  return {
    url: new URL('/oauth/token', apiOrigin).toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: new URLSearchParams(grantFields(client, grant)).toString(),
  };
}

/** What ends a token request, and when: see `HttpRequest`. */
export type SendSignals = Pick<HttpRequest, 'signal' | 'abortUntilSent' | 'onSent'>;

/**
 * POSTs a grant to `/oauth/token/v2`. If that endpoint is not there (404/405/415: the request was not processed,
 * so a code is still unused), the same grant goes once to the form endpoint. A redirect is never followed.
 */
export async function requestToken(
  http: HttpSend,
  apiOrigin: string,
  client: ClientCredentials,
  grant: Grant,
  now: Date,
  signals: AbortSignal | SendSignals,
): Promise<TokenAnswer> {
  const how: SendSignals = signals instanceof AbortSignal ? { signal: signals } : signals;
  const send = (request: TokenRequest) => http({ method: 'POST', ...request, ...how });
  let response = await send(jsonTokenRequest(apiOrigin, client, grant));
  if (response.status === 404 || response.status === 405 || response.status === 415) {
    response = await send(formTokenRequest(apiOrigin, client, grant));
  }
  return parseTokenAnswer(response, grant.grant_type, now);
}

function unusable(what: string, refreshToken: string | undefined): TokenAnswer {
  const kept = refreshToken ? ' The new refresh token it sent is stored, so the login is kept.' : '';
  return {
    kind: 'unusable',
    error: new PodioAuthError('unusable_token_answer', `Podio's token endpoint sent ${what}.${kept}`, {
      hint: refreshToken ? 'Try again later.' : 'Nothing was stored. Try again later.',
    }),
    refreshToken,
  };
}

function tokenText(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 && value.length <= MAX_TOKEN_LENGTH && isTokenText(value)
    ? value
    : undefined;
}

/** `expires_in` as seconds, or undefined when it is not a finite positive number of at most a year. */
export function parseExpiresIn(value: unknown): number | undefined {
  const seconds = typeof value === 'string' && /^\d+(\.\d+)?$/.test(value) ? Number(value) : value;
  if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds < 1 || seconds > MAX_EXPIRES_IN_SECONDS) {
    return undefined;
  }
  return seconds;
}

/** Validates a token endpoint answer. Non-2xx answers throw the error the user should see. */
export function parseTokenAnswer(response: HttpResponse, grantType: GrantType, now: Date): TokenAnswer {
  const body = parseJson(response.text);
  if (response.status < 200 || response.status >= 300) throw tokenEndpointError(response, body, grantType);
  if (!isObject(body)) return unusable(`${describeBody(response)} (HTTP ${response.status})`, undefined);
  if (body['access_token'] === undefined && body['server_nonce'] !== undefined) {
    // podio-rb: a password grant on a two-factor account answers with a nonce, and no token can be had that way.
    throw new PodioAuthError(
      'two_factor',
      'This Podio account uses two-factor authentication, so the password login cannot be used.',
    );
  }
  const rawRefresh = body['refresh_token'];
  const refreshToken = tokenText(rawRefresh);
  if (rawRefresh !== undefined && rawRefresh !== null && rawRefresh !== '' && refreshToken === undefined) {
    return unusable('a refresh token that is not a token', undefined);
  }
  const accessToken = tokenText(body['access_token']);
  if (accessToken === undefined) return unusable('an answer without a usable access token', refreshToken);
  const expiresIn = parseExpiresIn(body['expires_in']);
  if (expiresIn === undefined) {
    return unusable('an expires_in that is not a number of seconds from 1 to a year', refreshToken);
  }
  const tokens: TokenSet = {
    accessToken,
    tokenType: tokenText(body['token_type']) ?? 'bearer',
    expiresAt: new Date(now.getTime() + expiresIn * 1000).toISOString(),
  };
  if (refreshToken !== undefined) tokens.refreshToken = refreshToken;
  // Shown and stored as text: nothing that could rewrite a terminal.
  if (typeof body['scope'] === 'string') tokens.scope = sanitizeForTerminal(body['scope'], MAX_SCOPE_LENGTH);
  const ref = isObject(body['ref']) ? body['ref'] : {};
  const { type, id } = ref;
  if (
    typeof type === 'string' &&
    /^[a-z_]{1,40}$/.test(type) &&
    (typeof id === 'number' || (typeof id === 'string' && /^\w{1,40}$/.test(id)))
  ) {
    tokens.ref = { type, id };
  }
  return { kind: 'tokens', tokens };
}

function tokenEndpointError(response: HttpResponse, body: unknown, grantType: GrantType): PodioAuthError {
  const common = commonError(response, 'the token endpoint');
  if (common) return common;
  const podio = podioFailure(response, body);
  const said = describeFailure(podio);
  const paren = said ? ` (${said})` : '';
  const { error } = podio;
  if (
    error === 'invalid_client' ||
    error === 'unauthorized_client' ||
    (response.status === 401 && error !== undefined && error !== 'invalid_grant')
  ) {
    return new PodioAuthError('client_rejected', `Podio rejected the client id or secret${paren}.`, {
      hint: `Check the API key at ${API_KEY_PAGE}, then run \`podio-auth login\` again.`,
      podio,
    });
  }
  if (error === 'invalid_grant') return grantRejected(grantType, paren, podio);
  if (response.status >= 400 && response.status < 500 && error !== undefined) {
    return new PodioAuthError('podio_error', `Podio refused the token request${paren}.`, { podio });
  }
  return new PodioAuthError(
    'bad_response',
    `Podio's token endpoint answered HTTP ${response.status} with ${describeBody(response)}.`,
    { podio },
  );
}

function grantRejected(grantType: GrantType, paren: string, podio: ReturnType<typeof podioFailure>): PodioAuthError {
  switch (grantType) {
    case 'refresh_token':
      return new PodioAuthError('refresh_rejected', `Podio rejected the refresh token${paren}.`, { podio });
    case 'authorization_code':
      return new PodioAuthError('code_rejected', `Podio rejected the authorization code${paren}.`, { podio });
    case 'app':
      return new PodioAuthError('app_rejected', `Podio rejected the app id or app token${paren}.`, { podio });
    case 'password':
      return new PodioAuthError('password_rejected', `Podio rejected the user name or password${paren}.`, { podio });
  }
}

/** Throws the answer's error, for callers that have nothing to salvage from an unusable answer. */
export function tokensOrThrow(answer: TokenAnswer): TokenSet {
  if (answer.kind === 'unusable') throw answer.error;
  return answer.tokens;
}
