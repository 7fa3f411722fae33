import type { Deps } from '../deps.js';
import { isObject, isTokenText } from '../domain/guards.js';
import type { ProfileRecord } from '../domain/profile.js';
import { type Env, envValue } from '../env.js';
import { usageError } from '../errors.js';
import { parseOrigin } from '../podio/origins.js';
import { closingOpened, redisLocationOf, redisPrefixFrom, type StoreChoice } from '../store/open-store.js';
import type { ProfileStore } from '../store/port.js';
import { resolveProfileName } from '../store/profile-names.js';

/**
 * Storing a login that `podio-auth export --format json` printed, here or on another machine: the client credentials
 * and the refresh token (or the app id and token), read from standard input, become a profile in the chosen store.
 * This is how a fleet is seeded from a login made on a laptop, without a secret on any command line:
 *
 *   podio-auth export --format json | podio-auth import --store redis://redis.internal:6379/0
 *
 * Nothing is sent to Podio: a refresh here would rotate the refresh token before anyone chose to. No access token
 * comes along, so the first `token` refreshes (or redoes the app grant), under the store's lock.
 */

export interface ImportInput {
  /** The profile to store it as; default as everywhere (PODIO_PROFILE, `profiles use`, `default`). */
  profile?: string | undefined;
  /** `--store`; default: where the profile is now, else PODIO_AUTH_STORE. */
  store?: StoreChoice | undefined;
  /** Replace a profile that holds another login. */
  force?: boolean | undefined;
  /** What `export --format json` printed. */
  text: string;
}

export interface ImportResult {
  profile: string;
  /** What the login consists of: a refresh token, or an app's id and token. */
  login: 'refresh_token' | 'app';
  storedIn: string;
  /** A profile of this name held another login, and --force replaced it. */
  replaced: boolean;
  /** This machine's profile held this very login and became a pointer to the store: the login moved. */
  moved: boolean;
  /** The local profile became a pointer to the store the login now lives in (config.json keeps no secret). */
  pointerIn: string | undefined;
}

export type ImportDeps = Pick<Deps, 'env' | 'signal' | 'store' | 'openRedis' | 'secrets'>;

/** The variables `export` prints, and nothing else. */
const VARIABLES = [
  'PODIO_CLIENT_ID',
  'PODIO_CLIENT_SECRET',
  'PODIO_REFRESH_TOKEN',
  'PODIO_APP_ID',
  'PODIO_APP_TOKEN',
  'PODIO_API_URL',
] as const;
type Variable = (typeof VARIABLES)[number];

const PIPE_HINT = 'Pipe into it what `podio-auth export --format json` prints.';

/** The profile an export describes. Its errors name variables, never values. */
export function parseExport(text: string): { record: ProfileRecord; login: ImportResult['login'] } {
  if (text.trim() === '') throw usageError('Nothing to import: standard input is empty.', PIPE_HINT);
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw usageError('The input is not JSON.', PIPE_HINT);
  }
  if (!isObject(data)) throw usageError('The input is not a JSON object of variables.', PIPE_HINT);
  const values: Partial<Record<Variable, string>> = {};
  for (const [key, value] of Object.entries(data)) {
    if (!(VARIABLES as readonly string[]).includes(key)) {
      // A key is not a secret as a rule, but it is not ours to repeat at any length.
      const named = /^[A-Z][A-Z0-9_]{0,40}$/.test(key) ? `"${key}"` : 'a key';
      throw usageError(`The input has ${named}, which export never prints.`, `It takes ${VARIABLES.join(', ')}.`);
    }
    if (typeof value !== 'string' || value === '') throw usageError(`${key} in the input is not a non-empty string.`);
    if (key !== 'PODIO_API_URL' && !isTokenText(value)) {
      throw usageError(`${key} in the input has characters it cannot have (spaces, line breaks, non-ASCII).`);
    }
    values[key as Variable] = value;
  }
  const clientId = values.PODIO_CLIENT_ID;
  const clientSecret = values.PODIO_CLIENT_SECRET;
  if (!clientId || !clientSecret) {
    throw usageError('The input needs PODIO_CLIENT_ID and PODIO_CLIENT_SECRET.', PIPE_HINT);
  }
  const record: ProfileRecord = { client_id: clientId, client_secret: clientSecret };
  if (values.PODIO_API_URL) record.api_url = parseOrigin('PODIO_API_URL in the input', values.PODIO_API_URL);
  const { PODIO_APP_ID: appId, PODIO_APP_TOKEN: appToken, PODIO_REFRESH_TOKEN: refreshToken } = values;
  if ((appId === undefined) !== (appToken === undefined)) {
    throw usageError('The input has one of PODIO_APP_ID and PODIO_APP_TOKEN without the other.', PIPE_HINT);
  }
  if (appId !== undefined && appToken !== undefined) {
    if (!/^\d{1,20}$/.test(appId)) throw usageError('PODIO_APP_ID in the input is not a numeric app id.');
    Object.assign(record, { grant: 'app', app_id: appId, app_token: appToken });
  }
  if (refreshToken !== undefined) record.refresh_token = refreshToken;
  if (appId === undefined && refreshToken === undefined) {
    throw usageError('The input has neither PODIO_REFRESH_TOKEN nor PODIO_APP_ID and PODIO_APP_TOKEN.', PIPE_HINT);
  }
  return { record, login: appId === undefined ? 'refresh_token' : 'app' };
}

