import { sanitizeForTerminal } from '../domain/terminal-text.js';
import type { Env } from '../env.js';
import { usageError } from '../errors.js';
import { bareHost, endpointOf } from './target.js';

/**
 * Which proxy a request goes through, read from HTTPS_PROXY, HTTP_PROXY and NO_PROXY as curl and Go read them.
 * Pure: the environment is passed in, and a proxy's credentials never reach a message.
 */

/** A proxy to go through: where it is, how to name it in messages (no credentials), and which variable set it. */
export interface ProxySetting {
  url: URL;
  /** The URL without user name or password, safe to show. */
  display: string;
  /** The environment variable it came from, for hints. */
  variable: string;
  /** `Basic …` from the URL's user name and password, sent to the proxy only. */
  authorization: string | undefined;
}

/**
 * The proxy for `target`, or undefined to connect directly. Lower-case variables win over upper-case ones (as in
 * curl); an https origin falls back to HTTP_PROXY when HTTPS_PROXY is unset (undici's rule, which existing set-ups
 * rely on). Loopback origins never use a proxy, whatever NO_PROXY says (as in Go's net/http): plain http is allowed
 * only to loopback, so a proxy would otherwise see a local emulator's client secret and refresh token in the clear.
 */
export function proxyFor(target: URL, env: Env): ProxySetting | undefined {
  if (isLoopbackHost(target.hostname)) return undefined;
  const noProxy = setting(env, 'NO_PROXY');
  if (noProxy && matchesNoProxy(target, noProxy.value)) return undefined;
  const proxy = (target.protocol === 'https:' ? setting(env, 'HTTPS_PROXY') : undefined) ?? setting(env, 'HTTP_PROXY');
  return proxy && parseProxyUrl(proxy.variable, proxy.value);
}

function setting(env: Env, upperName: string): { variable: string; value: string } | undefined {
  for (const variable of [upperName.toLowerCase(), upperName]) {
    const value = env[variable]?.trim();
    if (value) return { variable, value };
  }
  return undefined;
}

/** localhost, *.localhost, 127.0.0.0/8, ::1, IPv4-mapped loopback, and 0.0.0.0 / :: (which reach this host too). */
export function isLoopbackHost(hostname: string): boolean {
  const host = bareHost(hostname);
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  if (/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host) || host === '0.0.0.0') return true;
  if (host === '::1' || host === '::') return true;
  // new URL() writes [::ffff:127.0.0.1] as [::ffff:7f00:1].
  return /^::ffff:(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|7f[0-9a-f]{2}:[0-9a-f]{1,4})$/.test(host);
}

/**
 * NO_PROXY as curl, Go and Python read it: a comma (or space) separated list of host names, domains (a leading
 * `.` or `*.` is the same as none: the name and every name under it), IP addresses, each with an optional
 * `:port`; `*` alone means no proxy for anything.
 */
export function matchesNoProxy(target: URL, noProxy: string): boolean {
  const { host, port } = endpointOf(target);
  for (const rawEntry of noProxy.split(/[\s,]+/)) {
    const entry = rawEntry.trim().toLowerCase();
    if (entry === '') continue;
    if (entry === '*') return true;
    const { name, port: entryPort } = splitHostPort(entry);
    if (entryPort !== undefined && entryPort !== String(port)) continue;
    const domain = name.replace(/^\*?\.+/, '').replace(/\.$/, '');
    if (domain === '') continue;
    if (host === domain || host.endsWith(`.${domain}`)) return true;
  }
  return false;
}

function splitHostPort(entry: string): { name: string; port: string | undefined } {
  const bracketed = /^\[([^\]]*)\](?::(\d+))?$/.exec(entry);
  if (bracketed) return { name: bracketed[1] ?? '', port: bracketed[2] };
  const withPort = /^([^:]*):(\d+)$/.exec(entry);
  if (withPort) return { name: withPort[1] ?? '', port: withPort[2] };
  // A bare IPv6 address (several colons) has no port.
  return { name: entry, port: undefined };
}

function parseProxyUrl(variable: string, value: string): ProxySetting {
  // `proxy:3128` without a scheme is common in the wild (curl and Go read it as http://).
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `http://${value}`;
  // Everything up to the last @ may be credentials (a password may hold an unencoded @ or /).
  const shown = sanitizeForTerminal(withScheme.replace(/\/\/.*@/, '//***@'), 80);
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw usageError(`${variable} is not a proxy URL: "${shown}".`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw usageError(`${variable} must be an http:// or https:// proxy URL, not "${shown}".`);
  }
  const hasCredentials = url.username !== '' || url.password !== '';
  const authorization = hasCredentials ? basicAuthorization(variable, url) : undefined;
  return { url, display: `${url.protocol}//${hasCredentials ? '***@' : ''}${url.host}`, variable, authorization };
}

function basicAuthorization(variable: string, url: URL): string {
  let credentials: string;
  try {
    credentials = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
  } catch {
    throw usageError(`${variable} has a user name or password that is not valid percent-encoding.`);
  }
  return `Basic ${Buffer.from(credentials).toString('base64')}`;
}
