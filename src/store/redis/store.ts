import { randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { checkProfile, type ProfileRecord } from '../../domain/profile.js';
import { interrupted, PodioAuthError } from '../../errors.js';
import type { ProfileStore, StoreSnapshot, StoreTransaction } from '../port.js';
import {
  createRedisLocker,
  fencedScript,
  type LeaseCommands,
  type LeaseTimers,
  type RedisLease,
} from './lease.js';
import { parseRedisUrl, type RedisTarget } from './url.js';

export { parseRedisUrl, type RedisTarget, redisLocation } from './url.js';

/**
 * Profiles kept in Redis, for a fleet of machines sharing one Podio login.
 *
 * Key layout (the prefix defaults to `podio-auth:`; no key name holds a secret, only profile names):
 * - `<prefix>profile:<name>`  a string: the profile's JSON, metadata and secrets together (as `ProfileRecord`)
 * - `<prefix>profiles`        a set: the names of the profiles
 * - `<prefix>default`         a string: the default profile's name (`profiles use`)
 * - `<prefix>lock`            a string: the lock's random token while someone holds it (see redis-lease.ts)
 *
 * The set of names, rather than a SCAN for the prefix, because a SCAN walks the whole keyspace of what may be a
 * busy shared Redis, in steps that are not one snapshot; the set is exact and is read with the profiles in one
 * script. Every write changes a profile's key and its set entry together, in the same fenced script. A profile key
 * written by hand without its set entry is not seen.
 *
 * A snapshot is one Lua script (atomic: it sees every write whole or not at all). A write is one fenced Lua script:
 * it checks that the lock still holds this holder's token and only then writes, so a holder whose lease ran out
 * writes nothing. Scripts need EVAL: an ACL user for this store needs `+@read +@write +@scripting ~<prefix>*`.
 * One Redis server (with replicas, if any, for failover): the lock is the single-instance one, and the snapshot script
 * reads keys it derives from the set, which Redis Cluster does not allow.
 *
 * The client is node-redis (`redis`), loaded only when a Redis store is opened (its import takes about 70 ms). Chosen
 * over ioredis because it is the client the Redis project recommends for new code (redis.io's Node.js guide), ships its
 * own types, and depends only on its own `@redis/*` packages. RESP2 and no CLIENT SETINFO, so it also works with
 * servers older than Redis 6 and with Redis-compatible ones. Every call is bounded here, not by the client: its own
 * command timeout stops counting once a command is written, so a server that accepts and never answers would hang it.
 * No reconnect loop: a broken connection fails the call in progress, and the next call opens a fresh one. The one
 * exception is a fenced write whose connection dropped (see `fencedWrite`): it is sent again, a few times at most,
 * because after Podio rotated a refresh token that write is the only copy of the new one.
 */

export interface RedisStoreOptions {
  /** `redis://[user:password@]host[:port][/db]`, or `rediss://` for TLS. */
  url: string;
  /** Prefix of every key; default `podio-auth:`. */
  prefix?: string;
  /** The bound on connecting and on each command: the caller's HTTP timeout. */
  timeoutMs: number;
  /** Aborts opening the connection. */
  signal?: AbortSignal;
  /** Lease timings and timers; the defaults suit real use. */
  lock?: { ttlMs?: number; extendEveryMs?: number; waitMs?: number; timers?: LeaseTimers; random?: () => number };
}

export type LockState = { held: false } | { held: true; ttlMs: number };

/**
 * Whether the server keeps its data across a restart: `appendonly` and the RDB `save` points where this user may
 * read the configuration (CONFIG GET), else `aof` alone from INFO; `unknown` when neither is allowed.
 */
export type Persistence =
  | { known: 'config'; aof: boolean; rdb: boolean }
  | { known: 'info'; aof: boolean }
  | { known: 'unknown' };

export interface RedisProfileStore extends ProfileStore {
  readonly kind: 'redis';
  /** The keys' prefix. */
  readonly prefix: string;
  /** One PING; resolves to its round-trip time in milliseconds. */
  ping(signal: AbortSignal): Promise<number>;
  /** Whether someone holds the lock, and for how much longer unless extended. */
  lockState(signal: AbortSignal): Promise<LockState>;
  /** Whether the data survives a restart of the server, as far as this user may ask. */
  persistence(signal: AbortSignal): Promise<Persistence>;
}

export const DEFAULT_REDIS_PREFIX = 'podio-auth:';

export interface RedisKeys {
  profile(name: string): string;
  profiles: string;
  default: string;
  lock: string;
}

export function redisKeys(prefix: string): RedisKeys {
  return {
    profile: (name) => `${prefix}profile:${name}`,
    profiles: `${prefix}profiles`,
    default: `${prefix}default`,
    lock: `${prefix}lock`,
  };
}

/** The parts of a node-redis client this store uses. */
interface RedisClientHandle {
  readonly isReady: boolean;
  connect(): Promise<unknown>;
  sendCommand(args: string[], options?: { abortSignal?: AbortSignal; timeout?: number }): Promise<unknown>;
  close(): Promise<void>;
  destroy(): void;
  unref(): void;
  on(event: 'error', listener: (error: unknown) => void): unknown;
}

type RedisModule = typeof import('redis');

/**
 * node-redis is CommonJS. Node's own `import()` gives its exports by name; the bundled CLI's `import()` gives them
 * only as `default` (the bundler does not guess a CommonJS module's names). Either way, the same module.
 */
async function loadRedisModule(): Promise<RedisModule> {
  const loaded: RedisModule & { default?: RedisModule } = await import('redis');
  return typeof loaded.createClient === 'function' ? loaded : (loaded.default ?? loaded);
}

export async function openRedisStore(options: RedisStoreOptions): Promise<RedisProfileStore> {
  const target = parseRedisUrl(options.url);
  const prefix = options.prefix ?? DEFAULT_REDIS_PREFIX;
  const keys = redisKeys(prefix);
  if (options.signal?.aborted) throw interrupted();
  const redis = await loadRedisModule();
  const connection = new RedisConnection(redis, target, options.timeoutMs);
  try {
    await connection.client(options.signal);
  } catch (error) {
    // Given up on (the caller's signal): the attempt still under way is ended too, not left to its timeout.
    await connection.close();
    throw error;
  }

  const commands: LeaseCommands = {
    evalScript: (script, scriptKeys, args, signal) =>
      connection.send(['EVAL', script, String(scriptKeys.length), ...scriptKeys, ...args], signal),
  };
  const locker = createRedisLocker(commands, { key: keys.lock, location: target.location, ...options.lock });

  const readSnapshot = async (signal: AbortSignal): Promise<StoreSnapshot> => {
    const reply = await commands.evalScript(SNAPSHOT_SCRIPT, [keys.profiles, keys.default], [keys.profile('')], signal);
    return parseSnapshot(reply, keys, target);
  };

  const fencedWrite = async (
    lease: RedisLease,
    signal: AbortSignal,
    script: string,
    writeKeys: string[],
    args: string[],
  ): Promise<void> => {
    for (let retry = 0; ; retry++) {
      // Known lost: write nothing, without asking Redis. Otherwise the script itself checks the token.
      lease.throwIfLost();
      try {
        const reply = await commands.evalScript(script, [lease.key, ...writeKeys], [lease.token, ...args], signal);
        if (Number(reply) !== 1) throw lease.markLost();
        return;
      } catch (error) {
        // The connection dropped with the write on its way (a load balancer reset, CLIENT KILL, a failover): it may
        // or may not have run. Sent again over a fresh connection, it is the same fenced script: it lands once more
        // (the same values) while the lock holds this lease, and writes nothing once it does not.
        if (retry >= WRITE_RETRIES.length || !connectionDropped(error, redis) || signal.aborted) throw error;
        await pause(WRITE_RETRIES[retry] as number, signal);
      }
    }
  };

  const store: RedisProfileStore = {
    kind: 'redis',
    location: target.location,
    prefix,
    read: readSnapshot,
    getProfile: async (name, signal) => (await readSnapshot(signal)).profiles.get(name),
    async checkWritable(signal) {
      // A key under the prefix, written and removed: proves the server answers and the ACL lets this user write.
      const probe = `${prefix}probe:${randomBytes(6).toString('hex')}`;
      await connection.send(['SET', probe, '1', 'PX', '10000'], signal);
      await connection.send(['DEL', probe], signal);
    },
    async transact<T>(signal: AbortSignal, fn: (tx: StoreTransaction) => Promise<T>): Promise<T> {
      const lease = await locker.acquire(signal);
      let open = true;
      const whileOpen = (): void => {
        if (!open) throw new PodioAuthError('lock_lost', 'This store transaction has ended; nothing was written.');
      };
      const tx: StoreTransaction = {
        ...(lease.tookOverSilentHolder ? { tookOverSilentHolder: true } : {}),
        read: () => readSnapshot(signal),
        getProfile: async (name) => (await readSnapshot(signal)).profiles.get(name),
        async writeProfile(name, record) {
          whileOpen();
          checkName(name);
          if (record === undefined) {
            await fencedWrite(lease, signal, DELETE_PROFILE_SCRIPT, [keys.profile(name), keys.profiles], [name]);
            return;
          }
          const checked = checkProfile(record);
          // A record that would not read back would lock everyone out of the profile: refuse it here.
          if (!checked.ok) throw new Error(`Refusing to store profile "${name}": ${checked.problem}.`);
          const json = JSON.stringify(record);
          await fencedWrite(lease, signal, WRITE_PROFILE_SCRIPT, [keys.profile(name), keys.profiles], [name, json]);
        },
        async setDefaultProfile(name) {
          whileOpen();
          if (name === undefined) await fencedWrite(lease, signal, DELETE_DEFAULT_SCRIPT, [keys.default], []);
          else {
            checkName(name);
            await fencedWrite(lease, signal, SET_DEFAULT_SCRIPT, [keys.default], [name]);
          }
        },
      };
      try {
        return await fn(tx);
      } finally {
        open = false;
        await lease.release();
      }
    },
    async ping(signal) {
      const started = performance.now();
      await connection.send(['PING'], signal);
      return performance.now() - started;
    },
    async lockState(signal) {
      const ttl = Number(await connection.send(['PTTL', keys.lock], signal));
      // -2: no such key; -1: a key without expiry (set by hand), which only a person can clear.
      if (ttl === -2) return { held: false };
      return { held: true, ttlMs: ttl === -1 ? Number.POSITIVE_INFINITY : ttl };
    },
    async persistence(signal) {
      // A refused command (NOPERM for a user limited to the prefix; managed services rename CONFIG) only means
      // this way of asking is closed; a connection that fails is reported as such.
      const unlessRefused = async (args: string[]): Promise<string[] | undefined> => {
        try {
          const reply = await connection.send(args, signal);
          return Array.isArray(reply) ? reply.map(String) : [String(reply)];
        } catch (error) {
          if (error instanceof PodioAuthError && error.cause instanceof redis.ErrorReply) return undefined;
          throw error;
        }
      };
      // One name per CONFIG GET: servers before Redis 7 take a single pattern.
      const appendonly = await unlessRefused(['CONFIG', 'GET', 'appendonly']);
      if (appendonly?.[1] !== undefined) {
        const save = await unlessRefused(['CONFIG', 'GET', 'save']);
        return { known: 'config', aof: appendonly[1] === 'yes', rdb: (save?.[1] ?? '').trim() !== '' };
      }
      const info = await unlessRefused(['INFO', 'persistence']);
      const aof = /^aof_enabled:(\d)/m.exec(info?.[0] ?? '')?.[1];
      return aof === undefined ? { known: 'unknown' } : { known: 'info', aof: aof === '1' };
    },
    storeFor: async () => store,
    close: () => connection.close(),
  };
  return store;
}

/**
 * The pauses before each new attempt at a write whose connection dropped: a few, short, so a failover that takes a
 * moment is ridden out and a server that is gone fails soon. Each attempt is bounded by the timeout as any call is.
 */
const WRITE_RETRIES = [50, 250, 1_000];

/** The failure was the connection going away (or not coming back yet), not Redis refusing or a silent server. */
function connectionDropped(error: unknown, redis: RedisModule): boolean {
  const cause = error instanceof PodioAuthError ? error.cause : error;
  if (cause instanceof redis.SocketClosedUnexpectedlyError) return true;
  const errno = (cause as { code?: unknown } | null)?.code;
  return typeof errno === 'string' && DROPPED_ERRNOS.has(errno);
}

const DROPPED_ERRNOS: ReadonlySet<string> = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED', 'ECONNREFUSED']);

async function pause(ms: number, signal: AbortSignal): Promise<void> {
  try {
    await delay(ms, undefined, { signal });
  } catch {
    throw interrupted();
  }
}

function checkName(name: string): void {
  if (name === '') throw new Error('A profile name cannot be empty.');
}

/**
 * KEYS[1] = the set of names, KEYS[2] = the default; ARGV[1] = the profile keys' common start.
 * Returns { default or false, name1, json1 or false, name2, json2 or false, ... }.
 */
const SNAPSHOT_SCRIPT = `local out = { redis.call('GET', KEYS[2]) }
for _, name in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  out[#out + 1] = name
  out[#out + 1] = redis.call('GET', ARGV[1] .. name)
end
return out`;

/** KEYS[2] = the profile, KEYS[3] = the set of names; ARGV[2] = the name, ARGV[3] = the JSON. */
const WRITE_PROFILE_SCRIPT = fencedScript(`redis.call('SET', KEYS[2], ARGV[3])
redis.call('SADD', KEYS[3], ARGV[2])`);
const DELETE_PROFILE_SCRIPT = fencedScript(`redis.call('DEL', KEYS[2])
redis.call('SREM', KEYS[3], ARGV[2])`);
/** KEYS[2] = the default; ARGV[2] = the name. */
const SET_DEFAULT_SCRIPT = fencedScript(`redis.call('SET', KEYS[2], ARGV[2])`);
const DELETE_DEFAULT_SCRIPT = fencedScript(`redis.call('DEL', KEYS[2])`);

function parseSnapshot(reply: unknown, keys: RedisKeys, target: RedisTarget): StoreSnapshot {
  if (!Array.isArray(reply) || reply.length % 2 !== 1) {
    throw new PodioAuthError('redis_unavailable', `Redis at ${target.address} gave an answer this store cannot read.`);
  }
  const [defaultName, ...pairs] = reply as unknown[];
  const profiles = new Map<string, ProfileRecord>();
  for (let i = 0; i < pairs.length; i += 2) {
    const name = String(pairs[i]);
    const json = pairs[i + 1];
    // Listed but gone (deleted by hand): absent, as it would be after `logout`.
    if (json === null || json === undefined) continue;
    profiles.set(name, parseProfile(String(json), keys.profile(name), target));
  }
  return {
    defaultProfile: typeof defaultName === 'string' && defaultName !== '' ? defaultName : undefined,
    profiles,
  };
}

function parseProfile(json: string, key: string, target: RedisTarget): ProfileRecord {
  const hint = `It was left as it is. Fix or delete that key (redis-cli DEL), then run \`podio-auth login\` again.`;
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    throw new PodioAuthError('config_invalid', `The Redis key ${key} on ${target.location} does not hold JSON.`, {
      hint,
    });
  }
  const checked = checkProfile(value);
  if (!checked.ok) {
    const message = `The profile in the Redis key ${key} on ${target.location} ${checked.problem}.`;
    throw new PodioAuthError('config_invalid', message, { hint });
  }
  return checked.profile;
}

