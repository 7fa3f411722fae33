import { sanitizeForTerminal } from './domain/terminal-text.js';
import { usageError } from './errors.js';

/** The environment as the tool reads it: passed in (never `process.env` read deep inside), so tests set it whole. */
export type Env = Readonly<Record<string, string | undefined>>;

/** A variable that is set to something (an empty value counts as unset, as most tools treat it). */
export function envValue(env: Env, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value === '' ? undefined : value;
}

/**
 * A setting in seconds (`PODIO_AUTH_HTTP_TIMEOUT`, `…_LOCK_STALE_SECONDS`…), as milliseconds: unset (or empty) gives
 * the default; anything but a plain number from `min` to `max` is a usage error that quotes at most 40 characters.
 */
export function secondsSetting(env: Env, name: string, range: { min: number; max: number; defaultMs: number }): number {
  const raw = envValue(env, name);
  if (raw === undefined) return range.defaultMs;
  const trimmed = raw.trim();
  const seconds = /^(\d+(\.\d*)?|\.\d+)$/.test(trimmed) ? Number(trimmed) : Number.NaN;
  if (!(seconds >= range.min && seconds <= range.max)) {
    const shown = sanitizeForTerminal(raw, 40);
    throw usageError(`${name} must be a number of seconds from ${range.min} to ${range.max}, not "${shown}".`);
  }
  return Math.round(seconds * 1000);
}
