import type { Env } from '../env.js';
import { envValue } from '../env.js';

export type EnvVariable = 'PODIO_ACCESS_TOKEN' | 'PODIO_REFRESH_TOKEN' | 'PODIO_APP_TOKEN';

/** Which credentials the environment holds, for env-only mode. Stated in one place for docs and code. */
export function envCredentials(env: Env): EnvVariable | undefined {
  if (envValue(env, 'PODIO_ACCESS_TOKEN')) return 'PODIO_ACCESS_TOKEN';
  if (envValue(env, 'PODIO_REFRESH_TOKEN')) return 'PODIO_REFRESH_TOKEN';
  if (envValue(env, 'PODIO_APP_ID') && envValue(env, 'PODIO_APP_TOKEN')) return 'PODIO_APP_TOKEN';
  return undefined;
}
