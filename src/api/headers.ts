import { sanitizeForTerminal } from '../domain/terminal-text.js';
import { usageError } from '../errors.js';

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

/**
 * Why a value cannot be sent as typed, if it cannot: RFC 9110 allows visible ASCII, space, tab and obs-text
 * (0x80-0xFF), and Node sends a header as Latin-1, so a character past U+00FF would go out as another byte.
 */
function whyNotAValue(value: string): string | undefined {
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0008\u000a-\u001f\u007f]/.test(value)) return 'contains a control character (CR, LF, NUL, …)';
  const wide = /[^\u0000-\u00ff]/u.exec(value)?.[0];
  if (wide) {
    const codePoint = `U+${(wide.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;
    return `contains ${codePoint}, which HTTP cannot carry in a header (only Latin-1 characters can be sent)`;
  }
  return undefined;
}

/**
 * Lower-case names; a name given twice gets both values, comma-separated (as HTTP allows). The result has no
 * prototype: a header named `constructor` or `__proto__` is a header like any other, never an inherited property.
 */
export function parseHeaders(lines: readonly string[]): Record<string, string> {
  const headers: Record<string, string> = Object.create(null);
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon === -1) {
      // Not repeated: what was typed may be a secret meant for the value.
      throw usageError("A header given with -H has no colon: write it as 'Name: value'.");
    }
    const name = line.slice(0, colon).trim();
    const value = line.slice(colon + 1).trim();
    if (!HEADER_NAME.test(name)) {
      throw usageError(
        `"${sanitizeForTerminal(name, 80)}" is not a valid header name: letters, digits and !#$%&'*+.^_\`|~- only.`,
      );
    }
    const why = whyNotAValue(value);
    // The value is not repeated: it may be a secret.
    if (why) throw usageError(`The value of the header ${name} ${why}.`);
    const lower = name.toLowerCase();
    const forbidden = FORBIDDEN.get(lower);
    if (forbidden) throw usageError(`The header ${name} cannot be set with -H: ${forbidden}.`);
    const previous = headers[lower];
    headers[lower] = previous === undefined ? value : `${previous}, ${value}`;
  }
  return headers;
}