interface Target {
  store: ProfileStore;
  keyring: boolean;
  /** What to leave in config.json when the login goes to a Redis server it does not otherwise name. */
  pointer: ProfileRecord | undefined;
}

/** Whether `local` is already `pointer` (one made before pointers kept their prefix follows the environment's). */
function isSamePointer(local: ProfileRecord, pointer: ProfileRecord | undefined, env: Env): boolean {
  return (
    pointer !== undefined &&
    local.store === 'redis' &&
    local.redis_url === pointer.redis_url &&
    (local.redis_prefix ?? redisPrefixFrom(env)) === pointer.redis_prefix
  );
}

/** `--store`, else where the profile is now, else PODIO_AUTH_STORE: the same rule as `login`. */
async function targetFor(choice: StoreChoice | undefined, name: string, deps: ImportDeps): Promise<Target> {
  const here = deps.store;
  if (choice?.kind === 'redis') {
    if (here.kind === 'redis' && here.location === redisLocationOf(choice.url)) {
      return { store: here, keyring: false, pointer: undefined };
    }
    // With PODIO_AUTH_STORE naming a Redis server there is no config.json here to point from.
    const pointer =
      here.kind === 'redis'
        ? undefined
        : { store: 'redis' as const, redis_url: redisLocationOf(choice.url), redis_prefix: redisPrefixFrom(deps.env) };
    return { store: deps.openRedis(choice.url), keyring: false, pointer };
  }
  if (here.kind === 'redis') {
    if (choice !== undefined) {
      throw usageError(
        `PODIO_AUTH_STORE names a Redis server: its profiles live there, not in ${choice.kind === 'file' ? 'config.json' : 'the keyring'}.`,
        'Unset PODIO_AUTH_STORE to import into this machine’s own store.',
      );
    }
    return { store: here, keyring: false, pointer: undefined };
  }
  if (choice === undefined) {
    const current = await here.storeFor(name, deps.signal);
    if (current !== here) return { store: current, keyring: false, pointer: undefined };
  }
  const stored = (await here.read(deps.signal)).profiles.get(name);
  const keyring =
    choice?.kind === 'keyring' ||
    (choice === undefined && (stored?.store === 'keyring' || envValue(deps.env, 'PODIO_AUTH_STORE') === 'keyring'));
  return { store: here, keyring, pointer: undefined };
}

function holdsLogin(record: ProfileRecord | undefined): boolean {
  return Boolean(record && (record.access_token || record.refresh_token || record.app_token || record.expires_at));
}

/** The login being imported is the one already there: importing it again (or moving it) replaces nothing of value. */
function sameLogin(existing: ProfileRecord, imported: ProfileRecord): boolean {
  if (existing.client_id !== imported.client_id) return false;
  if (imported.app_token !== undefined) {
    return existing.app_id === imported.app_id && existing.app_token === imported.app_token;
  }
  return existing.refresh_token !== undefined && existing.refresh_token === imported.refresh_token;
}

function refuseReplacing(name: string, where: string): never {
  throw usageError(
    `Profile "${name}" in ${where} already holds another login; nothing was imported.`,
    `Pass --force to replace it, or import under another name with --profile.`,
  );
}

export async function importProfile(input: ImportInput, deps: ImportDeps): Promise<ImportResult> {
  return closingOpened(deps, (withClosing) => importOnce(input, withClosing));
}

async function importOnce(input: ImportInput, deps: ImportDeps): Promise<ImportResult> {
  const { record, login } = parseExport(input.text);
  deps.secrets.addProfile(record);
  const snapshot = await deps.store.read(deps.signal);
  const name = resolveProfileName(input.profile, deps.env, snapshot.defaultProfile);
  const target = await targetFor(input.store, name, deps);
  const stored: ProfileRecord = target.keyring ? { ...record, store: 'keyring' } : record;

  // The profile this machine has under that name, when it is about to become a pointer: the same check.
  const local = target.pointer ? snapshot.profiles.get(name) : undefined;
  let replaced = false;
  let moved = false;
  if (local && !isSamePointer(local, target.pointer, deps.env)) {
    const whole = await deps.store.getProfile(name, deps.signal);
    if (whole && holdsLogin(whole)) {
      moved = sameLogin(whole, record);
      if (!moved && !input.force) refuseReplacing(name, deps.store.location);
      replaced = !moved;
    }
  }

  await target.store.transact(deps.signal, async (tx) => {
    const existing = await tx.getProfile(name);
    if (existing && holdsLogin(existing) && !sameLogin(existing, record)) {
      if (!input.force) refuseReplacing(name, target.store.location);
      replaced = true;
    }
    await tx.writeProfile(name, stored);
  });
  const { pointer } = target;
  if (pointer) {
    await deps.store.transact(deps.signal, async (tx) => {
      // Again under this store's lock: a login made here since the check above (in another shell) is kept.
      const now = await tx.getProfile(name);
      if (!input.force && now && holdsLogin(now) && !sameLogin(now, record)) {
        throw usageError(
          `Profile "${name}" in ${deps.store.location} was logged in meanwhile, so it is kept as it is (the login was imported into ${target.store.location} all the same).`,
          'Pass --force to make it point there instead, or import under another name with --profile.',
        );
      }
      await tx.writeProfile(name, pointer);
    });
  }
  return {
    profile: name,
    login,
    storedIn: target.keyring ? 'the OS keyring' : target.store.location,
    replaced,
    moved,
    pointerIn: pointer ? deps.store.location : undefined,
  };
}
