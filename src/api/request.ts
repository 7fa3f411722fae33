import type { Readable } from 'node:stream';
import { setTimeout as wait } from 'node:timers/promises';
import { sanitizeForTerminal } from '../domain/terminal-text.js';
import { interrupted, isErrorCode, PodioAuthError, type PodioFailure, usageError } from '../errors.js';
import type { HttpRequest, HttpResponse, HttpSend } from '../http.js';
import { resolveEndpoint } from './endpoint.js';
import { addQuery, hasFields, parseFields } from './fields.js';
import { parseHeaders } from './headers.js';
import { MAX_BODY_INPUT_BYTES } from './limits.js';
import { type PageProgress, type PageRequest, paginate, planPagination } from './paginate.js';

/**
 * `podio-auth api`: one call to Podio (or one list, page by page) with the stored login, and what Podio's own
 * clients do around it:
 * - a 401 saying `expired_token`/`invalid_token` gets one refreshed token and one retry: Podio can end a token
 *   before its local expiry, and clocks drift;
 * - a GET that meets 502/503/504 or a reset connection is tried again, twice at most, after a pause; nothing
 *   else is ever repeated (a POST may have done its work before the answer was lost);
 * - 420 (Podio's rate limit) and 429 are never retried: the window is an hour, and retrying spends it;
 * - a low `X-Rate-Limit-Remaining` becomes a warning.
 * The access token goes only into the Authorization header of requests to the API origin, and is scrubbed from
 * everything this returns.
 */

export const API_METHODS = ['GET', 'POST', 'PUT', 'DELETE'] as const;
export type ApiMethod = (typeof API_METHODS)[number];

/** Retries of a GET after a 502/503/504 or a reset connection. */
export const MAX_GET_RETRIES = 2;
const RETRY_DELAYS_MS = [1000, 2000] as const;
/** A Retry-After longer than this is not waited for: the answer is reported instead. */
const MAX_RETRY_AFTER_SECONDS = 30;
const RETRYABLE_STATUSES = new Set([502, 503, 504]);
const RESET_CODES = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED']);
const TOKEN_REASONS = new Set(['expired_token', 'invalid_token']);
/** A warning when fewer calls than this share of the limit are left. */
const LOW_RATE_LIMIT_SHARE = 0.1;

export interface ApiRequestInput {
  /** `<endpoint>`: a path on the API origin, or a full URL on it. */
  endpoint: string;
  /** The profile's API origin (PODIO_API_URL wins), e.g. https://api.podio.com. */
  apiOrigin: string;
  /** `-X`: default GET, or POST when there are fields or an --input. */
  method?: string | undefined;
  /** `-f key=value`, in order. */
  rawFields?: readonly string[] | undefined;
  /** `-F key=value`, in order. */
  typedFields?: readonly string[] | undefined;
  /** `--input <file|->`: the raw request body; fields then go to the query. */
  input?: string | undefined;
  /** `-H 'Name: value'`, in order. */
  headers?: readonly string[] | undefined;
  paginate?: boolean | undefined;
  /** `--page-size`; default 100 (or a `limit` given in the request). */
  pageSize?: number | undefined;
  /** The safety cap on pages (default 1000). */
  maxPages?: number | undefined;
  /** Called after each page of --paginate. */
  onProgress?: ((progress: PageProgress) => void) | undefined;
}

export interface ApiRequestDeps {
  http: HttpSend;
  /** The access token; `forceRefresh` after Podio rejected the one given before. */
  getToken: (forceRefresh: boolean) => Promise<string>;
  readFile: (path: string) => Promise<string>;
  stdin: Readable;
  /** Waits before a retry; rejects when `signal` aborts. */
  sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  signal: AbortSignal;
}

export interface ApiResult {
  /** The final answer's status and headers (for --paginate, the last page's). */
  status: number;
  /** Lower-case names. */
  headers: Record<string, string>;
  /** The body as received; for --paginate, the merged array as compact JSON. */
  body: string;
  /** For --paginate: the merged items. */
  items?: unknown[];
  /** Lines for stderr (a rate limit nearly used). */
  warnings: string[];
  /**
   * Set when the final answer is a failure (`http_error`, `rate_limited`, `token_rejected`): the body is still
   * printed on stdout, as gh does, and then this is reported.
   */
  error?: PodioAuthError;
  /** Requests sent, retries included. */
  requests: number;
}

