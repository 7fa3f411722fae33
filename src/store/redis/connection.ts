import { isIP } from 'node:net';
import { interrupted } from '../../errors.js';
import { ConnectDeadline, mapRedisError, NoReply, type RedisErrorKinds } from './errors.js';
import type { RedisTarget } from './url.js';

/**
 * The one connection a Redis store talks over, opened on demand: after a failure the next call starts afresh (Redis
 * restarted). Every call is bounded here, because node-redis stops counting its own timeout once a command is written.
 */

export interface RedisConnection {
  /** Sends one command; its reply, or a PodioAuthError (`interrupted` once `signal` aborts). */
  send(args: string[], signal: AbortSignal | undefined): Promise<unknown>;
  /** The loaded client's error classes, to tell a refusal or a dropped connection from other failures. */
  readonly errorKinds: RedisErrorKinds;
  /** Ends the connection (and an attempt to open one); idempotent. */
  close(): Promise<void>;
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

/** Loads the client (only now: its import takes about 70 ms) and connects, so that a server out of reach fails here. */
export async function connectRedis(
  target: RedisTarget,
  timeoutMs: number,
  signal: AbortSignal | undefined,
): Promise<RedisConnection> {
  if (signal?.aborted) throw interrupted(undefined, signal.reason);
  const connection = createRedisConnection(await loadRedisModule(), target, timeoutMs);
  try {
    await connection.ready(signal);
  } catch (error) {
    // Given up on (the caller's signal): the attempt still under way is ended too, not left to its timeout.
    await connection.close();
    throw error;
  }
  return connection;
}

function createRedisConnection(
  redis: RedisModule,
  target: RedisTarget,
  timeoutMs: number,
): RedisConnection & { ready(signal: AbortSignal | undefined): Promise<RedisClientHandle> } {
  let current: RedisClientHandle | undefined;
  let opening: Promise<RedisClientHandle> | undefined;
  /** The client of the attempt under way, if any: closing the store ends it at once. */
  const attempt: ConnectAttempt = {};
  /** Clients with a reply due that nobody waits for any more (its caller gave up): closed at once, never QUIT. */
  const abandoned = new WeakSet<RedisClientHandle>();
  let closed = false;

  /** Forgets the current connection (or `only` that one, if it is still current) and closes it. */
  const drop = (only?: RedisClientHandle): void => {
    const client = current;
    if (!client || (only && client !== only)) return;
    current = undefined;
    destroyQuietly(client);
  };

  const open = async (): Promise<RedisClientHandle> => {
    drop();
    const client = await connectClient(redis, target, timeoutMs, attempt);
    if (closed) {
      destroyQuietly(client);
      throw new Error('This Redis store is closed.');
    }
    // An idle connection does not keep the process alive (a library caller's script ends by itself); a command in
    // flight does, through its deadline's timer.
    client.unref();
    current = client;
    return client;
  };

  /** A ready client: the current one, or a new one when there is none or it broke. */
  const ready = async (signal: AbortSignal | undefined): Promise<RedisClientHandle> => {
    if (closed) throw new Error('This Redis store is closed.');
    if (current?.isReady) return current;
    // Callers share one attempt; each stops waiting on its own signal, the attempt itself on the timeout.
    opening ??= open().finally(() => (opening = undefined));
    return await within(opening, signal);
  };

  const send = async (args: string[], signal: AbortSignal | undefined): Promise<unknown> => {
    const client = await ready(signal);
    if (signal?.aborted) throw interrupted(undefined, signal.reason);
    // node-redis bounds a command (timeout, AbortSignal) only until it is written, not while its reply is due:
    // the bound is ours. The promise is left to settle on its own once nobody waits for it.
    const reply = client.sendCommand(args);
    reply.catch(() => undefined);
    try {
      return await within(reply, signal, { ms: timeoutMs, error: () => new NoReply() });
    } catch (error) {
      // A silent server, or a socket that broke: this connection is done, the next call opens a fresh one.
      if (!(error instanceof redis.ErrorReply) && !signal?.aborted) drop(client);
      if (signal?.aborted) abandoned.add(client);
      throw mapRedisError(error, { target, timeoutMs, signal }, redis);
    }
  };

  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    const pending = opening;
    if (attempt.client) destroyQuietly(attempt.client);
    if (pending !== undefined) await pending.catch(() => undefined);
    const client = current;
    current = undefined;
    if (!client) return;
    // A reply nobody waits for would hold QUIT up until it came (a silent server: the whole timeout).
    if (abandoned.has(client)) return destroyQuietly(client);
    await quitWithin(client, timeoutMs);
  };

