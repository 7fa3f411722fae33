import type { Env } from '../env.js';
import { envValue } from '../env.js';
import { usageError } from '../errors.js';

export const DEFAULT_PROFILE = 'default';
const PROFILE_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

export function checkProfileName(name: string): string {
  if (!PROFILE_NAME.test(name)) {
    throw usageError(
      `"${name.slice(0, 64)}" is not a valid profile name.`,
      'Use letters, digits, "-" and "_" (up to 64).',
    );
  }
  return name;
}

/** `--profile` wins over PODIO_PROFILE, which wins over `profiles use`, which wins over `default`. */
export function resolveProfileName(flag: string | undefined, env: Env, defaultProfile?: string): string {
  return checkProfileName(flag ?? envValue(env, 'PODIO_PROFILE') ?? defaultProfile ?? DEFAULT_PROFILE);
}
