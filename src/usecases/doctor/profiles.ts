import type { ProfileRecord } from '../../domain/profile.js';
import { REFRESH_TOKEN_DAYS } from '../../podio/origins.js';
import { describeExpiry } from '../../ui/format.js';
import { type Check, check } from './check.js';

/** Each profile as its record tells: logged in, its access token's expiry and its refresh token's age. */

const DAY_MS = 86_400_000;

/** `inStore`: where the profiles were read from, when their records do not say (those kept in Redis). */
export function checkProfiles(profiles: ReadonlyMap<string, ProfileRecord>, now: Date, inStore?: string): Check[] {
  const checks = [...profiles].map(([name, profile]) => checkProfile(name, profile, now, inStore));
  if (checks.length === 0) checks.push(check('profiles', 'info', 'No profiles: run `podio-auth login`.'));
  return checks;
}

/** The profiles that live here; pointers to Redis are checked where they lead, in the Redis section. */
export function localProfileChecks(profiles: ReadonlyMap<string, ProfileRecord>, now: Date): Check[] {
  const local = new Map([...profiles].filter(([, record]) => !(record.store === 'redis' && record.redis_url)));
  return local.size === 0 && profiles.size > 0 ? [] : checkProfiles(local, now);
}

function checkProfile(name: string, profile: ProfileRecord, now: Date, inStore: string | undefined): Check {
  const id = `profile:${name}`;
  const label = `profile "${name}" (${inStore ?? profile.store ?? 'file'})`;
  const loginAgain = `Log in again: \`podio-auth login --profile ${name}\`.`;
  if (profile.store === 'redis')
    return check(id, 'info', `${label}: kept in Redis at ${profile.redis_url ?? '(no URL)'}.`);
  if (!profile.expires_at && !profile.refresh_token && !profile.access_token) {
    return check(id, 'info', `${label}: logged out.`, `Log in: \`podio-auth login --profile ${name}\`.`);
  }
  if (!profile.client_id || (!profile.client_secret && profile.store !== 'keyring')) {
    return check(id, 'fail', `${label} has no client id or secret.`, loginAgain);
  }
  const expires = profile.expires_at ? Date.parse(profile.expires_at) : NaN;
  const access = Number.isFinite(expires)
    ? `access token ${expires > now.getTime() ? 'expires' : 'expired'} ${describeExpiry(profile.expires_at ?? '', now) ?? ''}`
    : 'no access token';
  const redoable = Boolean(profile.app_id && (profile.app_token || profile.store === 'keyring'));
  if (!profile.refresh_token && profile.store !== 'keyring') {
    const status = redoable || expires > now.getTime() ? 'ok' : 'fail';
    const redone = redoable ? ' (the app grant is redone when needed)' : '';
    return check(
      id,
      status,
      `${label}: ${access}, no refresh token${redone}`,
      status === 'fail' ? loginAgain : undefined,
    );
  }
  return refreshTokenCheck(id, `${label}: ${access}`, profile, now, redoable, loginAgain);
}

/** A refresh token lives REFRESH_TOKEN_DAYS from when Podio issued it; an app grant can always be redone. */
function refreshTokenCheck(
  id: string,
  prefix: string,
  profile: ProfileRecord,
  now: Date,
  redoable: boolean,
  loginAgain: string,
): Check {
  const since = profile.refresh_obtained_at ?? profile.obtained_at;
  const ageDays = since ? (now.getTime() - Date.parse(since)) / DAY_MS : NaN;
  const age = Number.isFinite(ageDays)
    ? `refresh token ${Math.max(0, Math.floor(ageDays))} of ${REFRESH_TOKEN_DAYS} days old`
    : 'refresh token of unknown age';
  // More than an hour ahead is no clock skew: the clock was put back, or the date written by hand.
  if (ageDays < -1 / 24) {
    return check(
      id,
      'warn',
      `${prefix}, refresh token dated ${since} (in the future).`,
      "Check this machine's clock; a new login dates it again.",
    );
  }
  if (ageDays >= REFRESH_TOKEN_DAYS && !redoable) {
    return check(id, 'fail', `${prefix}, ${age}: Podio no longer accepts it.`, loginAgain);
  }
  if (ageDays >= REFRESH_TOKEN_DAYS - 5 && !redoable) {
    const hint = 'It will expire soon; a refresh that rotates it, or a new login, starts it over.';
    return check(id, 'warn', `${prefix}, ${age}.`, hint);
  }
  return check(id, 'ok', `${prefix}, ${age}`);
}
