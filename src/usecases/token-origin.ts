import type { Env } from '../env.js';
import { PodioAuthError } from '../errors.js';
import { apiOriginFor } from '../podio/origins.js';
import type { FreshToken } from './fresh-token.js';

/**
 * The access token of `fresh`, for a request prepared for `apiOrigin`: the origin was read before the token, and the
 * profile may have been logged in again elsewhere in between (a `login` in another shell). Its token then goes
 * nowhere: the request was meant for the old origin.
 */
export function tokenForOrigin(fresh: FreshToken, apiOrigin: string, env: Env): string {
  if (fresh.source.kind !== 'profile') return fresh.tokens.accessToken;
  const { name, profile } = fresh.source;
  const now = apiOriginFor(profile, env, name);
  if (now !== apiOrigin) {
    throw new PodioAuthError(
      'origin_changed',
      `Profile "${name}" was logged in again at ${now} while a request for ${apiOrigin} was prepared: nothing was sent.`,
      { hint: 'Run the command again.' },
    );
  }
  return fresh.tokens.accessToken;
}