/** One connection at a time, opened on demand: after a failure the next call starts afresh (Redis restarted). */
class RedisConnection {
  readonly #redis: RedisModule;
  readonly #target: RedisTarget;
  readonly #timeoutMs: number;
  #client: RedisClientHandle | undefined;
  #opening: Promise<RedisClientHandle> | undefined;
  /** The client of the attempt under way, if any: closing the store ends it at once. */
  #connecting: RedisClientHandle | undefined;
  /** Clients with a reply due that nobody waits for any more (its caller gave up): closed at once, never QUIT. */
  readonly #abandoned = new WeakSet<RedisClientHandle>();
  #closed = false;

  constructor(redis: RedisModule, target: RedisTarget, timeoutMs: number) {
    this.#redis = redis;
    this.#target = target;
    this.#timeoutMs = timeoutMs;
  }

  /** A ready client: the current one, or a new one when there is none or it broke. */
  async client(signal: AbortSignal | undefined): Promise<RedisClientHandle> {
    if (this.#closed) throw new Error('This Redis store is closed.');
    if (this.#client?.isReady) return this.#client;
    // Callers share one attempt; each stops waiting on its own signal, the attempt itself on the timeout.
    this.#opening ??= this.#open().finally(() => (this.#opening = undefined));
    return await within(this.#opening, signal);
  }

  async send(args: string[], signal: AbortSignal | undefined): Promise<unknown> {
    const client = await this.client(signal);
    if (signal?.aborted) throw interrupted();
    // node-redis bounds a command (timeout, AbortSignal) only until it is written, not while its reply is due:
    // the bound is ours. The promise is left to settle on its own once nobody waits for it.
    const reply = client.sendCommand(args);
    reply.catch(() => undefined);
    try {
      return await within(reply, signal, { ms: this.#timeoutMs, error: () => new NoReply() });
    } catch (error) {
      // A silent server, or a socket that broke: this connection is done, the next call opens a fresh one.
      if (!(error instanceof this.#redis.ErrorReply) && !signal?.aborted) this.#drop(client);
      if (signal?.aborted) this.#abandoned.add(client);
      throw mapRedisError(error, this.#target, this.#timeoutMs, signal, this.#redis);
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const opening = this.#opening;
    if (this.#connecting) this.#destroyQuietly(this.#connecting);
    if (opening !== undefined) await opening.catch(() => undefined);
    const client = this.#client;
    this.#client = undefined;
    if (!client) return;
    // A reply nobody waits for would hold QUIT up until it came (a silent server: the whole timeout).
    if (this.#abandoned.has(client)) return this.#destroyQuietly(client);
    // QUIT waits for replies still due; bounded, then the socket goes whatever happens.
    const quit = client.close().catch(() => undefined);
    const timer = setTimeout(() => this.#destroyQuietly(client), this.#timeoutMs);
    await quit;
    clearTimeout(timer);
    this.#destroyQuietly(client);
  }

  async #open(): Promise<RedisClientHandle> {
    this.#drop();
    const { host, port, tls, username, password, database } = this.#target;
    const socket = tls
      ? { tls: true as const, host, port, ...(isIP(host) === 0 ? { servername: host } : {}) }
      : { tls: false as const, host, port };
    const client: RedisClientHandle = this.#redis.createClient({
      socket: { ...socket, connectTimeout: this.#timeoutMs, reconnectStrategy: false },
      ...(username === undefined ? {} : { username }),
      ...(password === undefined ? {} : { password }),
      database,
      RESP: 2,
      disableOfflineQueue: true,
      disableClientInfo: true,
      maintNotifications: 'disabled',
      commandOptions: { timeout: this.#timeoutMs },
    });
    // Errors reach the caller through the command that failed; without a listener node-redis would crash the process.
    client.on('error', () => undefined);
    // The handshake (AUTH, SELECT) has no timeout of its own in node-redis: bound the whole of it.
    const connecting = client.connect();
    connecting.catch(() => undefined);
    this.#connecting = client;
    try {
      await within(connecting, undefined, { ms: this.#timeoutMs, error: () => new ConnectDeadline() });
    } catch (error) {
      this.#destroyQuietly(client);
      throw mapRedisError(error, this.#target, this.#timeoutMs, undefined, this.#redis);
    } finally {
      this.#connecting = undefined;
    }
    if (this.#closed) {
      this.#destroyQuietly(client);
      throw new Error('This Redis store is closed.');
    }
    // An idle connection does not keep the process alive (a library caller's script ends by itself); a command in
    // flight does, through its deadline's timer.
    client.unref();
    this.#client = client;
    return client;
  }

  /** Forgets the current connection (or `only` that one, if it is still current) and closes it. */
  #drop(only?: RedisClientHandle): void {
    const client = this.#client;
    if (!client || (only && client !== only)) return;
    this.#client = undefined;
    this.#destroyQuietly(client);
  }

  #destroyQuietly(client: RedisClientHandle): void {
    try {
      client.destroy();
    } catch {
      // Already closed.
    }
  }
}

class ConnectDeadline extends Error {}
class NoReply extends Error {}

/** `promise`, or a rejection once `signal` aborts (`interrupted`) or the deadline passes (its error). */
async function within<T>(
  promise: Promise<T>,
  signal: AbortSignal | undefined,
  deadline?: { ms: number; error: () => Error },
): Promise<T> {
  if (signal?.aborted) throw interrupted();
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const stop = new Promise<never>((_, reject) => {
    if (deadline) timer = setTimeout(() => reject(deadline.error()), deadline.ms);
    if (signal) {
      onAbort = () => reject(interrupted());
      signal.addEventListener('abort', onAbort, { once: true });
    }
  });
  try {
    return await Promise.race([promise, stop]);
  } finally {
    clearTimeout(timer);
    if (onAbort) signal?.removeEventListener('abort', onAbort);
  }
}

const UNAVAILABLE_HINT = 'Check that the Redis server is running and reachable, and the URL in PODIO_AUTH_STORE.';
const AUTH_HINT =
  'Check the user name and password in the Redis URL (redis://user:password@host:port), and that this ACL user may ' +
  'run GET, SET, DEL, SADD, SREM, SMEMBERS, PEXPIRE, PTTL and EVAL on the keys under the prefix.';

/** What a failed Redis call means for the user. Never repeats a reply's text: it may quote a command's arguments. */
function mapRedisError(
  error: unknown,
  target: RedisTarget,
  timeoutMs: number,
  signal: AbortSignal | undefined,
  redis: RedisModule,
): PodioAuthError {
  if (error instanceof PodioAuthError) return error;
  if (signal?.aborted) return interrupted();
  const where = `Redis at ${target.address}`;
  const unavailable = (message: string, hint = UNAVAILABLE_HINT): PodioAuthError =>
    new PodioAuthError('redis_unavailable', message, { hint, cause: error });
  const auth = (message: string): PodioAuthError =>
    new PodioAuthError('redis_auth', message, { hint: AUTH_HINT, cause: error });

  if (error instanceof redis.ErrorReply) {
    const code = /^[A-Z]+/.exec(error.message)?.[0] ?? 'ERR';
    const user = target.username === undefined ? 'the default user' : `the user "${target.username}"`;
    switch (code) {
      case 'WRONGPASS':
        return auth(`${where} rejected the user name or password (WRONGPASS).`);
      case 'NOAUTH':
        return auth(`${where} requires a password, and the store URL gives none (NOAUTH).`);
      case 'NOPERM':
        return auth(`${where} does not allow ${user} a command or a key this store needs (NOPERM).`);
      case 'READONLY':
        return unavailable(`${where} is a read-only replica (READONLY).`, 'Point PODIO_AUTH_STORE at the primary.');
      case 'LOADING':
        return unavailable(`${where} is still loading its data (LOADING).`, 'Try again in a moment.');
      case 'OOM':
        return unavailable(`${where} is out of memory (OOM).`, 'Free memory on the server or raise its maxmemory.');
      case 'MISCONF':
        return unavailable(`${where} refuses writes: it cannot save to disk (MISCONF).`, 'Check its log and disk.');
      case 'BUSY':
        return unavailable(`${where} is busy running a script (BUSY).`, 'Try again in a moment.');
      default:
        if (/^ERR AUTH\b.*without any password configured/i.test(error.message)) {
          return auth(`${where} has no password set, yet the store URL gives one.`);
        }
        return unavailable(`${where} refused a command (${code}).`);
    }
  }
  if (error instanceof ConnectDeadline || error instanceof redis.ConnectionTimeoutError) {
    return unavailable(`Could not connect to ${where} within ${formatMs(timeoutMs)}.`);
  }
  if (error instanceof NoReply || error instanceof redis.TimeoutError) {
    return unavailable(`${where} did not answer within ${formatMs(timeoutMs)}.`);
  }
  const errno = (error as { code?: unknown } | null)?.code;
  if (typeof errno === 'string') {
    if (/^(ERR_TLS|ERR_SSL|CERT_|UNABLE_TO_|DEPTH_ZERO|SELF_SIGNED)/.test(errno)) {
      const hint = "Check the server's certificate; a private CA goes in NODE_EXTRA_CA_CERTS.";
      return unavailable(`The TLS connection to ${where} failed (${errno}).`, hint);
    }
    return unavailable(`Could not reach ${where} (${errno}).`);
  }
  const closed = [redis.SocketClosedUnexpectedlyError, redis.ClientClosedError, redis.ClientOfflineError];
  if (closed.some((kind) => error instanceof kind)) {
    return unavailable(`${where} closed the connection.`);
  }
  const kind = error instanceof Error ? error.constructor.name : 'unknown error';
  return unavailable(`The connection to ${where} failed (${kind}).`);
}

function formatMs(ms: number): string {
  return ms >= 1000 && ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}
