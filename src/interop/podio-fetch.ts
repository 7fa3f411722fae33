import { Readable } from 'node:stream';
import { API_METHODS, type ApiMethod, apiRequest } from '../api/request.js';
import { usageError } from '../errors.js';
import type { FreshToken } from '../usecases/get-token.js';
import { tokenForOrigin } from '../usecases/token-origin.js';
import { apiOriginOf, libraryDeps, sharedFreshToken, type TokenOptions } from './library-context.js';

/**
 * `podioFetch`: one call to Podio's API with the stored login, as `podio-auth api` makes it (the same request
 * code): the token goes only to the profile's API origin; a 401 `expired_token`/`invalid_token` gets one refreshed
 * token and one retry; a GET that meets 502/503/504 or a reset connection is tried again, twice at most; a rate
 * limit (420/429) is never retried. A failure is thrown as a `PodioAuthError` with a stable code.
 */

export type PodioQueryValue = string | number | boolean;

export interface PodioFetchInit {
  /** GET, POST, PUT or DELETE. Default: GET, or POST when there is a body. */
  method?: ApiMethod | Lowercase<ApiMethod> | undefined;
  /** A string is sent as it is; anything else as JSON. Sent with `Content-Type: application/json` unless set. */
  body?: unknown;
  /** Extra headers. `Authorization` and the headers that frame the message cannot be set. */
  headers?: Readonly<Record<string, string>> | undefined;
  /** Query parameters, added to any already in the endpoint; an array repeats the name. */
  query?: Readonly<Record<string, PodioQueryValue | readonly PodioQueryValue[] | undefined>> | undefined;
}

export interface PodioResponse<T = unknown> {
  status: number;
  /** Lower-case names: e.g. `x-rate-limit-remaining`. */
  headers: Record<string, string>;
  /** Parsed when the answer is JSON, else the text as received ('' when empty). */
  body: T;
}

/** A JSON media type, as gh tells one: `application/json`, `…+json`, with or without parameters. */
const JSON_TYPE = /[/+]json(;|$)/i;
/** Where `apiRequest` reads a request body from: here always the body given, never a file. */
const BODY_SOURCE = 'podioFetch body';

/**
 * Calls `endpoint` (a path on the API origin, such as `/item/123`, or a full URL on it) with the profile's login.
 * Resolves with the answer when it is a success (2xx); otherwise throws `PodioAuthError`: `http_error` (with
 * `podio.status` and Podio's `error`/`error_description`), `rate_limited`, `token_rejected` (refreshing did not
 * help), or the token errors of `getToken` (`not_logged_in`, `refresh_rejected`, …).
 */
export async function podioFetch<T = unknown>(
  endpoint: string,
  init: PodioFetchInit = {},
  options: TokenOptions = {},
): Promise<PodioResponse<T>> {
  const deps = libraryDeps(options.env ?? process.env, options.signal);
  const method = init.method === undefined ? undefined : methodOf(init.method);
  const body = bodyText(init.body);
  if (method === 'GET' && body !== undefined) {
    throw usageError('A GET cannot carry a body.', 'Leave out the method (a body makes it POST), or give the query.');
  }
  const apiOrigin = await apiOriginOf(options.profile, deps);
  let current: FreshToken | undefined;
  const result = await apiRequest(
    {
      endpoint: withQuery(endpoint, init.query),
      apiOrigin,
      method,
      input: body === undefined ? undefined : BODY_SOURCE,
      headers: Object.entries(init.headers ?? {}).map(([name, value]) => `${name}: ${value}`),
    },
    {
      http: deps.http,
      getToken: async (forceRefresh) => {
        if (!current || forceRefresh) {
          const rejectedToken = forceRefresh ? current?.tokens.accessToken : undefined;
          const request = { profile: options.profile, minTtlSeconds: options.minTtlSeconds, rejectedToken };
          current = await sharedFreshToken(request, deps);
        }
        return tokenForOrigin(current, apiOrigin, deps.env);
      },
      readFile: async () => body ?? '',
      stdin: Readable.from([]),
      sleep: deps.sleep,
      signal: deps.signal,
    },
  );
  if (result.error) throw result.error;
  return { status: result.status, headers: result.headers, body: parsedBody(result.headers, result.body) as T };
}

function methodOf(method: string): ApiMethod {
  const upper = method.toUpperCase();
  const known = API_METHODS.find((candidate) => candidate === upper);
  if (!known) throw usageError(`The method "${method.slice(0, 20)}" is not one of ${API_METHODS.join(', ')}.`);
  return known;
}

function bodyText(body: unknown): string | undefined {
  if (body === undefined) return undefined;
  if (typeof body === 'string') return body;
  const text = JSON.stringify(body);
  if (text === undefined) throw usageError('The body cannot be sent as JSON (a function or a symbol?).');
  return text;
}

/** The endpoint with `query` appended (`?` or `&`); array values repeat the name, undefined ones are left out. */
function withQuery(endpoint: string, query: PodioFetchInit['query']): string {
  if (!query) return endpoint;
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value === undefined) continue;
    for (const entry of Array.isArray(value) ? value : [value]) params.append(name, String(entry));
  }
  const text = params.toString();
  if (text === '') return endpoint;
  return `${endpoint}${endpoint.includes('?') ? '&' : '?'}${text}`;
}

function parsedBody(headers: Record<string, string>, text: string): unknown {
  if (text === '' || !JSON_TYPE.test(headers['content-type'] ?? '')) return text;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
