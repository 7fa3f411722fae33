import type { PodioJsOAuth } from './podio-js-api.js';
import type { Latest } from './podio-js-known-tokens.js';

/**
 * The `authObject` podio-js is handed: its fields read the newest token the store knows, so a refresh made
 * anywhere in this process reaches podio-js's next request. Whoever assigns a field takes it over.
 */

export interface LiveAuthSource {
  latest(): Latest | undefined;
  /** podio-js is about to send the access token with a request. */
  accessTokenRead(): void;
  /** The refresh token podio-js may read now (none while one of ours may be rotating it). */
  refreshTokenToShow(current: string | undefined): string | undefined;
  now(): Date;
}

/** Turns `target` into a live `authObject`: its fields read the source, and reading the token tells it. */
export function liveAuthObject(target: object, source: LiveAuthSource): PodioJsOAuth {
  const fields: [keyof PodioJsOAuth, (current: Latest) => unknown][] = [
    ['accessToken', (current) => current.accessToken],
    ['refreshToken', (current) => source.refreshTokenToShow(current.refreshToken)],
    ['expiresIn', (current) => secondsLeft(current.expiresAt, source.now())],
    ['ref', (current) => current.ref],
    ['scope', (current) => current.scope],
  ];
  for (const [name, read] of fields) {
    Object.defineProperty(target, name, {
      enumerable: true,
      configurable: true,
      get: () => {
        if (name === 'accessToken') source.accessTokenRead();
        const latest = source.latest();
        return latest ? read(latest) : undefined;
      },
      // Whoever assigns a field takes it over: from then on it is a plain value.
      set: (value: unknown) => {
        Object.defineProperty(target, name, { value, writable: true, enumerable: true, configurable: true });
      },
    });
  }
  return target as PodioJsOAuth;
}

function secondsLeft(expiresAt: number | undefined, now: Date): number | null {
  return expiresAt === undefined ? null : Math.max(0, Math.floor((expiresAt - now.getTime()) / 1000));
}
