import type { Deps } from '../deps.js';
import type { ProfileRecord } from '../domain/profile.js';
import { PodioAuthError, usageError } from '../errors.js';
import { shownPointer } from '../secrets.js';
import type { ProfileStore, StoreSnapshot } from '../store/port.js';
import { checkProfileName, DEFAULT_PROFILE, resolveProfileName } from '../store/profile-names.js';

/**
 * Listing profiles (metadata only: no network, no keyring), choosing the default one, and moving a profile's
 * secrets between config.json and the OS keyring.
 */

export interface ProfileSummary {
  name: string;
  default: boolean;
  who: string | null;
  grant: ProfileRecord['grant'] | null;
  store: 'file' | 'keyring' | 'redis';
  expires_at: string | null;
  /** null: the profile is kept in a Redis store that could not be read (`unread` says why). */
  logged_in: boolean | null;
  unread?: string;
}

export async function listProfiles(
  deps: Pick<Deps, 'env' | 'store' | 'signal'>,
): Promise<{ current: string; location: string; profiles: ProfileSummary[] }> {
  const snapshot = await deps.store.read(deps.signal);
  let current: string;
  try {
    current = resolveProfileName(undefined, deps.env, snapshot.defaultProfile);
  } catch {
    current = DEFAULT_PROFILE;
  }
  const { followed, unread } = await withPointersFollowed(snapshot.profiles, deps);
  const profiles = [...followed]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, profile]): ProfileSummary => {
      const why = unread.get(name);
      return {
        name,
        default: name === current,
        who: profile.user_name ?? (profile.ref ? `${profile.ref.type} ${profile.ref.id}` : null),
        grant: profile.grant ?? null,
        store: deps.store.kind === 'redis' || profile.redis_url ? 'redis' : (profile.store ?? 'file'),
        expires_at: profile.expires_at ?? null,
        // A keyring profile's secrets are not read here; its metadata (an expiry) says whether it has tokens.
        logged_in: why !== undefined ? null : Boolean(profile.expires_at || profile.refresh_token),
        ...(why !== undefined ? { unread: why } : {}),
      };
    });
  return { current, location: deps.store.location, profiles };
}

/** Makes `name` the profile used when neither --profile nor PODIO_PROFILE says otherwise. */
export async function useProfile(name: string, deps: Pick<Deps, 'store' | 'signal'>): Promise<void> {
  const profileName = checkProfileName(name);
  await deps.store.transact(deps.signal, async (tx) => {
    const snapshot = await tx.read();
    if (!snapshot.profiles.has(profileName)) {
      const names = [...snapshot.profiles.keys()].sort();
      // As for `token --profile`: no such profile (exit 4), not a mistake in the command line.
      throw new PodioAuthError(
        'unknown_profile',
        `There is no profile "${profileName}".${names.length ? ` Profiles: ${names.join(', ')}.` : ''}`,
        { hint: `Log in to it first: \`podio-auth login --profile ${profileName}\`.` },
      );
    }
    await tx.setDefaultProfile(profileName === DEFAULT_PROFILE ? undefined : profileName);
  });
}

export type SecretsHome = 'file' | 'keyring';

export interface MoveInput {
  name: string;
  to: SecretsHome;
}

export interface MoveResult {
  profile: string;
  from: SecretsHome;
  to: SecretsHome;
  /** False when the secrets were already there. */
  moved: boolean;
  /** The config file that keeps the profile's metadata (and, in the file store, its secrets). */
  location: string;
}

/**
 * Moves a profile's secrets to the keyring or into config.json, under the store's lock (so no refresh runs
 * meanwhile). The store writes the new place first and removes the old one after: at every moment one of the two
 * holds them, and a reader sees the old or the new place whole. If the new place cannot be written (a keyring that
 * is locked or gone), nothing changes.
 */
export async function moveProfile(
  input: MoveInput,
  deps: Pick<Deps, 'store' | 'signal' | 'secrets'>,
): Promise<MoveResult> {
  const profileName = checkProfileName(input.name);
  const { store } = deps;
  if (store.kind !== 'file') {
    throw usageError(
      `PODIO_AUTH_STORE names a Redis server (${store.location}): its profiles live there whole, not in the keyring.`,
      '`profiles move` moves a profile between config.json and the OS keyring; unset PODIO_AUTH_STORE for that.',
    );
  }
  return store.transact(deps.signal, async (tx) => {
    const snapshot = await tx.read();
    const metadata = snapshot.profiles.get(profileName);
    if (!metadata) {
      const names = [...snapshot.profiles.keys()].sort();
      throw usageError(
        `There is no profile "${profileName}".${names.length ? ` Profiles: ${names.join(', ')}.` : ''}`,
        `Log in to it with the store you want: \`podio-auth login --profile ${profileName} --store ${input.to}\`.`,
      );
    }
    if (metadata.store === 'redis') {
      throw usageError(
        `Profile "${profileName}" lives in Redis (${shownPointer(metadata.redis_url)}), not in config.json.`,
        `\`profiles move\` moves between config.json and the OS keyring; to leave Redis, log in again: ` +
          `\`podio-auth login --profile ${profileName} --store ${input.to}\`.`,
      );
    }
    const from: SecretsHome = metadata.store === 'keyring' ? 'keyring' : 'file';
    const result = { profile: profileName, from, to: input.to, location: store.location };
    if (from === input.to) return { ...result, moved: false };
    // Read under the lock, secrets included, from where they are now.
    const whole = (await tx.getProfile(profileName)) ?? metadata;
    deps.secrets.addProfile(whole);
    const { store: _previous, ...rest } = whole;
    await tx.writeProfile(profileName, input.to === 'keyring' ? { ...rest, store: 'keyring' } : rest);
    return { ...result, moved: true };
  });
}

/**
 * A profile logged in to Redis with `login --store` is only a pointer here: list what Redis holds for it. A server
 * that cannot be read leaves the pointer listed as it is, with why (`unread`), rather than failing the whole list.
 */
async function withPointersFollowed(
  profiles: ReadonlyMap<string, ProfileRecord>,
  deps: Pick<Deps, 'store' | 'signal'>,
): Promise<{ followed: Map<string, ProfileRecord>; unread: Map<string, string> }> {
  const followed = new Map(profiles);
  const unread = new Map<string, string>();
  // One read per server, however many pointers lead to it.
  const reads = new Map<ProfileStore, Promise<StoreSnapshot>>();
  for (const [name, pointer] of profiles) {
    if (pointer.store !== 'redis' || !pointer.redis_url) continue;
    try {
      const holder = await deps.store.storeFor(name, deps.signal);
      if (holder === deps.store) continue;
      let read = reads.get(holder);
      if (!read) {
        read = holder.read(deps.signal);
        reads.set(holder, read);
      }
      const record = (await read).profiles.get(name);
      if (record) followed.set(name, { ...record, redis_url: pointer.redis_url });
    } catch (error) {
      // Listed as the pointer alone, not as logged out: its login may be there.
      unread.set(name, error instanceof PodioAuthError ? error.message : 'it could not be read');
    }
  }
  return { followed, unread };
}
