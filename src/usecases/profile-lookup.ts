import type { Deps } from '../deps.js';
import type { ProfileRecord } from '../domain/profile.js';
import { PodioAuthError } from '../errors.js';
import { hasLegacyEntryName } from '../store/keyring/entries.js';
import type { ProfileStore, StoreSnapshot } from '../store/port.js';
import { resolveProfileName } from '../store/profile-names.js';

/** Finding the profile a command is about, and the errors that say it is not there (each with the login to run). */

export function loginHint(name: string): string {
  return name === 'default'
    ? 'Run `podio-auth login` to log in.'
    : `Run \`podio-auth login --profile ${name}\` to log in.`;
}

export function notLoggedIn(name: string, profile?: ProfileRecord): PodioAuthError {
  if (hasLegacyEntryName(profile)) {
    // podio-auth 0.2.0 gave two config dirs with this profile name one keyring entry; the first to run this version
    // moved it to its own name, so the other finds none. Saying so spares a hunt for a lost login.
    return new PodioAuthError(
      'not_logged_in',
      `Not logged in (profile "${name}"): its keyring entry from podio-auth 0.2.0 is gone. If another config ` +
        'directory has a profile of the same name, that one took the entry it shared with this one under 0.2.0.',
      { hint: loginHint(name) },
    );
  }
  return new PodioAuthError('not_logged_in', `Not logged in (profile "${name}").`, { hint: loginHint(name) });
}

/** The profile is not in the store: a typo (other profiles exist), or nobody has logged in yet. */
export function missingProfile(name: string, snapshot: StoreSnapshot, store: ProfileStore): PodioAuthError {
  const names = [...snapshot.profiles.keys()].sort();
  if (names.length === 0) {
    // Worded so that it holds whether or not the file (or the Redis key) exists yet.
    return new PodioAuthError(
      'not_logged_in',
      `Not logged in: no profile is stored yet (looked in ${store.location}).`,
      {
        hint: loginHint(name),
      },
    );
  }
  return new PodioAuthError('unknown_profile', `There is no profile "${name}". Profiles: ${names.join(', ')}.`, {
    hint: `Choose one with --profile, or log in to create it: \`podio-auth login --profile ${name}\`.`,
  });
}

/**
 * Reads the profile a command is about: its name by the usual precedence, the store that holds it (a pointer in
 * config.json may lead to Redis), and the record whole.
 */
export async function readProfile(
  flag: string | undefined,
  deps: Pick<Deps, 'env' | 'store' | 'signal' | 'secrets'>,
): Promise<{ name: string; profile: ProfileRecord; store: ProfileStore }> {
  const snapshot = await deps.store.read(deps.signal);
  const name = resolveProfileName(flag, deps.env, snapshot.defaultProfile);
  if (!snapshot.profiles.has(name)) throw missingProfile(name, snapshot, deps.store);
  const store = await deps.store.storeFor(name, deps.signal);
  const profile = await store.getProfile(name, deps.signal);
  if (!profile) throw missingProfile(name, store === deps.store ? snapshot : await store.read(deps.signal), store);
  deps.secrets.addProfile(profile);
  return { name, profile, store };
}
