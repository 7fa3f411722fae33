import type { Deps } from '../deps.js';
import type { ProfileRecord } from '../domain/profile.js';
import { resolveProfileName } from '../store/profile-names.js';

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
const KEPT_FIELDS = [
  'grant',
  'store',
  'redis_url',
  'redis_prefix',
  'client_id',
  'auth_url',
  'api_url',
  'redirect_host',
  'app_id',
  'username',
] as const;

export function loggedOut(profile: ProfileRecord): ProfileRecord {
  const kept: Record<string, unknown> = {};
  for (const field of KEPT_FIELDS) if (profile[field] !== undefined) kept[field] = profile[field];
  return kept as ProfileRecord;
}

export async function logout(input: LogoutInput, deps: Pick<Deps, 'env' | 'store' | 'signal'>): Promise<LogoutResult> {
  const location = deps.store.location;
  const snapshot = await deps.store.read(deps.signal);
  const names = input.all
    ? [...snapshot.profiles.keys()]
    : [resolveProfileName(input.profile, deps.env, snapshot.defaultProfile)];
  const done: string[] = [];
  let missing: string | undefined;
  for (const name of names) {
    if (!snapshot.profiles.has(name)) {
      missing = name;
      continue;
    }
    // A profile kept in Redis is logged out there; its pointer here goes only with --forget.
    const holder = await deps.store.storeFor(name, deps.signal);
    if (holder !== deps.store) {
      await holder.transact(deps.signal, async (tx) => {
        const profile = await tx.getProfile(name);
        if (profile) await tx.writeProfile(name, input.forget ? undefined : loggedOut(profile));
      });
    }
    await deps.store.transact(deps.signal, async (tx) => {
      const fresh = await tx.read();
      const profile = fresh.profiles.get(name);
      if (!profile) return;
      if (holder === deps.store) await tx.writeProfile(name, input.forget ? undefined : loggedOut(profile));
      else if (input.forget) await tx.writeProfile(name, undefined);
      if (input.forget && fresh.defaultProfile === name) await tx.setDefaultProfile(undefined);
    });
    done.push(name);
  }
  if (done.length === 0) {
    // Nothing to log out; still tidy what a crashed writer may have left (under the lock).
    await deps.store.transact(deps.signal, async () => undefined);
  }
  return { done, missing, location };
}
