import { CliError, ExitCode, LOGIN_HINT, usageError } from './errors.js';
import type { HttpClient, HttpResponse } from './http.js';
import { sanitizeForTerminal } from './output.js';

/**
 * Everything Podio-specific: its URLs, how a grant is sent, how its answers and errors look. See FACTS in the
 * design notes; where Podio's behaviour is unconfirmed, the code here accepts either answer.
 */

export const DEFAULT_AUTH_URL = 'https://podio.com';
export const DEFAULT_API_URL = 'https://api.podio.com';
export const API_KEY_PAGE = 'https://podio.com/settings/api';

const LOOPBACK_HOST = /^(localhost|127\.\d{1,3}\.\d{1,3}\.\d{1,3}|\[::1\]|0\.0\.0\.0)$/i;

/**
 * An origin for PODIO_AUTH_URL / PODIO_API_URL. Plain http only to loopback (an emulator, a test server):
 * anywhere else it would send the client secret in the clear.
 */
export function parseOrigin(name: string, value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw usageError(`${name} is not a URL: "${value.slice(0, 100)}".`);
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && LOOPBACK_HOST.test(url.hostname))) {
    throw usageError(`${name} must be an https:// URL (plain http is allowed only to localhost).`);
  }
  if (url.username || url.password) throw usageError(`${name} must not contain a user name or password.`);
  return url.origin;
}

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

export function authorizeUrl(
  authOrigin: string,
  params: { clientId: string; redirectUri: string; state: string; scope?: string | undefined },
): string {
  const url = new URL('/oauth/authorize', authOrigin);
  url.searchParams.set('client_id', params.clientId);
  url.searchParams.set('redirect_uri', params.redirectUri);
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('state', params.state);
  if (params.scope) url.searchParams.set('scope', params.scope);
  return url.toString();
}

/**
 * POSTs a grant to Podio's documented JSON endpoint (`/oauth/token/v2`). If that endpoint is not there for
 * this account or deployment (404/405/415: the request was not processed, so the code is still unused), the
 * same grant goes once to the form-encoded endpoint every official library uses.
 */
export async function requestToken(
  http: HttpClient,
  apiOrigin: string,
  client: ClientCredentials,
  grant: Grant,
  now: Date,
  signal: AbortSignal,
): Promise<TokenSet> {
  const fields: Record<string, string> = { ...grant, client_id: client.clientId, client_secret: client.clientSecret };
  let response = await http({
    method: 'POST',
    url: new URL('/oauth/token/v2', apiOrigin).toString(),
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify(fields),
    signal,
  });
  if (response.status === 404 || response.status === 405 || response.status === 415) {
    response = await http({
      method: 'POST',
      url: new URL('/oauth/token', apiOrigin).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams(fields).toString(),
      signal,
    });
  }
  return parseTokenResponse(response, grant.grant_type, now);
}