/** Builds the request from the command line, sends it (page by page with --paginate), and reports the outcome. */
export async function apiRequest(input: ApiRequestInput, deps: ApiRequestDeps): Promise<ApiResult> {
  const request = await buildRequest(input, deps);
  const tokens = new Set<string>();
  const scrub = (text: string) => {
    let out = text;
    for (const token of tokens) if (token.length >= 6) out = out.split(token).join('[redacted]');
    return out;
  };
  let requests = 0;
  let rateWarning: string | undefined;
  let token: string | undefined;
  /** Whether Podio's rejection of the token has been answered with a refresh already (once per command). */
  let tokenRetry: TokenRetry = 'none';

  const useToken = async (forceRefresh: boolean): Promise<string> => {
    const next = await deps.getToken(forceRefresh);
    tokens.add(next);
    return next;
  };

  const sendOnce = async (page: PageRequest, accessToken: string): Promise<HttpResponse> => {
    if (deps.signal.aborted) throw interrupted();
    requests++;
    const http: HttpRequest = {
      method: request.method,
      url: page.url.toString(),
      headers: { ...request.headers, authorization: `OAuth2 ${accessToken}` },
      signal: deps.signal,
      answerLimit: API_ANSWER_LIMIT,
    };
    if (page.body !== undefined) http.body = page.body;
    const response = await deps.http(http);
    const warning = rateLimitWarning(response);
    if (warning !== undefined || hasRateFigures(response)) rateWarning = warning;
    return response;
  };

  /** GET only: 502/503/504 and reset connections are tried again, up to twice. */
  const sendRetrying = async (page: PageRequest, accessToken: string): Promise<HttpResponse> => {
    for (let attempt = 0; ; attempt++) {
      const canRetry = request.method === 'GET' && attempt < MAX_GET_RETRIES;
      let response: HttpResponse;
      try {
        response = await sendOnce(page, accessToken);
      } catch (error) {
        if (!(canRetry && isConnectionReset(error))) throw error;
        await pause(backoffMs(attempt), deps);
        continue;
      }
      if (!(canRetry && RETRYABLE_STATUSES.has(response.status))) return response;
      const delay = retryDelayMs(attempt, response);
      if (delay === undefined) return response;
      await pause(delay, deps);
    }
  };

  /** One refresh and one retry when Podio says the token is expired or invalid. */
  const exchange = async (page: PageRequest): Promise<HttpResponse> => {
    token ??= await useToken(false);
    const response = await sendRetrying(page, token);
    if (!(response.status === 401 && tokenRejectionReason(response)) || tokenRetry !== 'none') return response;
    const fresh = await useToken(true);
    if (fresh === token) {
      tokenRetry = 'no-new-token';
      return response;
    }
    tokenRetry = 'retried';
    token = fresh;
    return sendRetrying(page, token);
  };

  const finish = (response: HttpResponse, body: string): ApiResult => {
    const result: ApiResult = {
      status: response.status,
      headers: Object.fromEntries(Object.entries(response.headers).map(([name, value]) => [name, scrub(value)])),
      body: scrub(body),
      warnings: [],
      requests,
    };
    const error = failureOf(response, tokenRetry);
    if (error) {
      result.error = new PodioAuthError(error.code, scrub(error.message), { hint: error.hint, podio: error.podio });
    }
    const rateLimited = response.status === 420 || response.status === 429;
    if (rateWarning !== undefined && !rateLimited) result.warnings.push(scrub(rateWarning));
    return result;
  };

  if (!input.paginate) {
    const response = await exchange({ url: request.url, body: request.body });
    return finish(response, response.text);
  }
  const plan = planPagination(request.method, request.url, request.body, input.pageSize);
  const outcome = await paginate(plan, exchange, { maxPages: input.maxPages, onProgress: input.onProgress });
  if (!outcome.ok) return finish(outcome.response, outcome.response.text);
  const merged = JSON.stringify(outcome.items);
  const result = finish(outcome.last, merged);
  // A token inside an item is scrubbed from the text; the items then come from that text too.
  result.items = result.body === merged ? outcome.items : (JSON.parse(result.body) as unknown[]);
  return result;
}

