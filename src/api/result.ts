import { PodioAuthError } from '../errors.js';
import type { HttpResponse } from '../http.js';
import { failureOf } from './podio-answer.js';
import type { SendRecord } from './sender.js';

/**
 * What `podio-auth api` hands back for rendering: the final answer, its failure and warnings, with every access
 * token used scrubbed from all of it (a token echoed in a body or a header must not reach a terminal or a log).
 */

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

/** Replaces each token (of 6 characters or more) in a text with `[redacted]`. */
export function scrubber(tokens: ReadonlySet<string>): (text: string) => string {
  return (text) => {
    let out = text;
    for (const token of tokens) if (token.length >= 6) out = out.split(token).join('[redacted]');
    return out;
  };
}

/** The result for the final answer `response`, whose body (for --paginate, the merged items) is `body`. */
export function resultOf(response: HttpResponse, body: string, record: SendRecord): ApiResult {
  const scrub = scrubber(record.tokens);
  const result: ApiResult = {
    status: response.status,
    headers: Object.fromEntries(Object.entries(response.headers).map(([name, value]) => [name, scrub(value)])),
    body: scrub(body),
    warnings: [],
    requests: record.requests,
  };
  const error = failureOf(response, record.tokenRetry);
  if (error) {
    result.error = new PodioAuthError(error.code, scrub(error.message), { hint: error.hint, podio: error.podio });
  }
  const rateLimited = response.status === 420 || response.status === 429;
  if (record.rateWarning !== undefined && !rateLimited) result.warnings.push(scrub(record.rateWarning));
  return result;
}
