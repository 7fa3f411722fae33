import { STATUS_CODES } from 'node:http';
import { escapeMessage } from '../domain/terminal-text.js';
import type { PageProgress } from './paginate.js';
import type { ApiResult } from './result.js';

/**
 * What `podio-auth api` writes on stdout: with `-i` the status line and headers first; then the body,
 * pretty-printed when it is JSON and stdout is a terminal, byte for byte as Podio sent it otherwise (so pipes
 * and `jq` see Podio's answer). On a terminal, what is not JSON (an HTML error page, headers) is shown with its
 * control characters as spaces: an answer must not be able to rewrite the screen. `--silent` leaves the body out,
 * not the headers (as gh does).
 */

export interface RenderOptions {
  /** stdout is a terminal. */
  isTTY: boolean;
  /** `-i, --include`. */
  include?: boolean | undefined;
  /** `--silent`. */
  silent?: boolean | undefined;
}

/** gh's test for a JSON answer. */
const JSON_TYPE = /[/+]json(;|$)/i;

export function renderResult(result: ApiResult, options: RenderOptions): string {
  let out = '';
  if (options.include) out += options.isTTY ? escapeMessage(renderHead(result), false) : renderHead(result);
  if (!options.silent) out += renderBody(result, options.isTTY);
  return out;
}

/** `HTTP/1.1 200 OK`, then `name: value` lines sorted by name, then an empty line. */
export function renderHead(result: Pick<ApiResult, 'status' | 'headers'>): string {
  const reason = STATUS_CODES[result.status];
  let head = `HTTP/1.1 ${result.status}${reason ? ` ${reason}` : ''}\n`;
  for (const name of Object.keys(result.headers).sort()) head += `${name}: ${result.headers[name] ?? ''}\n`;
  return `${head}\n`;
}

function renderBody(result: ApiResult, isTTY: boolean): string {
  if (result.items !== undefined) return isTTY ? `${JSON.stringify(result.items, null, 2)}\n` : `${result.body}\n`;
  if (!isTTY || result.body === '') return result.body;
  if (JSON_TYPE.test(result.headers['content-type'] ?? '')) {
    try {
      return `${JSON.stringify(JSON.parse(result.body), null, 2)}\n`;
    } catch {
      // Not JSON after all: shown as text.
    }
  }
  const text = escapeMessage(result.body, false);
  return text.endsWith('\n') ? text : `${text}\n`;
}

/** A progress line for stderr (on a terminal) during --paginate. */
export function describeProgress(progress: PageProgress): string {
  const of = progress.total === undefined ? '' : ` of ${progress.total}`;
  const pages = progress.page === 1 ? '1 page' : `${progress.page} pages`;
  return `Fetched ${progress.items}${of} items (${pages})`;
}