interface PodioErrorBody {
  error?: unknown;
  error_description?: unknown;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describeBody(response: HttpResponse): string {
  const type = response.headers['content-type']?.split(';')[0]?.trim();
  if (response.text.length === 0) return 'an empty body';
  if (type && type !== 'application/json') return `${type} instead of JSON`;
  return 'JSON that could not be parsed';
}

/** Validates a token endpoint answer and turns it into a `TokenSet`, or into the error the user should see. */
export function parseTokenResponse(response: HttpResponse, grantType: Grant['grant_type'], now: Date): TokenSet {
  const body = parseJson(response.text);
  if (response.status < 200 || response.status >= 300) throw tokenEndpointError(response, body, grantType);
  if (!isObject(body)) {
    throw new CliError(
      'bad_response',
      ExitCode.failure,
      `Podio's token endpoint sent ${describeBody(response)} (HTTP ${response.status}).`,
      { hint: 'Nothing was stored. Try again later.' },
    );
  }
  const invalid = (what: string) =>
    new CliError('bad_response', ExitCode.failure, `Podio's token endpoint sent an answer without ${what}.`, {
      hint: 'Nothing was stored. Try again later.',
    });
  const { access_token: accessToken, refresh_token: refreshToken, token_type: tokenType, scope, ref } = body;
  if (accessToken === undefined && body['server_nonce'] !== undefined) {
    // podio-rb: a password grant on a two-factor account answers with a nonce, and no token can be had that way.
    throw new CliError('two_factor', ExitCode.authRequired, 'This Podio account uses two-factor authentication, so the password login cannot be used.', {
      hint: 'Log in through the browser instead: `podio-auth login`.',
    });
  }
  if (typeof accessToken !== 'string' || accessToken.length === 0) throw invalid('an access token');
  const expiresIn = typeof body['expires_in'] === 'string' && body['expires_in'] !== '' ? Number(body['expires_in']) : body['expires_in'];
  if (typeof expiresIn !== 'number' || !Number.isFinite(expiresIn)) throw invalid('a numeric expires_in');
  if (refreshToken !== undefined && refreshToken !== null && typeof refreshToken !== 'string') {
    throw invalid('a valid refresh token');
  }
  const tokens: TokenSet = {
    accessToken,
    tokenType: typeof tokenType === 'string' ? tokenType : 'bearer',
    // A token that is already expired (0 or less) is stored as such: the next `token` refreshes it.
    expiresAt: new Date(now.getTime() + Math.max(0, expiresIn) * 1000).toISOString(),
  };
  if (typeof refreshToken === 'string' && refreshToken.length > 0) tokens.refreshToken = refreshToken;
  if (typeof scope === 'string') tokens.scope = scope;
  if (isObject(ref) && typeof ref['type'] === 'string' && (typeof ref['id'] === 'number' || typeof ref['id'] === 'string')) {
    tokens.ref = { type: ref['type'], id: ref['id'] };
  }
  return tokens;
}

function podioErrorText(body: unknown): { error: string | undefined; text: string } {
  if (!isObject(body)) return { error: undefined, text: '' };
  const { error, error_description: description } = body as PodioErrorBody;
  const code = typeof error === 'string' ? sanitizeForTerminal(error, 60) : undefined;
  const detail = typeof description === 'string' ? sanitizeForTerminal(description) : '';
  return { error: code, text: [code, detail].filter(Boolean).join(': ') };
}

/** Errors every Podio endpoint shares: rate limits and server trouble. */
function commonError(response: HttpResponse, what: string): CliError | undefined {
  if (response.status === 420 || response.status === 429) {
    const retryAfter = response.headers['retry-after'];
    return new CliError('rate_limited', ExitCode.failure, `Podio's rate limit was reached (HTTP ${response.status}) at ${what}.`, {
      hint: retryAfter ? `Try again in ${sanitizeForTerminal(retryAfter, 20)} s.` : 'Try again later: Podio allows about 1,000 calls an hour.',
    });
  }
  if (response.status >= 500) {
    return new CliError('server_error', ExitCode.failure, `Podio's ${what} failed (HTTP ${response.status}).`, {
      hint: 'This is on Podio\'s side. Try again later.',
    });
  }
  return undefined;
}

function tokenEndpointError(response: HttpResponse, body: unknown, grantType: Grant['grant_type']): CliError {
  const common = commonError(response, 'token endpoint');
  if (common) return common;
  const { error, text } = podioErrorText(body);
  const said = text ? ` (${text})` : '';
  if (error === 'invalid_client' || error === 'unauthorized_client' || (response.status === 401 && error !== 'invalid_grant')) {
    return new CliError('client_rejected', ExitCode.authRequired, `Podio rejected the client id or secret${said}.`, {
      hint: `Check the API key at ${API_KEY_PAGE}, then run \`podio-auth login\` again.`,
    });
  }
  if (error === 'invalid_grant') return grantRejected(grantType, said);
  if (response.status >= 400 && response.status < 500 && error !== undefined) {
    return new CliError('podio_error', ExitCode.failure, `Podio refused the token request${said}.`);
  }
  return new CliError(
    'bad_response',
    ExitCode.failure,
    `Podio's token endpoint answered HTTP ${response.status} with ${describeBody(response)}.`,
    { hint: 'Nothing was stored. Try again later.' },
  );
}

function grantRejected(grantType: Grant['grant_type'], said: string): CliError {
  switch (grantType) {
    case 'refresh_token':
      return new CliError('refresh_rejected', ExitCode.authRequired, `Podio rejected the refresh token${said}.`, { hint: LOGIN_HINT });
    case 'authorization_code':
      return new CliError('code_rejected', ExitCode.authRequired, `Podio rejected the authorization code${said}.`, {
        hint: 'Codes are single-use and expire quickly. Run `podio-auth login` again.',
      });
    case 'app':
      return new CliError('app_rejected', ExitCode.authRequired, `Podio rejected the app id or app token${said}.`, {
        hint: "The app token is on the app's page in Podio: wrench icon, Developer.",
      });
    case 'password':
      return new CliError('password_rejected', ExitCode.authRequired, `Podio rejected the user name or password${said}.`, {
        hint: 'Check them, or log in through the browser: `podio-auth login`.',
      });
  }
}

export interface PodioUser {
  userId: number | string | undefined;
  name: string | undefined;
  mail: string | undefined;
}

/** `GET /user/status`: who the token belongs to. Podio wants `OAuth2`, not `Bearer`, in the header. */
export async function fetchUserStatus(
  http: HttpClient,
  apiOrigin: string,
  accessToken: string,
  signal: AbortSignal,
): Promise<PodioUser> {
  const response = await http({
    method: 'GET',
    url: new URL('/user/status', apiOrigin).toString(),
    headers: { authorization: `OAuth2 ${accessToken}`, accept: 'application/json' },
    signal,
  });
  return parseUserStatus(response);
}

export function parseUserStatus(response: HttpResponse): PodioUser {
  const body = parseJson(response.text);
  if (response.status === 401 || response.status === 403) {
    const { text } = podioErrorText(body);
    throw new CliError('token_rejected', ExitCode.authRequired, `Podio rejected the access token${text ? ` (${text})` : ''}.`, {
      hint: LOGIN_HINT,
    });
  }
  const common = commonError(response, '/user/status');
  if (common) throw common;
  if (response.status !== 200 || !isObject(body)) {
    throw new CliError('bad_response', ExitCode.failure, `Podio's /user/status answered HTTP ${response.status} with ${describeBody(response)}.`);
  }
  const user = isObject(body['user']) ? body['user'] : {};
  const profile = isObject(body['profile']) ? body['profile'] : {};
  const str = (value: unknown) => (typeof value === 'string' && value !== '' ? sanitizeForTerminal(value, 120) : undefined);
  const id = user['user_id'] ?? profile['user_id'];
  return {
    userId: typeof id === 'number' || typeof id === 'string' ? id : undefined,
    name: str(profile['name']) ?? str(user['name']),
    mail: str(user['mail']),
  };
}

/**
 * `GET /oauth/scope`: what the token may do, as scope strings (`global:all`, `space:42:read,write`). Works for app
 * tokens too, which have no `/user/status`. Undefined when the answer is not the shape Podio documents.
 */
export async function fetchGrantedScope(
  http: HttpClient,
  apiOrigin: string,
  accessToken: string,
  signal: AbortSignal,
): Promise<string[] | undefined> {
  const response = await http({
    method: 'GET',
    url: new URL('/oauth/scope', apiOrigin).toString(),
    headers: { authorization: `OAuth2 ${accessToken}`, accept: 'application/json' },
    signal,
  });
  const body = parseJson(response.text);
  if (response.status === 401 || response.status === 403) {
    const { text } = podioErrorText(body);
    throw new CliError('token_rejected', ExitCode.authRequired, `Podio rejected the access token${text ? ` (${text})` : ''}.`, { hint: LOGIN_HINT });
  }
  const common = commonError(response, '/oauth/scope');
  if (common) throw common;
  if (response.status !== 200) throw new CliError('bad_response', ExitCode.failure, `Podio's /oauth/scope answered HTTP ${response.status}.`);
  return grantedScopes(body);
}

const SCOPE_WORD = /^[a-z_]{1,20}$/;

/** Podio's `[{ ref_type, ref_id, permissions, ref_data }]` (ref_type null: global) as scope strings. */
function grantedScopes(body: unknown): string[] | undefined {
  if (!Array.isArray(body)) return undefined;
  const scopes: string[] = [];
  for (const entry of body) {
    if (!isObject(entry)) return undefined;
    const { ref_type: type, ref_id: id, permissions } = entry;
    if (type !== null && type !== undefined && !(typeof type === 'string' && SCOPE_WORD.test(type))) return undefined;
    if (id !== null && id !== undefined && !(typeof id === 'number' && Number.isSafeInteger(id) && id >= 0)) {
      return undefined;
    }
    const word = (value: unknown) => typeof value === 'string' && SCOPE_WORD.test(value);
    if (!Array.isArray(permissions) || permissions.length === 0 || !permissions.every(word)) return undefined;
    const ref = typeof id === 'number' ? [String(id)] : [];
    scopes.push([typeof type === 'string' ? type : 'global', ...ref, permissions.join(',')].join(':'));
  }
  return scopes;
}

export function describeUser(user: PodioUser): string {
  if (user.name && user.mail) return `${user.name} <${user.mail}>`;
  return user.name ?? user.mail ?? (user.userId !== undefined ? `user ${user.userId}` : 'an unnamed user');
}
