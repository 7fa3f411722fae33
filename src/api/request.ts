import { setTimeout as wait } from 'node:timers/promises';
import { type BuildDeps, type BuiltRequest, buildRequest, type RequestSpec } from './build-request.js';
import { type PageProgress, paginate, planPagination } from './paginate.js';
import { type ApiResult, resultOf } from './result.js';
import { createSender, type SendDeps, type Sender } from './sender.js';

/**
 * `podio-auth api`: one call to Podio (or one list, page by page) with the stored login. The steps are modules of
 * their own: building the request, sending it (refresh and retry), paging, and the result with tokens scrubbed.
 */

export { API_METHODS, type ApiMethod } from './build-request.js';
export type { ApiResult } from './result.js';

export interface ApiRequestInput extends RequestSpec {
  paginate?: boolean | undefined;
  /** `--page-size`; default 100 (or a `limit` given in the request). */
  pageSize?: number | undefined;
  /** The safety cap on pages (default 1000). */
  maxPages?: number | undefined;
  /** Called after each page of --paginate. */
  onProgress?: ((progress: PageProgress) => void) | undefined;
}

export type ApiRequestDeps = BuildDeps & SendDeps;

/** Builds the request from the command line, sends it (page by page with --paginate), and reports the outcome. */
export async function apiRequest(input: ApiRequestInput, deps: ApiRequestDeps): Promise<ApiResult> {
  const request = await buildRequest(input, deps);
  const sender = createSender(request, deps);
  if (input.paginate) return paginatedResult(input, request, sender);
  const response = await sender.send({ url: request.url, body: request.body });
  return resultOf(response, response.text, sender.record);
}

async function paginatedResult(input: ApiRequestInput, request: BuiltRequest, sender: Sender): Promise<ApiResult> {
  const plan = planPagination(request.method, request.url, request.body, input.pageSize);
  const outcome = await paginate(plan, sender.send, { maxPages: input.maxPages, onProgress: input.onProgress });
  if (!outcome.ok) return resultOf(outcome.response, outcome.response.text, sender.record);
  const merged = JSON.stringify(outcome.items);
  const result = resultOf(outcome.last, merged, sender.record);
  // A token inside an item is scrubbed from the text; the items then come from that text too.
  result.items = result.body === merged ? outcome.items : (JSON.parse(result.body) as unknown[]);
  return result;
}

/** The real `sleep` for `ApiRequestDeps`: a timer that an abort ends early (rejecting). */
export function sleepFor(ms: number, signal: AbortSignal): Promise<void> {
  return wait(ms, undefined, { signal });
}
