import type { Env } from '../env.js';
import type { PodioAuthError } from '../errors.js';
import type { TokenRef } from '../podio/token-client.js';

/** The podio-js side of the session store: what podio-js 1.6.1 calls and hands over (lib/PodioOAuth.js). */

/** podio-js's `authObject` (lib/PodioOAuth.js). */
export interface PodioJsOAuth {
  accessToken: string;
  /** Absent when there is none to give (a token from PODIO_ACCESS_TOKEN): podio-js then cannot refresh. */
  refreshToken?: string;
  /** Seconds the access token has left; null when unknown. podio-js itself keeps what Podio said. */
  expiresIn: number | string | null;
  ref?: TokenRef;
  transferToken?: string;
  scope?: string;
}

/** The interface podio-js 1.6.1 calls (`options.sessionStore`), and `settled()` for orderly exits. */
export interface PodioJsSessionStore {
  get(authType: string, callback: (podioOAuth?: PodioJsOAuth) => void): void;
  set(podioOAuth: Partial<PodioJsOAuth>, authType: string, callback?: (error: null) => void): void;
  /**
   * Resolves once the store's work in the background is done: a look at the profile, a refresh, a write-back.
   * Await it before `process.exit()`, so that a refresh token Podio has just rotated is stored.
   */
  settled(): Promise<void>;
  /** Stops refreshing ahead of expiry; for a program that is done with podio-js but goes on. */
  close(): void;
}

export interface PodioJsSessionStoreOptions {
  /** Profile to use; default as on the command line: PODIO_PROFILE, `profiles use`, then `default`. */
  profile?: string;
  /** Environment to read (PODIO_* variables, PODIO_AUTH_CONFIG_DIR, proxies). Default: process.env. */
  env?: Env;
  /** Where failures go, since podio-js has no channel for them. Default: one line on stderr. */
  onError?: (error: PodioAuthError) => void;
}
