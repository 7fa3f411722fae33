/**
 * The store port: what every backend offers the use cases. Backends: the config file (`config.json`, secrets in
 * it), the config file with secrets in the OS keyring, and Redis. A use case never knows which one it talks to.
 *
 * Rules every backend keeps:
 * - Reads outside a transaction are snapshots: good for deciding whether a refresh is needed, never for writing.
 * - Every write happens inside `transact`, under the backend's lock, and replaces only what it names (one
 *   profile, or the default): another profile changed by another process meanwhile is never overwritten.
 * - Writes are fenced: a holder whose lock was taken over (it was stopped, or its lease ran out) writes nothing
 *   and gets `lock_lost`.
 * - A write is atomic: a reader sees the old or the new profile, never a mix, whatever happens mid-write.
 */
import type { ProfileRecord } from '../domain/profile.js';

export type StoreKind = 'file' | 'keyring' | 'redis';

/** The time and the bound a backend is opened with. */
export interface StoreClock {
  now: () => Date;
  monotonic: () => number;
  /** Bound for every call to a remote store. */
  timeoutMs: number;
}

export interface StoreSnapshot {
  /** Set by `profiles use`. */
  defaultProfile: string | undefined;
  /** Own entries only: a profile named `constructor` or `__proto__` is just a name. */
  profiles: ReadonlyMap<string, ProfileRecord>;
}

export interface StoreTransaction {
  /** Fresh data, read under the lock (secrets kept apart, as in the keyring, may be absent: see `getProfile`). */
  read(): Promise<StoreSnapshot>;
  /** One profile whole, secrets included, read fresh under the lock. */
  getProfile(name: string): Promise<ProfileRecord | undefined>;
  /** Replaces one profile whole (`undefined` removes it). Fenced: throws `lock_lost` when the lock is gone. */
  writeProfile(name: string, record: ProfileRecord | undefined): Promise<void>;
  /** Sets or clears the default profile. Fenced. */
  setDefaultProfile(name: string | undefined): Promise<void>;
  /**
   * Claims the room the next write needs, now (what is stored and `growthBytes` more): called before a request whose
   * answer only that write can keep (a refresh Podio answers with a new refresh token), so that a full disk fails
   * before anything is spent. Stores that need no room on this machine leave it out.
   */
  reserveWrite?(growthBytes: number): Promise<void>;
  /**
   * The lock was taken from a holder that went silent and may only be stopped: it may come back with a refresh it
   * had sent, so a refresh token Podio rejects now may have been replaced, not revoked.
   */
  readonly tookOverSilentHolder?: boolean;
}

export interface ProfileStore {
  readonly kind: StoreKind;
  /** Where the data lives, for messages: a path, or a Redis URL without its password. Never a secret. */
  readonly location: string;
  /** Every profile's metadata; secrets kept apart (the keyring) are not fetched, so listing stays cheap. */
  read(signal: AbortSignal): Promise<StoreSnapshot>;
  /** One profile whole, secrets included. */
  getProfile(name: string, signal: AbortSignal): Promise<ProfileRecord | undefined>;
  /**
   * Fails now (config_unwritable, keyring_unavailable, redis_unavailable…) if a login could not be stored, so
   * that nobody goes through the browser for nothing. `secrets`: where the new login's secrets would go.
   */
  checkWritable(signal: AbortSignal, secrets: 'file' | 'keyring'): Promise<void>;
  /** Runs `fn` under the store's lock; the lock is released when `fn` settles, whatever happens. */
  transact<T>(signal: AbortSignal, fn: (tx: StoreTransaction) => Promise<T>): Promise<T>;
  /**
   * The store that holds `name`: this one, or the one a pointer here names (a profile logged in to Redis with
   * `login --store redis://…` leaves such a pointer in config.json). Use cases ask this before anything else.
   */
  storeFor(name: string, signal: AbortSignal): Promise<ProfileStore>;
  /** Releases connections (Redis) and helpers (the keyring); idempotent. */
  close(): Promise<void>;
}

/** A held lock. */
export interface Lease {
  /** Taken from a holder that went silent without being provably dead (it may only be stopped). */
  readonly tookOverSilentHolder?: boolean;
  /** Throws `lock_lost` when another holder has taken the lock over (this one was stopped or too slow). */
  assertHeld(): Promise<void>;
  release(): Promise<void>;
}

export interface Locker {
  /** Waits (bounded, abortable) for the lock. Throws `lock_timeout` or `interrupted`. */
  acquire(signal: AbortSignal): Promise<Lease>;
}

/**
 * Secrets kept apart from the profile's metadata (the OS keyring): one entry per profile, under an account name the
 * store works out (see keyring/entries.ts). The vault knows accounts, not profiles.
 */
export interface SecretVault {
  /** The entry's value (a JSON object of the profile's secret fields), or undefined. */
  get(account: string, signal: AbortSignal): Promise<string | undefined>;
  set(account: string, value: string, signal: AbortSignal): Promise<void>;
  /** True when an entry was removed. */
  delete(account: string, signal: AbortSignal): Promise<boolean>;
  /** Every account that has an entry under the service, ours or not (to find orphans). */
  list(signal: AbortSignal): Promise<string[]>;
}
