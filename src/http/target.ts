/**
 * Where a request goes, read once from a URL: the host to connect to and verify TLS against, the port, and whether
 * the connection is TLS. Pure, so that proxy matching and connecting agree on what a URL means.
 */

/** A host and port to open one connection to (TLS when `secure`). */
export interface Endpoint {
  /** The host name or IP address without IPv6 brackets or a trailing dot, in lower case. */
  host: string;
  port: number;
  secure: boolean;
}

/** The origin a request is for. */
export interface Target extends Endpoint {
  url: URL;
}

/** The target of `url`; only http and https are spoken. */
export function parseTarget(url: string): Target {
  const parsed = new URL(url);
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw new Error(`Not an http(s) URL: ${parsed.protocol}`);
  }
  return { url: parsed, ...endpointOf(parsed) };
}

/** Where to connect for `url` (an origin's or a proxy's), with the scheme's default port when it names none. */
export function endpointOf(url: URL): Endpoint {
  const secure = url.protocol === 'https:';
  return { host: bareHost(url.hostname), port: Number(url.port || (secure ? 443 : 80)), secure };
}

/** A URL's hostname without IPv6 brackets or a trailing dot, lower case. */
export function bareHost(hostname: string): string {
  return hostname
    .replace(/^\[(.*)\]$/, '$1')
    .replace(/\.$/, '')
    .toLowerCase();
}
