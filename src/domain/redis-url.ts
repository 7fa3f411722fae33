/**
 * Redis store URLs: read as Redis clients read them, and written without their password for messages and records.
 * Part of the vocabulary because a URL may carry a password: what keeps secrets out of a child's environment needs
 * it as much as the store does. What is wrong with a URL is said without repeating it.
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

/** What is wrong with a Redis URL, and how to write it. */
export interface RedisUrlProblem {
  problem: string;
  hint: string;
}

class NotARedisUrl extends Error {
  constructor(readonly reading: RedisUrlProblem) {
    super(reading.problem);
  }
}

const notARedisUrl = (problem: string, hint = `Write it as ${URL_SHAPE}.`) => new NotARedisUrl({ problem, hint });

/** A percent-encoded part of the URL; a bad escape (`%zz`) is a problem that does not repeat it. */
function decodedPart(part: string, what: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw notARedisUrl(
      `The ${what} in the Redis store URL has a % that does not start an escape such as %40.`,
      `Write it as ${URL_SHAPE}, with @ : / % in the user name or password written %40 %3A %2F %25.`,
    );
  }
}

/**
 * Reads a Redis URL with the WHATWG parser, as node-redis does: the LAST `@` ends the user info, so
 * `redis://fleet:top@secret@host` is the user `fleet` with the password `top@secret`.
 */
export function readRedisUrl(url: string): { ok: true; target: RedisTarget } | ({ ok: false } & RedisUrlProblem) {
  try {
    return { ok: true, target: targetOf(url) };
  } catch (error) {
    if (error instanceof NotARedisUrl) return { ok: false, ...error.reading };
    throw error;
  }
}

function targetOf(url: string): RedisTarget {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw notARedisUrl('The Redis store URL is not a valid URL.');
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw notARedisUrl(`A Redis store URL starts with redis:// or rediss://, not ${parsed.protocol}//.`);
  }
  if (parsed.hostname === '') throw notARedisUrl('The Redis store URL has no host.');
  const path = parsed.pathname.replace(/^\//, '');
  if (!/^\d{0,5}$/.test(path)) throw notARedisUrl('The path of a Redis store URL is the database number, such as /0.');
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

/**
 * The server and user a URL without a password would take PODIO_AUTH_REDIS_PASSWORD for (`user@host:port`, no
 * password, no database: one password per user of a server); undefined for a URL that has its own password, or is
 * no URL.
 */
export function passwordlessServerOf(url: string): string | undefined {
  try {
    const parsed = new URL(url);
    return parsed.password === '' ? `${parsed.username || 'default'}@${parsed.host}` : undefined;
  } catch {
    return undefined;
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