/** The real `sleep` for `ApiRequestDeps`: a timer that an abort ends early (rejecting). */
/**
 * A page of 500 items with many fields runs to several MiB; this is far above any page Podio sends, and still
 * bounds what one answer can take of the memory.
 */
const API_ANSWER_LIMIT = {
  bytes: 256 * 1024 * 1024,
  hint: 'Ask for less at a time: a smaller --page-size, or fewer fields.',
};

export function sleepFor(ms: number, signal: AbortSignal): Promise<void> {
  return wait(ms, undefined, { signal });
}

interface BuiltRequest {
  method: ApiMethod;
  url: URL;
  headers: Record<string, string>;
  body: string | undefined;
}

async function buildRequest(
  input: ApiRequestInput,
  deps: Pick<ApiRequestDeps, 'readFile' | 'stdin'>,
): Promise<BuiltRequest> {
  // The endpoint is checked first: a refused one stops everything before any file or stdin is read.
  let url = resolveEndpoint(input.endpoint, input.apiOrigin);
  const explicitMethod = input.method === undefined ? undefined : parseMethod(input.method);
  const headers = parseHeaders(input.headers ?? []);

  let stdinTaken: string | undefined;
  const readStdinOnce = (forWhat: string): Promise<string> => {
    if (stdinTaken !== undefined) {
      throw usageError(`Standard input can be read only once: ${stdinTaken} reads it, so ${forWhat} cannot.`);
    }
    stdinTaken = forWhat;
    return readAll(deps.stdin);
  };
  // --input is claimed first so that a field's `@-` is the one told it comes second.
  const inputFromStdin = input.input === '-';
  if (inputFromStdin) stdinTaken = '--input -';
  const params = await parseFields(input.rawFields ?? [], input.typedFields ?? [], {
    readFile: deps.readFile,
    readStdin: () => readStdinOnce('a field with @-'),
  });
  const method: ApiMethod = explicitMethod ?? (hasFields(params) || input.input !== undefined ? 'POST' : 'GET');

  let body: string | undefined;
  if (input.input !== undefined) {
    if (method === 'GET') {
      throw usageError('--input sends a body, which a GET cannot carry.', 'Use -X POST (or leave -X out).');
    }
    if (input.input === '') throw usageError('--input needs a file name, or - for standard input.');
    body = inputFromStdin ? await readAll(deps.stdin) : await readInputFile(input.input, deps.readFile);
    url = addQuery(url, params);
  } else if (hasFields(params)) {
    if (method === 'GET') url = addQuery(url, params);
    else body = JSON.stringify(params);
  }
  headers['accept'] ??= 'application/json';
  if (body !== undefined) headers['content-type'] ??= 'application/json; charset=utf-8';
  return { method, url, headers, body };
}

function parseMethod(value: string): ApiMethod {
  const upper = value.trim().toUpperCase();
  const method = API_METHODS.find((candidate) => candidate === upper);
  if (!method) throw usageError(`-X ${sanitizeForTerminal(value, 20)}: Podio's API uses ${API_METHODS.join(', ')}.`);
  return method;
}

async function readInputFile(path: string, readFile: (path: string) => Promise<string>): Promise<string> {
  try {
    return await readFile(path);
  } catch (error) {
    if (error instanceof PodioAuthError) throw error;
    const code = (error as { code?: unknown }).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : 'it cannot be read';
    throw usageError(`Could not read --input "${sanitizeForTerminal(path, 100)}": ${why}.`);
  }
}

function tooLarge(what: string): PodioAuthError {
  return usageError(`${what} is larger than ${MAX_BODY_INPUT_BYTES / 1024 / 1024} MiB; Podio takes nothing that size.`);
}

async function readAll(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    size += buffer.length;
    if (size > MAX_BODY_INPUT_BYTES) throw tooLarge('Standard input');
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

async function pause(ms: number, deps: Pick<ApiRequestDeps, 'sleep' | 'signal'>): Promise<void> {
  try {
    await deps.sleep(ms, deps.signal);
  } catch (error) {
    if (deps.signal.aborted) throw interrupted();
    throw error;
  }
  if (deps.signal.aborted) throw interrupted();
}

function backoffMs(attempt: number): number {
  return RETRY_DELAYS_MS[Math.min(attempt, RETRY_DELAYS_MS.length - 1)] ?? RETRY_DELAYS_MS[0];
}

/** The pause before retry number `attempt + 1`: Retry-After when the server gives a short one; undefined: do not. */
function retryDelayMs(attempt: number, response: HttpResponse): number | undefined {
  const retryAfter = response.headers['retry-after']?.trim();
  if (retryAfter !== undefined && /^\d+$/.test(retryAfter)) {
    const seconds = Number(retryAfter);
    return seconds <= MAX_RETRY_AFTER_SECONDS ? seconds * 1000 : undefined;
  }
  return backoffMs(attempt);
}

/** The HTTP client reports a connection closed before the answer as `network`, with the socket error as cause. */
function isConnectionReset(error: unknown): boolean {
  if (!isErrorCode(error, 'network')) return false;
  for (let e: unknown = error.cause, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && RESET_CODES.has(code)) return true;
  }
  return false;
}

