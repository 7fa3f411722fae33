import { type ChildProcess, spawn } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';

/**
 * A real `redis-server` for tests: on a free loopback port, with a throwaway directory, no RDB snapshots, and its
 * settings (password, ACL users) in a config file there rather than on its command line.
 */

/** Where `redis-server` is, or undefined when it is not installed. */
export function findRedisServer(): string | undefined {
  const dirs = (process.env['PATH'] ?? '').split(delimiter).filter((dir) => dir !== '');
  const onPath = dirs.map((dir) => join(dir, 'redis-server'));
  const candidates = ['/usr/bin/redis-server', ...onPath];
  for (const candidate of candidates) {
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // Not here.
    }
  }
  return undefined;
}

export interface RedisServerOptions {
  /** `requirepass`: the default user's password. */
  password?: string;
  /** Extra ACL users, e.g. `{ name: 'worker', password: 'pw', rules: '~podio-auth:* +@all' }`. */
  users?: { name: string; password: string; rules: string }[];
  /** Keep the data across `restart()` (an append-only file in the throwaway directory). */
  appendOnly?: boolean;
  /** Also listen with TLS (on `tlsPort`), with this certificate and key (PEM files). */
  tls?: { certFile: string; keyFile: string };
}

export interface RedisServer {
  readonly port: number;
  /** `redis://127.0.0.1:<port>` (no credentials). */
  readonly url: string;
  /** With `tls`: `rediss://127.0.0.1:<tlsPort>`. */
  readonly tlsUrl: string | undefined;
  /** `redis://user:password@127.0.0.1:<port>` for the default user (`default`) or a named one. */
  urlFor(user: string, password: string): string;
  /** Sends one command over a fresh connection of its own and returns the reply, for checks outside the store. */
  command(args: string[], auth?: { user: string; password: string }): Promise<unknown>;
  /** Stops the server (SIGTERM), and waits until it has exited. */
  stop(): Promise<void>;
  /** Stops it if running, then starts it again on the same port, with the same settings and directory. */
  restart(): Promise<void>;
  /** Stops it and removes its directory. */
  dispose(): Promise<void>;
}

const READY_WITHIN_MS = 10_000;
const READY_INTERVAL_MS = 20;
const PORT_ATTEMPTS = 5;

/** Servers still running: killed if the test process ends without stopping them. */
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const redis of running) redis.kill('SIGKILL');
});

