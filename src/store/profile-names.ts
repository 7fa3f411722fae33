import type { Env } from '../env.js';
import { envValue } from '../env.js';
import { usageError } from '../errors.js';

export const DEFAULT_PROFILE = 'default';
const PROFILE_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

function isProfileName(name: string): boolean {
  return PROFILE_NAME.test(name);
}

/** `name`, if it is a valid profile name; else a usage error naming where it came from (`from`: a variable). */
export function checkProfileName(name: string, from?: string): string {
  if (!isProfileName(name)) {
    const what = `"${name.slice(0, 64)}"`;
    throw usageError(
      from === undefined
        ? `${what} is not a valid profile name.`
        : `${from} is ${what}, which is not a valid profile name.`,
      'Use letters, digits, "-" and "_" (up to 64).',
    );
  }
  return name;
}

/** `--profile` wins over PODIO_PROFILE, which wins over `profiles use`, which wins over `default`. */
export function resolveProfileName(flag: string | undefined, env: Env, defaultProfile?: string): string {
  if (flag !== undefined) return checkProfileName(flag);
  const fromEnv = envValue(env, 'PODIO_PROFILE');
  if (fromEnv !== undefined) return checkProfileName(fromEnv, 'PODIO_PROFILE');
  if (defaultProfile !== undefined) return checkProfileName(defaultProfile, 'The default profile (`profiles use`)');
  return DEFAULT_PROFILE;
}
