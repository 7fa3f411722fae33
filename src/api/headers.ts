import { usageError } from '../errors.js';
import { sanitizeForTerminal } from '../ui/terminal-text.js';

/**
 * `-H 'Name: value'`. Headers that decide who is calling (Authorization: the stored login is the point of
 * the command) or how the message is framed (Host, Content-Length, …: the HTTP client sets them from the
 * request itself) cannot be given.
 */

const FORBIDDEN = new Map<string, string>([
  ['authorization', 'the stored login sets it'],
  ['proxy-authorization', 'proxies are configured through HTTPS_PROXY'],
  ['host', 'it comes from the endpoint'],
  ['content-length', 'it comes from the body'],
  ['transfer-encoding', 'it comes from the body'],
  ['connection', 'the HTTP client manages connections'],
  ['keep-alive', 'the HTTP client manages connections'],
  ['upgrade', 'the HTTP client manages connections'],
  ['expect', 'the HTTP client manages connections'],
  ['te', 'the HTTP client manages connections'],
  ['trailer', 'the HTTP client manages connections'],
]);

/** RFC 9110 token characters. */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** Lower-case names; a name given twice gets both values, comma-separated (as HTTP allows). */
export function parseHeaders(lines: readonly string[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon === -1) {
      // Not repeated: what was typed may be a secret meant for the value.
      throw usageError("A header given with -H has no colon: write it as 'Name: value'.");
    }
    const name = line.slice(0, colon).trim();
    const value = line.slice(colon + 1).trim();
    if (!HEADER_NAME.test(name)) throw usageError(`"${sanitizeForTerminal(name, 80)}" is not a valid header name.`);
    // eslint-disable-next-line no-control-regex
    if (/[\u0000-\u0008\u000a-\u001f\u007f]/.test(value)) {
      throw usageError(`The value of the header "${name}" contains a control character.`);
    }
    const lower = name.toLowerCase();
    const why = FORBIDDEN.get(lower);
    if (why) throw usageError(`The header ${name} cannot be set with -H: ${why}.`);
    headers[lower] = headers[lower] === undefined ? value : `${headers[lower]}, ${value}`;
  }
  return headers;
}
