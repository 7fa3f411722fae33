import type { Deps } from '../../deps.js';
import { PodioAuthError, usageError } from '../../errors.js';
import { isLoopbackHost } from '../../podio/origins.js';

/**
 * The host of the redirect URI. Podio matches only the host of the API key's domain, so it is configurable
 * (`localtest.me` where the key form refuses `localhost`); it must still resolve to this machine.
 */
export function parseRedirectHost(value: string): string {
  const host = value.toLowerCase();
  const name = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/;
  if (host === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host)) return host;
  if (!name.test(host) || /^\d+(\.\d+){3}$/.test(host)) {
    throw usageError(
      `--redirect-host must be a host name that resolves to this machine (or 127.0.0.1, [::1]), not "${value.slice(0, 100)}".`,
    );
  }
  return host;
}

/**
 * The browser comes back to the redirect host: it must resolve here to 127.0.0.1 (and perhaps ::1), the addresses
 * the callback listens on for a name. To ::1 alone, or another 127.x address, the browser would knock where nothing
 * of this login listens (and another local program might).
 */
export async function checkRedirectHostResolves(host: string, deps: Pick<Deps, 'resolve'>): Promise<void> {
  if (isLoopbackHost(host) || host === 'localhost') return;
  let addresses: string[];
  try {
    addresses = await deps.resolve(host);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw new PodioAuthError('redirect_host_unusable', `--redirect-host ${host} does not resolve here (${code}).`, {
      hint: 'Check the name (localtest.me needs working DNS), or use --redirect-host localhost if your API key allows it.',
    });
  }
  const foreign = addresses.filter((address) => address !== '::1' && address !== '127.0.0.1');
  if (!addresses.includes('127.0.0.1') || foreign.length > 0) {
    throw new PodioAuthError(
      'redirect_host_unusable',
      `--redirect-host ${host} resolves to ${addresses.join(', ') || 'nothing'}; the login listens on 127.0.0.1 (and ::1) only.`,
      { hint: 'The browser must come back to this machine: use a name that resolves to 127.0.0.1.' },
    );
  }
}