interface PodioErrorBody {
  error?: string;
  errorDescription?: string;
}

function podioErrorBody(response: HttpResponse): PodioErrorBody {
  let parsed: unknown;
  try {
    parsed = JSON.parse(response.text);
  } catch {
    return {};
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return {};
  const { error, error_description: description } = parsed as Record<string, unknown>;
  return {
    ...(typeof error === 'string' ? { error } : {}),
    ...(typeof description === 'string' ? { errorDescription: description } : {}),
  };
}

/**
 * `expired_token` or `invalid_token`, from where Podio puts it: `error_description` (with `error: unauthorized`),
 * `error` itself, or the WWW-Authenticate header. Podio's own clients look at the body; the header is a fallback.
 */
export function tokenRejectionReason(response: HttpResponse): string | undefined {
  if (response.status !== 401) return undefined;
  const { error, errorDescription } = podioErrorBody(response);
  for (const candidate of [errorDescription, error]) if (candidate && TOKEN_REASONS.has(candidate)) return candidate;
  const challenge = /error="?([a-z_]+)"?/i.exec(response.headers['www-authenticate'] ?? '')?.[1];
  return challenge && TOKEN_REASONS.has(challenge) ? challenge : undefined;
}

function rateFigures(response: HttpResponse): { limit: number | undefined; remaining: number | undefined } {
  const read = (name: string) => {
    const value = response.headers[name]?.trim();
    return value !== undefined && /^\d+$/.test(value) ? Number(value) : undefined;
  };
  return { limit: read('x-rate-limit-limit'), remaining: read('x-rate-limit-remaining') };
}

function hasRateFigures(response: HttpResponse): boolean {
  const { limit, remaining } = rateFigures(response);
  return limit !== undefined && remaining !== undefined;
}

export function rateLimitWarning(response: HttpResponse): string | undefined {
  const { limit, remaining } = rateFigures(response);
  if (limit === undefined || remaining === undefined || limit === 0) return undefined;
  if (remaining >= limit * LOW_RATE_LIMIT_SHARE) return undefined;
  return `Podio's rate limit is nearly used: ${remaining} of ${limit} calls left in the current hour.`;
}

export type TokenRetry = 'none' | 'retried' | 'no-new-token';

/** The error a final answer stands for, or undefined for a success (2xx). */
export function failureOf(response: HttpResponse, tokenRetry: TokenRetry): PodioAuthError | undefined {
  const { status } = response;
  if (status >= 200 && status < 300) return undefined;
  const { error, errorDescription } = podioErrorBody(response);
  const podio: PodioFailure = { status, error, errorDescription };
  if (status === 420 || status === 429) {
    const { limit, remaining } = rateFigures(response);
    const figures =
      limit !== undefined || remaining !== undefined
        ? `: ${remaining ?? 'unknown'} of ${limit ?? 'unknown'} calls left in the current hour`
        : ' (no limit figures in the answer); Podio counts calls per hour';
    return new PodioAuthError('rate_limited', `Rate limited by Podio (HTTP ${status})${figures}.`, { podio });
  }
  const reason = tokenRejectionReason(response);
  if (reason) {
    const why = tokenRetry === 'retried' ? 'even after a refresh' : 'and refreshing gave no other token';
    return new PodioAuthError('token_rejected', `Podio rejected the access token (${reason}) ${why}.`, { podio });
  }
  const said = errorDescription ?? error;
  const message = said ? `HTTP ${status}: ${sanitizeForTerminal(said)}` : `HTTP ${status}`;
  return new PodioAuthError('http_error', message, { podio });
}
