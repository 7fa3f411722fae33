import { PodioAuthError, usageError } from '../errors.js';
import type { HttpResponse } from '../http.js';

/**
 * `--paginate` over Podio's two kinds of lists:
 * - GET endpoints that answer a JSON array and take `limit`/`offset` as query parameters;
 * - POST filter endpoints (`/item/app/{app_id}/filter/`) that take `limit`/`offset` in the JSON body and answer
 *   `{ total, filtered, items: [...] }`.
 * Pages are fetched one after another and their items concatenated into one array. A list that never ends (an
 * endpoint that ignores `offset`, say) is stopped: a page equal to the one before, or more than `maxPages`
 * pages, is an error, since every page spends Podio's hourly rate limit.
 */

export const DEFAULT_PAGE_SIZE = 100;
export const DEFAULT_MAX_PAGES = 1000;
/** All the pages together, as received: their items are joined into one string, which V8 caps near 512 MiB. */
export const DEFAULT_MAX_BYTES = 256 * 1024 * 1024;

export interface PageRequest {
  url: URL;
  body: string | undefined;
}

export interface PageProgress {
  /** Pages fetched so far. */
  page: number;
  /** Items fetched so far. */
  items: number;
  /** How many there are in all, when the endpoint says (`filtered`, else `total`). */
  total: number | undefined;
}

export interface PaginationPlan {
  /** Where `limit` and `offset` go. */
  location: 'query' | 'body';
  pageSize: number;
  startOffset: number;
  requestAt(offset: number): PageRequest;
}

/**
 * How to ask for each page. A `limit` already in the request is the page size unless `--page-size` is given
 * (gh does the same with `per_page`), and an `offset` already there is where paging starts.
 */
export function planPagination(method: string, url: URL, body: string | undefined, pageSize?: number): PaginationPlan {
  if (pageSize !== undefined && !(Number.isSafeInteger(pageSize) && pageSize > 0)) {
    throw usageError(`--page-size must be a whole number above 0, not ${String(pageSize)}.`);
  }
  if (method === 'GET') {
    const given = (name: string) => wholeNumber(url.searchParams.get(name));
    const size = pageSize ?? given('limit') ?? DEFAULT_PAGE_SIZE;
    return {
      location: 'query',
      pageSize: size,
      startOffset: given('offset') ?? 0,
      requestAt(offset) {
        const next = new URL(url);
        next.searchParams.set('limit', String(size));
        next.searchParams.set('offset', String(offset));
        return { url: next, body: undefined };
      },
    };
  }
  if (method === 'POST') {
    const object = bodyObject(body);
    const size = pageSize ?? wholeNumber(object['limit']) ?? DEFAULT_PAGE_SIZE;
    return {
      location: 'body',
      pageSize: size,
      startOffset: wholeNumber(object['offset']) ?? 0,
      requestAt(offset) {
        return { url, body: JSON.stringify({ ...object, limit: size, offset }) };
      },
    };
  }
  throw usageError(`--paginate works with GET lists and POST filters, not with ${method}.`);
}

function bodyObject(body: string | undefined): Record<string, unknown> {
  if (body === undefined || body.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw usageError('--paginate with POST needs a JSON object as the body, to put limit and offset in.');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw usageError('--paginate with POST needs a JSON object as the body, to put limit and offset in.');
  }
  return parsed as Record<string, unknown>;
}

function wholeNumber(value: unknown): number | undefined {
  const number = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  return typeof number === 'number' && Number.isSafeInteger(number) && number >= 0 ? number : undefined;
}

export interface PageContent {
  items: unknown[];
  /** The number of matching items, when the answer says: `filtered` (a filter's matches), else `total`. */
  total: number | undefined;
}

/** The items of one page: a JSON array, or an object with an `items` array. */
export function readPage(text: string): PageContent | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (Array.isArray(parsed)) return { items: parsed, total: undefined };
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const answer = parsed as Record<string, unknown>;
  if (!Array.isArray(answer['items'])) return undefined;
  return { items: answer['items'], total: wholeNumber(answer['filtered']) ?? wholeNumber(answer['total']) };
}

export type PaginationOutcome =
  | { ok: true; items: unknown[]; pages: number; last: HttpResponse }
  /** A page that was not a success: the caller reports it as it would a single request's failure. */
  | { ok: false; pages: number; response: HttpResponse };

export interface PaginateOptions {
  maxPages?: number | undefined;
  maxBytes?: number | undefined;
  onProgress?: ((progress: PageProgress) => void) | undefined;
}

/**
 * Fetches page after page. It stops when the endpoint's count is reached (`offset >= total`) or, when there
 * is no count, on a page shorter than the page size; also on an empty page. With a count, a short page does not
 * stop it, so a server that caps `limit` below the page size still yields every item.
 */
export async function paginate(
  plan: PaginationPlan,
  fetchPage: (request: PageRequest) => Promise<HttpResponse>,
  options: PaginateOptions = {},
): Promise<PaginationOutcome> {
  const maxPages = options.maxPages ?? DEFAULT_MAX_PAGES;
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  let received = 0;
  const items: unknown[] = [];
  let offset = plan.startOffset;
  let previousPage: string | undefined;
  for (let page = 1; ; page++) {
    const response = await fetchPage(plan.requestAt(offset));
    if (response.status < 200 || response.status >= 300) return { ok: false, pages: page, response };
    const content = readPage(response.text);
    if (!content) {
      const message = `Page ${page} is neither a JSON array nor an object with an "items" array.`;
      throw new PodioAuthError('pagination_failed', message, {
        hint: '--paginate works with endpoints that answer a list; leave it out to see the answer as it is.',
      });
    }
    const pageText = JSON.stringify(content.items);
    if (content.items.length > 0 && pageText === previousPage) {
      const message = `Page ${page} is the same as page ${page - 1}: the endpoint seems to ignore offset.`;
      throw new PodioAuthError('pagination_failed', message, {
        hint: '--paginate cannot be used with this endpoint; leave it out, or page with limit and offset yourself.',
      });
    }
    previousPage = pageText;
    received += response.text.length;
    if (received > maxBytes) {
      const limit = maxBytes % (1024 * 1024) === 0 ? `${maxBytes / 1024 / 1024} MiB` : `${maxBytes} bytes`;
      const message = `Stopped at page ${page}: the pages add up to more than ${limit}.`;
      throw new PodioAuthError('pagination_failed', message, {
        hint: 'Narrow the request with filters or fields, or page with limit and offset yourself.',
      });
    }
    items.push(...content.items);
    offset += content.items.length;
    options.onProgress?.({ page, items: items.length, total: content.total });
    const done =
      content.items.length === 0 ||
      (content.total !== undefined ? offset >= content.total : content.items.length < plan.pageSize);
    if (done) return { ok: true, items, pages: page, last: response };
    if (page >= maxPages) {
      const message = `Stopped after ${maxPages} pages (${items.length} items) with more to come.`;
      throw new PodioAuthError('pagination_failed', message, {
        hint: 'Use a larger --page-size, or narrow the request with filters.',
      });
    }
  }
}