  return { ready, send, close, errorKinds: redis };
}

interface ConnectAttempt {
  client?: RedisClientHandle;
}

/** A new client, connected within the timeout; `attempt` holds it meanwhile, so that closing the store can end it. */
async function connectClient(
  redis: RedisModule,
  target: RedisTarget,
  timeoutMs: number,
  attempt: ConnectAttempt,
): Promise<RedisClientHandle> {
  const client = newClient(redis, target, timeoutMs);
  // The handshake (AUTH, SELECT) has no timeout of its own in node-redis: bound the whole of it.
  const handshake = client.connect();
  handshake.catch(() => undefined);
  attempt.client = client;
  try {
    await within(handshake, undefined, { ms: timeoutMs, error: () => new ConnectDeadline() });
    return client;
  } catch (error) {
    destroyQuietly(client);
    throw mapRedisError(error, { target, timeoutMs, signal: undefined }, redis);
  } finally {
    delete attempt.client;
  }
}

/** A client that neither reconnects nor queues commands while offline: a broken connection fails the call. */
function newClient(redis: RedisModule, target: RedisTarget, timeoutMs: number): RedisClientHandle {
  const { host, port, tls, username, password, database } = target;
  const socket = tls
    ? { tls: true as const, host, port, ...(isIP(host) === 0 ? { servername: host } : {}) }
    : { tls: false as const, host, port };
  const client: RedisClientHandle = redis.createClient({
    socket: { ...socket, connectTimeout: timeoutMs, reconnectStrategy: false },
    ...(username === undefined ? {} : { username }),
    ...(password === undefined ? {} : { password }),
    database,
    // RESP2 and no CLIENT SETINFO: servers older than Redis 6, and Redis-compatible ones, work too.
    RESP: 2,
    disableOfflineQueue: true,
    disableClientInfo: true,
    maintNotifications: 'disabled',
    commandOptions: { timeout: timeoutMs },
  });
  // Errors reach the caller through the command that failed; without a listener node-redis would crash the process.
  client.on('error', () => undefined);
  return client;
}

/** QUIT waits for replies still due; bounded, then the socket goes whatever happens. */
async function quitWithin(client: RedisClientHandle, timeoutMs: number): Promise<void> {
  const quit = client.close().catch(() => undefined);
  const timer = setTimeout(() => destroyQuietly(client), timeoutMs);
  await quit;
  clearTimeout(timer);
  destroyQuietly(client);
}

function destroyQuietly(client: RedisClientHandle): void {
  try {
    client.destroy();
  } catch {
    // Already closed.
  }
}

/** `promise`, or a rejection once `signal` aborts (`interrupted`) or the deadline passes (its error). */
async function within<T>(
  promise: Promise<T>,
  signal: AbortSignal | undefined,
  deadline?: { ms: number; error: () => Error },
): Promise<T> {
  if (signal?.aborted) throw interrupted(undefined, signal.reason);
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const stop = new Promise<never>((_, reject) => {
    if (deadline) timer = setTimeout(() => reject(deadline.error()), deadline.ms);
    if (signal) {
      onAbort = () => reject(interrupted(undefined, signal.reason));
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
