import type { Deps } from '../deps.js';
import type { Env } from '../env.js';
import { apiOriginFor } from '../podio/origins.js';
import { createDeps } from '../real-deps.js';
import { envCredentials } from '../usecases/env-credentials.js';
import { type FreshToken, getToken, readProfile } from '../usecases/get-token.js';
import { refreshGateFor } from './refresh-gate.js';

/**
 * What every library entry point shares: one set of side effects per environment object and settings for the life
 * of the process (so one HTTP client and one store, whatever mix of `getToken`, `podioFetch` and session stores a
 * program uses), and one token lookup in flight per profile (so concurrent callers in this process make at most one
 * refresh; other processes are kept in line by the store's lock).
 */

export interface TokenOptions {
  /** Profile to use; default as on the command line: PODIO_PROFILE, `profiles use`, then `default`. */
  profile?: string;
  /** The token must live at least this long (seconds); refreshed first if not. Default: five minutes. */
  minTtlSeconds?: number;
  /** Environment to read (PODIO_* variables, PODIO_AUTH_CONFIG_DIR, proxies). Default: process.env. */
  env?: Env;
  signal?: AbortSignal;
}

const depsByEnv = new WeakMap<Env, Map<string, Deps>>();
const neverAborted = new AbortController().signal;

/** Variables the side effects are made from, once: where the store is, how Podio is reached, which browser. */
const MADE_FROM = /^(PODIO_AUTH_\w+|HOME|XDG_CONFIG_HOME|APPDATA|SNAP|BROWSER|(HTTPS?|ALL|NO)_PROXY)$/i;

/** The side effects of one call: the shared ones, and the environment as it was when the call was made. */
export interface CallDeps extends Deps {
  /** The environment object the caller gave (process.env): what the refresh gate and shared lookups are kept per. */
  readonly liveEnv: Env;
}

/**
 * The side effects for `env` as it is now. A program that changes one of the variables they are made from between
 * calls (PODIO_AUTH_CONFIG_DIR in process.env, say) gets ones made for the new value, never the first ones; each
 * set is kept for the life of the process, as calls still running may use it. The call reads `env` once, here: its
 * origin, profile and token all come from the same values, even if the program changes them before it settles.
 */
export function libraryDeps(env: Env, signal?: AbortSignal): CallDeps {
  let bySettings = depsByEnv.get(env);
  if (!bySettings) {
    bySettings = new Map();
    depsByEnv.set(env, bySettings);
  }
  const settings = JSON.stringify(
    Object.keys(env)
      .filter((name) => MADE_FROM.test(name))
      .sort()
      .map((name) => [name, env[name]]),
  );
  let deps = bySettings.get(settings);
  if (!deps) {
    deps = createDeps({
      env,
      stdin: process.stdin,
      stdout: process.stdout,
      stderr: process.stderr,
      signal: neverAborted,
    });
    bySettings.set(settings, deps);
  }
  const asCalled: Env = { ...env };
  return { ...deps, env: asCalled, liveEnv: env, ...(signal ? { signal, forceSignal: signal } : {}) };
}

export interface FreshTokenRequest {
  profile?: string | undefined;
  minTtlSeconds?: number | undefined;
  /** A token Podio just rejected: refresh, unless another process has replaced it already. */
  rejectedToken?: string | undefined;
  /** Env-only mode: the refresh token to refresh from (see GetTokenInput). */
  envRefreshToken?: string | undefined;
}

const inFlightByEnv = new WeakMap<Env, Map<string, Promise<FreshToken>>>();

/**
 * A valid token through the get-token use case; identical requests made at the same time share one lookup, and
 * every lookup goes through the environment's refresh gate (refresh-gate.ts), which keeps it apart from podio-js's
 * own refreshes.
 */
export function sharedFreshToken(request: FreshTokenRequest, deps: CallDeps): Promise<FreshToken> {
  let inFlight = inFlightByEnv.get(deps.liveEnv);
  if (!inFlight) {
    inFlight = new Map();
    inFlightByEnv.set(deps.liveEnv, inFlight);
  }
  const key = JSON.stringify([
    deps.store.location,
    request.profile ?? null,
    request.minTtlSeconds ?? null,
    request.rejectedToken ?? null,
    request.envRefreshToken ?? null,
    // The rest of what decides the token, as this call read it: PODIO_PROFILE, env-only credentials, origins.
    Object.entries(deps.env)
      .filter(([name]) => name.startsWith('PODIO_'))
      .sort(([a], [b]) => (a < b ? -1 : 1)),
  ]);
  let pending = inFlight.get(key);
  if (!pending) {
    const input = {
      profile: request.profile,
      minTtlSeconds: request.minTtlSeconds,
      rejectedToken: request.rejectedToken,
      envRefreshToken: request.envRefreshToken,
    };
    pending = refreshGateFor(deps.liveEnv).lookup(deps, (gated) => getToken(input, gated));
    const requests = inFlight;
    requests.set(key, pending);
    const forget = () => requests.delete(key);
    pending.then(forget, forget);
  }
  return pending;
}

/** Whether credentials come from the environment alone (env-only mode): no `profile` given, and some are set. */
export function isEnvOnly(profile: string | undefined, env: Env): boolean {
  return profile === undefined && envCredentials(env) !== undefined;
}

/**
 * The API origin the token belongs to (the profile's own; PODIO_API_URL in env-only mode), read without a request:
 * nothing is sent, not even a refresh, before a URL is known to be on it.
 */
export async function apiOriginOf(profile: string | undefined, deps: Deps): Promise<string> {
  if (isEnvOnly(profile, deps.env)) return apiOriginFor(undefined, deps.env);
  const stored = await readProfile(profile, deps);
  return apiOriginFor(stored.profile, deps.env, stored.name);
}
