import { usageError } from '../../errors.js';

/**
 * Redis store URLs: parsed as Redis clients read them, and written without their password for messages and records.
 * Loads no Redis client, so the launcher's fast path and the child environment can use it.
 */

const DEFAULT_REDIS_PORT = 6379;

export interface RedisTarget {
  host: string;
  port: number;
  tls: boolean;
  username: string | undefined;
  password: string | undefined;
  database: number;
  /** `host:port`, for messages. */
  address: string;
  /** The URL without its password. */
  location: string;
}

const URL_SHAPE = 'redis://[user:password@]host[:port][/db] (or rediss:// for TLS)';

/** A percent-encoded part of the URL; a bad escape (`%zz`) is a usage error that does not repeat it. */
function decodedPart(part: string, what: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw usageError(
      `The ${what} in the Redis store URL has a % that does not start an escape such as %40.`,
      `Write it as ${URL_SHAPE}, with @ : / % in the user name or password written %40 %3A %2F %25.`,
    );
  }
}

/**
 * Parses a Redis URL with the WHATWG parser, as node-redis does: the LAST `@` ends the user info, so
 * `redis://fleet:top@secret@host` is the user `fleet` with the password `top@secret`. Its errors never repeat the
 * URL, which may hold a password.
 */
export function parseRedisUrl(url: string): RedisTarget {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw usageError('The Redis store URL is not a valid URL.', `Write it as ${URL_SHAPE}.`);
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw usageError(
      `A Redis store URL starts with redis:// or rediss://, not ${parsed.protocol}//.`,
      `Write it as ${URL_SHAPE}.`,
    );
  }
  if (parsed.hostname === '') throw usageError('The Redis store URL has no host.', `Write it as ${URL_SHAPE}.`);
  const path = parsed.pathname.replace(/^\//, '');
  if (!/^\d{0,5}$/.test(path)) {
    throw usageError('The path of a Redis store URL is the database number, such as /0.', `Write it as ${URL_SHAPE}.`);
  }
  const port = parsed.port === '' ? DEFAULT_REDIS_PORT : Number(parsed.port);
  const database = path === '' ? 0 : Number(path);
  const address = `${parsed.hostname}:${port}`;
  const user = parsed.username === '' ? '' : `${parsed.username}@`;
  return {
    host: parsed.hostname.replace(/^\[(.*)\]$/, '$1'),
    port,
    tls: parsed.protocol === 'rediss:',
    username: parsed.username === '' ? undefined : decodedPart(parsed.username, 'user name'),
    password: parsed.password === '' ? undefined : decodedPart(parsed.password, 'password'),
    database,
    address,
    location: `${parsed.protocol}//${user}${address}/${database}`,
  };
}

/** `redis://user:…@host:port/db` for messages: never the password, and never fails (a bad URL is named as such). */
export function redisLocationOf(url: string): string {
  try {
    const parsed = new URL(url);
    // The store reads neither a query nor a fragment, and some clients take a password there.
    parsed.password = '';
    parsed.search = '';
    parsed.hash = '';
    return parsed.toString().replace(/\/$/, '');
  } catch {
    return 'redis://(invalid URL)';
  }
}

/** The user a URL logs in as (`default` for a password alone), or undefined when it sends no password. */
export function redisUserOf(url: string): string | undefined {
  try {
    const parsed = new URL(url);
    if (parsed.password === '') return undefined;
    return parsed.username === '' ? 'default' : decodeURIComponent(parsed.username);
  } catch {
    return undefined;
  }
}

/** A URL with a password keeps it; one without takes `password` (as the user `default` when it names none). */
export function withRedisPassword(url: string, password: string | undefined): string {
  if (password === undefined) return url;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    // parseRedisUrl says what is wrong with it, without repeating it.
    return url;
  }
  if (parsed.password !== '') return url;
  parsed.password = encodeURIComponent(password);
  if (!parsed.username) parsed.username = 'default';
  return parsed.toString();
}
