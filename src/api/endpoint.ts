import { sanitizeForTerminal } from '../domain/terminal-text.js';
import { PodioAuthError, usageError } from '../errors.js';

/**
 * Where `podio-auth api <endpoint>` sends its request. The request carries the user's access token, so the URL
 * must be on the profile's API origin and nowhere else: anything that could make a URL parser land on another
 * host (a scheme-relative `//host`, a backslash, user info, a scheme other than the origin's) is refused before
 * a request is built, rather than normalised into something that might be right.
 */

const SCHEME = /^[a-z][a-z0-9+.-]*:/i;

/** `/user/status`, `item/123`, `item/app/777/filter/?fields=x`, or a full URL on `apiOrigin`. */
export function resolveEndpoint(endpoint: string, apiOrigin: string): URL {
  const origin = new URL(apiOrigin).origin;
  const shown = sanitizeForTerminal(endpoint, 100);
  if (endpoint.trim() === '') throw usageError('The endpoint is empty.', 'Give a path such as /user/status.');
  // The URL parser silently drops tabs and newlines and trims spaces; what is sent must be what was typed.
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0020\u007f]/.test(endpoint)) {
    throw refused(shown, 'it contains a space or a control character (encode them as %20 …)');
  }
  if (endpoint.includes('\\')) throw refused(shown, 'it contains a backslash (encode it as %5C)');
  if (endpoint.includes('#')) {
    throw usageError(`The endpoint "${shown}" has a fragment (#); encode it as %23 in a value.`);
  }

  let url: URL;
  if (endpoint.startsWith('//')) throw refused(shown, 'it names a host (//…); give a path on the API origin');
  if (SCHEME.test(endpoint)) {
    if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(endpoint)) throw refused(shown, 'it is neither a path nor a full http(s) URL');
    try {
      url = new URL(endpoint);
    } catch {
      throw refused(shown, 'it is not a valid URL');
    }
    const authority = endpoint.slice(endpoint.indexOf('//') + 2).split(/[/?]/, 1)[0] ?? '';
    if (url.username || url.password || authority.includes('@')) {
      throw refused(shown, 'it contains a user name or password');
    }
    if (url.origin !== origin) throw refused(shown, `it is not on the API origin ${origin}`);
  } else {
    const path = endpoint.startsWith('/') ? endpoint : `/${endpoint}`;
    url = new URL(path, origin);
    if (url.origin !== origin) throw refused(shown, `it is not on the API origin ${origin}`);
  }
  const rawPath = pathPart(endpoint);
  if (rawPath.split('/').some((segment) => isDotSegment(segment))) {
    throw refused(shown, 'it contains a "." or ".." path segment');
  }
  return url;
}

/** The path as typed: what follows the authority of a full URL, or the whole endpoint up to its query. */
function pathPart(endpoint: string): string {
  let rest = endpoint;
  if (SCHEME.test(rest)) {
    rest = rest.slice(rest.indexOf('//') + 2);
    const slash = rest.search(/[/?]/);
    rest = slash === -1 ? '' : rest.slice(slash);
  }
  const query = rest.indexOf('?');
  return query === -1 ? rest : rest.slice(0, query);
}

function isDotSegment(segment: string): boolean {
  const decoded = segment.replace(/%2e/gi, '.');
  return decoded === '.' || decoded === '..';
}

function refused(shown: string, why: string): PodioAuthError {
  return new PodioAuthError('endpoint_refused', `Refusing the endpoint "${shown}": ${why}. Nothing was sent.`, {
    hint: 'Give a path on the API origin, such as /item/123; the access token is sent nowhere else.',
  });
}
