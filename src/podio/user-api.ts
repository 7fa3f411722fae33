import { isObject } from '../domain/guards.js';
import { sanitizeForTerminal } from '../domain/terminal-text.js';
import { PodioAuthError } from '../errors.js';
import type { HttpResponse, HttpSend } from '../http.js';
import { commonError, describeBody, parseJson, tokenRejected } from './answers.js';

/** The two API calls podio-auth makes with a token: who it belongs to, and what it may do. */

export interface PodioUser {
  userId: number | string | undefined;
  name: string | undefined;
  mail: string | undefined;
}

/** Podio wants `OAuth2`, not `Bearer`, in the header. */
export function authorizationHeader(accessToken: string): string {
  return `OAuth2 ${accessToken}`;
}

async function get(http: HttpSend, apiOrigin: string, path: string, accessToken: string, signal: AbortSignal) {
  return http({
    method: 'GET',
    url: new URL(path, apiOrigin).toString(),
    headers: { authorization: authorizationHeader(accessToken), accept: 'application/json' },
    signal,
  });
}

function checkAnswer(response: HttpResponse, what: string): unknown {
  if (response.status === 401) throw tokenRejected(response, what);
  const common = commonError(response, what);
  if (common) throw common;
  const body = parseJson(response.text);
  if (response.status === 403) {
    throw new PodioAuthError('app_token_not_user', `Podio refused ${what} for this token (HTTP 403).`);
  }
  if (response.status !== 200 || body === undefined) {
    throw new PodioAuthError(
      'bad_response',
      `Podio's ${what} answered HTTP ${response.status} with ${describeBody(response)}.`,
    );
  }
  return body;
}

/** `GET /user/status`: who the token belongs to. */
export async function fetchUserStatus(
  http: HttpSend,
  apiOrigin: string,
  accessToken: string,
  signal: AbortSignal,
): Promise<PodioUser> {
  return parseUserStatus(await get(http, apiOrigin, '/user/status', accessToken, signal));
}

export function parseUserStatus(response: HttpResponse): PodioUser {
  const body = checkAnswer(response, '/user/status');
  if (!isObject(body))
    throw new PodioAuthError('bad_response', "Podio's /user/status answered something other than an object.");
  const user = isObject(body['user']) ? body['user'] : {};
  const profile = isObject(body['profile']) ? body['profile'] : {};
  const text = (value: unknown) =>
    typeof value === 'string' && value !== '' ? sanitizeForTerminal(value, 120) : undefined;
  const id = user['user_id'] ?? profile['user_id'];
  return {
    userId: typeof id === 'number' || (typeof id === 'string' && /^\w{1,40}$/.test(id)) ? id : undefined,
    name: text(profile['name']) ?? text(user['name']),
    mail: text(user['mail']),
  };
}

/**
 * `GET /oauth/scope`: what the token may do, as Podio's list of `{ ref_type, ref_id, permissions, ref_data }`
 * (developers.podio.com get-scope; podio-rb OAuthScope), rendered as Podio's scope strings (`global:all`,
 * `space:123:read`). Works for app tokens too, which have no `/user/status`.
 */
export async function fetchGrantedScope(
  http: HttpSend,
  apiOrigin: string,
  accessToken: string,
  signal: AbortSignal,
): Promise<string[] | undefined> {
  const response = await get(http, apiOrigin, '/oauth/scope', accessToken, signal);
  // What the token may do is shown, never relied on: an answer of another shape is "unknown", not an error.
  if (response.status === 200) return parseGrantedScope(parseJson(response.text));
  return parseGrantedScope(checkAnswer(response, '/oauth/scope'));
}

const SCOPE_WORD = /^[a-z_]{1,20}$/;

/** Podio's `[{ ref_type, ref_id, permissions, ref_data }]` (ref_type null: global) as scope strings; undefined if odd. */
export function parseGrantedScope(body: unknown): string[] | undefined {
  if (!Array.isArray(body)) return undefined;
  const scopes: string[] = [];
  const word = (value: unknown) => typeof value === 'string' && SCOPE_WORD.test(value);
  for (const entry of body) {
    if (!isObject(entry)) return undefined;
    const { ref_type: type, ref_id: id, permissions } = entry;
    if (type !== null && type !== undefined && !word(type)) return undefined;
    if (id !== null && id !== undefined && !(typeof id === 'number' && Number.isSafeInteger(id) && id >= 0))
      return undefined;
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