export async function startRedisServer(options: RedisServerOptions = {}): Promise<RedisServer> {
  const binary = findRedisServer();
  if (!binary) throw new Error('redis-server is not installed (Debian: apt-get install redis-server).');
  const dir = mkdtempSync(join(tmpdir(), 'podio-auth-redis-'));
  const config = join(dir, 'redis.conf');
  let child: ChildProcess | undefined;
  let port = 0;
  let tlsPort = 0;

  const writeConfig = (forPort: number): void => {
    const tls = options.tls;
    const lines = [
      `port ${forPort}`,
      ...(tls ? [`tls-port ${tlsPort}`, `tls-cert-file ${tls.certFile}`, `tls-key-file ${tls.keyFile}`] : []),
      ...(tls ? ['tls-auth-clients no'] : []),
      'bind 127.0.0.1',
      `dir ${dir}`,
      'save ""',
      `appendonly ${options.appendOnly ? 'yes' : 'no'}`,
      'logfile ""',
      'daemonize no',
      ...(options.password === undefined ? [] : [`requirepass ${options.password}`]),
      ...(options.users ?? []).map((user) => `user ${user.name} on >${user.password} ${user.rules}`),
    ];
    writeFileSync(config, `${lines.join('\n')}\n`, { mode: 0o600 });
  };

  const launch = async (forPort: number): Promise<ChildProcess | undefined> => {
    writeConfig(forPort);
    const redis = spawn(binary, [config], { stdio: ['ignore', 'pipe', 'pipe'] });
    let log = '';
    redis.stdout?.setEncoding('utf8').on('data', (chunk: string) => (log += chunk));
    redis.stderr?.setEncoding('utf8').on('data', (chunk: string) => (log += chunk));
    // 'close' comes once its output is all read, so the log is complete when we look at why it ended.
    let ended = false;
    const closed = new Promise<void>((resolve) => redis.once('close', () => resolve()));
    void closed.then(() => (ended = true));
    const deadline = Date.now() + READY_WITHIN_MS;
    while (Date.now() < deadline) {
      if (ended) {
        if (/Address already in use/i.test(log)) return undefined;
        throw new Error(`redis-server exited (${redis.exitCode ?? redis.signalCode}):\n${log}`);
      }
      if (await answersPing(forPort)) {
        running.add(redis);
        void closed.then(() => running.delete(redis));
        return redis;
      }
      await delay(READY_INTERVAL_MS);
    }
    redis.kill('SIGKILL');
    throw new Error(`redis-server did not answer PING on port ${forPort} within ${READY_WITHIN_MS} ms:\n${log}`);
  };

  const stop = async (): Promise<void> => {
    const current = child;
    child = undefined;
    if (!current || current.exitCode !== null || current.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => current.once('exit', () => resolve()));
    current.kill('SIGTERM');
    await exited;
  };

  // `--port 0` means "no TCP" to redis-server: take a port the OS says is free, and try again if someone got it first.
  for (let attempt = 0; attempt < PORT_ATTEMPTS && !child; attempt++) {
    port = await freePort();
    if (options.tls) tlsPort = await freePort();
    child = await launch(port);
  }
  if (!child) throw new Error(`No free port for redis-server after ${PORT_ATTEMPTS} attempts.`);

  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    tlsUrl: options.tls ? `rediss://127.0.0.1:${tlsPort}` : undefined,
    urlFor: (user, password) => `redis://${encodeURIComponent(user)}:${encodeURIComponent(password)}@127.0.0.1:${port}`,
    command: (args, auth) => sendCommand(port, args, auth),
    stop,
    async restart() {
      await stop();
      // The port was ours a moment ago; another process may grab it in between, so retry briefly.
      for (let attempt = 0; attempt < PORT_ATTEMPTS && !child; attempt++) {
        child = await launch(port);
        if (!child) await delay(100);
      }
      if (!child) throw new Error(`Port ${port} stayed in use; redis-server could not restart on it.`);
    },
    async dispose() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve, reject) => {
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', resolve);
  });
  const { port } = probe.address() as { port: number };
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

/** True when something on the port answers PING as Redis does (`+PONG`, or `-NOAUTH` when it wants a password). */
function answersPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    let reply = '';
    socket.setTimeout(1000, () => socket.destroy());
    socket.setEncoding('utf8');
    socket.on('error', () => undefined);
    socket.on('close', () => resolve(reply.startsWith('+PONG') || reply.startsWith('-NOAUTH')));
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk: string) => {
      reply += chunk;
      if (reply.includes('\r\n')) socket.end();
    });
  });
}

/** One command on a fresh connection of its own (node-redis, as any other Redis user would), for checks. */
async function sendCommand(port: number, args: string[], auth?: { user: string; password: string }): Promise<unknown> {
  const { createClient } = await import('redis');
  const client = createClient({
    socket: { host: '127.0.0.1', port, connectTimeout: 2000, reconnectStrategy: false },
    ...(auth ? { username: auth.user, password: auth.password } : {}),
    RESP: 2,
    disableClientInfo: true,
  });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await client.sendCommand(args, { timeout: 2000 });
  } finally {
    client.destroy();
  }
}

/** A signal that never aborts. */
export const never = (): AbortSignal => new AbortController().signal;

let prefixes = 0;
/** Each test works under its own prefix, so tests sharing one server do not see each other. */
export const freshPrefix = (): string => `t${++prefixes}-${process.pid}:`;
