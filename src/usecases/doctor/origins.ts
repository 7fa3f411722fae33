import type { Deps } from '../../deps.js';
import type { ProfileRecord } from '../../domain/profile.js';
import type { Env } from '../../env.js';
import { apiOriginFor, authOriginFor } from '../../podio/origins.js';
import { type Check, check } from './check.js';

/** Podio's two origins as the current profile uses them: DNS, TLS, HTTP status and time, and this clock's skew. */

export type OriginDeps = Pick<Deps, 'resolve' | 'http' | 'monotonic' | 'now' | 'signal'>;

/** A skew past this misjudges token expiry noticeably. */
const SKEW_LIMIT_S = 300;

/** The origin `which` the profile (or the environment) gives, or the failing check that says why there is none. */
export function originOf(which: 'auth' | 'api', profile: ProfileRecord | undefined, env: Env): string | Check {
  try {
    return which === 'auth' ? authOriginFor(profile, env) : apiOriginFor(profile, env);
  } catch (error) {
    return check(
      `${which}-origin`,
      'fail',
      (error as Error).message,
      'Fix PODIO_AUTH_URL / PODIO_API_URL, or the profile.',
    );
  }
}

export async function checkOrigin(name: string, label: string, origin: string, deps: OriginDeps): Promise<Check[]> {
  const url = new URL(origin);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  try {
    if (!/^[\d.]+$/.test(host) && !host.includes(':')) await deps.resolve(host);
  } catch (error) {
    return [
      check(
        name,
        'fail',
        `${label} ${origin}: the name does not resolve (${(error as NodeJS.ErrnoException).code}).`,
        'Check your network and DNS, or the URL in PODIO_AUTH_URL / PODIO_API_URL.',
      ),
    ];
  }
  const started = deps.monotonic();
  try {
    const response = await deps.http({
      method: 'GET',
      url: `${url.origin}/`,
      headers: { accept: '*/*' },
      signal: deps.signal,
    });
    const ms = Math.round(deps.monotonic() - started);
    const tls = url.protocol === 'https:' ? 'TLS ok, ' : '';
    const checks = [check(name, 'ok', `${label} ${origin}: ${tls}HTTP ${response.status} in ${ms} ms`)];
    const skew = clockSkew(name, url.host, response.headers['date'], deps.now());
    return skew ? [...checks, skew] : checks;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return [
      check(
        name,
        'fail',
        `${label} ${origin}: ${message}`,
        'Check your network and proxy (HTTPS_PROXY, NO_PROXY), or the URL in PODIO_AUTH_URL / PODIO_API_URL.',
      ),
    ];
  }
}

/** A warning when the server's Date header and this clock disagree by more than SKEW_LIMIT_S. */
function clockSkew(name: string, host: string, dateHeader: string | undefined, now: Date): Check | undefined {
  const date = dateHeader ? Date.parse(dateHeader) : NaN;
  if (!Number.isFinite(date)) return undefined;
  const skew = Math.round((now.getTime() - date) / 1000);
  if (Math.abs(skew) <= SKEW_LIMIT_S) return undefined;
  return check(
    `${name}-clock`,
    'warn',
    `This clock is ${Math.abs(skew)} s ${skew > 0 ? 'ahead of' : 'behind'} ${host}.`,
    'Token expiry is judged by this clock: set it right (NTP).',
  );
}
