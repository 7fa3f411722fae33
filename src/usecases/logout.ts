import type { Deps } from '../deps.js';
import { resolveProfileName } from '../store/profile-names.js';
import type { ProfileRecord } from '../store/profile.js';

/**
 * Logging out forgets a profile's tokens and secrets and keeps what the next `login` needs (client id, origins,
 * how it logged in, where its secrets go), so `podio-auth login --profile x` works again without flags. `forget`
 * removes the profile entirely. Keyring entries go with the secrets.
 */

export interface LogoutInput {
  profile?: string | undefined;
  all?: boolean | undefined;
  forget?: boolean | undefined;
}

export interface LogoutResult {
  /** Profiles whose secrets were removed (or that were removed whole). */
  done: string[];
  /** The named profile did not exist. */
  missing: string | undefined;
  location: string;
}

/** What survives a logout: nothing secret, nothing that says who was logged in. */
const KEPT_FIELDS = ['grant', 'store', 'redis_url', 'client_id', 'auth_url', 'api_url', 'redirect_host', 'app_id', 'username'] as const;

export function loggedOut(profile: ProfileRecord): ProfileRecord {
  const kept: Record<string, unknown> = {};
  for (const field of KEPT_FIELDS) if (profile[field] !== undefined) kept[field] = profile[field];
  return kept as ProfileRecord;
}

export async function logout(input: LogoutInput, deps: Pick<Deps, 'env' | 'store' | 'signal'>): Promise<LogoutResult> {
  const location = deps.store.location;
  return deps.store.transact(deps.signal, async (tx) => {
    const snapshot = await tx.read();
    const names = input.all ? [...snapshot.profiles.keys()] : [resolveProfileName(input.profile, deps.env, snapshot.defaultProfile)];
    const done: string[] = [];
    let missing: string | undefined;
    for (const name of names) {
      const profile = snapshot.profiles.get(name);
      if (!profile) {
        missing = name;
        continue;
      }
      await tx.writeProfile(name, input.forget ? undefined : loggedOut(profile));
      done.push(name);
      if (input.forget && snapshot.defaultProfile === name) await tx.setDefaultProfile(undefined);
    }
    return { done, missing, location };
  });
}
