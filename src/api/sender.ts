import { interrupted } from '../errors.js';
import type { HttpRequest, HttpResponse, HttpSend } from '../http.js';
import type { BuiltRequest } from './build-request.js';
import type { PageRequest } from './paginate.js';
import { hasRateFigures, rateLimitWarning, type TokenRetry, tokenRejectionReason } from './podio-answer.js';
import { backoffMs, isConnectionReset, isRetryableStatus, MAX_GET_RETRIES, retryDelayMs } from './retry-policy.js';

/**
 * Sends a built request (one page at a time) with the access token, as Podio's own clients do: a token Podio
 * calls expired or invalid gets one refresh and one retry (Podio can end a token before its local expiry, and
 * clocks drift), and a GET meets the retry policy. The token goes only into the Authorization header.
 */

export interface SendDeps {
  http: HttpSend;
  /** The access token; `forceRefresh` after Podio rejected the one given before. */
  getToken: (forceRefresh: boolean) => Promise<string>;
  /** Waits before a retry; rejects when `signal` aborts. */
  sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  signal: AbortSignal;
}

/** What the sends of one command leave for its result. */
export interface SendRecord {
  /** Requests sent, retries included. */
  requests: number;
  /** The warning of the latest answer that gave rate-limit figures (undefined: enough calls left). */
  rateWarning: string | undefined;
  tokenRetry: TokenRetry;
  /** Every access token used, to be scrubbed from what is returned. */
  tokens: Set<string>;
}

export interface Sender {
  send: (page: PageRequest) => Promise<HttpResponse>;
  record: SendRecord;
}

/**
 * A page of 500 items with many fields runs to several MiB; this is far above any page Podio sends, and still
 * bounds what one answer can take of the memory.
 */
const API_ANSWER_LIMIT = {
  bytes: 256 * 1024 * 1024,
  hint: 'Ask for less at a time: a smaller --page-size, or fewer fields.',
};

export function createSender(request: BuiltRequest, deps: SendDeps): Sender {
  const record: SendRecord = { requests: 0, rateWarning: undefined, tokenRetry: 'none', tokens: new Set() };
  let token: string | undefined;
  const useToken = async (forceRefresh: boolean): Promise<string> => {
    const next = await deps.getToken(forceRefresh);
    record.tokens.add(next);
    return next;
  };
  /** One refresh and one retry when Podio says the token is expired or invalid. */
  const send = async (page: PageRequest): Promise<HttpResponse> => {
    token ??= await useToken(false);
    const response = await sendRetrying(request, page, token, deps, record);
    if (!(response.status === 401 && tokenRejectionReason(response)) || record.tokenRetry !== 'none') return response;
    const fresh = await useToken(true);
    if (fresh === token) {
      record.tokenRetry = 'no-new-token';
      return response;
    }
    record.tokenRetry = 'retried';
    token = fresh;
    return sendRetrying(request, page, token, deps, record);
  };
  return { send, record };
}

/** GET only: 502/503/504 and reset connections are tried again, up to twice. */
async function sendRetrying(
  request: BuiltRequest,
  page: PageRequest,
  accessToken: string,
  deps: SendDeps,
  record: SendRecord,
): Promise<HttpResponse> {
  for (let attempt = 0; ; attempt++) {
    const canRetry = request.method === 'GET' && attempt < MAX_GET_RETRIES;
    let response: HttpResponse;
    try {
      response = await sendOnce(request, page, accessToken, deps, record);
    } catch (error) {
      if (!(canRetry && isConnectionReset(error))) throw error;
      await pause(backoffMs(attempt), deps);
      continue;
    }
    if (!(canRetry && isRetryableStatus(response.status))) return response;
    const delay = retryDelayMs(attempt, response);
    if (delay === undefined) return response;
    await pause(delay, deps);
  }
}

async function sendOnce(
  request: BuiltRequest,
  page: PageRequest,
  accessToken: string,
  deps: SendDeps,
  record: SendRecord,
): Promise<HttpResponse> {
  if (deps.signal.aborted) throw interrupted(undefined, deps.signal.reason);
  record.requests++;
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
  if (warning !== undefined || hasRateFigures(response)) record.rateWarning = warning;
  return response;
}

/** A pause that one Ctrl-C ends, as an interruption. */
async function pause(ms: number, deps: Pick<SendDeps, 'sleep' | 'signal'>): Promise<void> {
  try {
    await deps.sleep(ms, deps.signal);
  } catch (error) {
    if (deps.signal.aborted) throw interrupted(undefined, deps.signal.reason);
    throw error;
  }
  if (deps.signal.aborted) throw interrupted(undefined, deps.signal.reason);
}
