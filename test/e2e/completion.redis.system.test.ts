import { createServer, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { openRedisStore } from '../../src/store/redis/store.js';
import { runCli, Sandbox } from '../support/cli.js';
import { findRedisServer, type RedisServer, startRedisServer } from '../support/redis-server.js';

/**
 * Tab completion asks `podio-auth __complete profiles` for the profile names at every Tab: with a Redis store that
 * accepts connections and never answers, it must give up within about a second (no names), not freeze the shell for
 * the whole HTTP timeout. The built CLI, measured end to end, as the completion scripts run it.
 */

const available = findRedisServer() !== undefined;
const required = process.env['CI'] === 'true';
if (!available) {
  const outcome = required ? ' (and fail: CI=true)' : '';
  console.warn(`\n*** redis-server is not installed: the Redis completion tests are SKIPPED${outcome}. ***\n`);
}
it.runIf(!available && required)('redis-server is installed where CI requires it', () => {
  expect(findRedisServer(), 'redis-server (Debian: apt-get install redis-server)').toBeDefined();
});

/** A TCP server that accepts connections and never answers, as a hung Redis (or one behind a dead VPN) does. */
async function silentServer(): Promise<number> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onTestFinished(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return (server.address() as { port: number }).port;
}

/** `__complete profiles`, and how long it took from start to exit. */
async function complete(
  env: Record<string, string | undefined>,
): Promise<{ stdout: string; code: number | null; ms: number }> {
  const started = performance.now();
  const result = await runCli(['__complete', 'profiles'], env);
  return { stdout: result.stdout, code: result.code, ms: performance.now() - started };
}

function sandbox(): Sandbox {
  const created = new Sandbox({
    url: 'http://127.0.0.1:9',
    options: { clientId: 'id', clientSecret: 'secret' },
  } as never);
  onTestFinished(() => created.cleanup());
  return created;
}

describe('completion with a store that does not answer', () => {
  // Without a password node-redis is connected once TCP is; with one, it waits for the answer to AUTH first.
  for (const [when, auth] of [
    ['after connecting', ''],
    ['while connecting (AUTH)', 'fleet:fleet-pass@'],
  ]) {
    it(`a Redis server that accepts and stays silent ${when}: no names, within 2 s, not the 30 s timeout`, async () => {
      const port = await silentServer();
      const store = `redis://${auth}127.0.0.1:${port}/0`;
      const env = sandbox().env({ PODIO_AUTH_STORE: store, PODIO_AUTH_HTTP_TIMEOUT: '30' });
      const { stdout, code, ms } = await complete(env);
      expect(code).toBe(0);
      expect(stdout).toBe('');
      expect(ms).toBeLessThan(2_000);
    });
  }

  it('a pointer in config.json to a silent server does not hold up the names kept in config.json', async () => {
    const port = await silentServer();
    const box = sandbox();
    box.writeConfig({
      profiles: { work: { store: 'redis', redis_url: `redis://127.0.0.1:${port}/0` }, home: { access_token: 'x' } },
    });
    const { stdout, code, ms } = await complete(box.env({ PODIO_AUTH_HTTP_TIMEOUT: '30' }));
    expect(code).toBe(0);
    expect(stdout).toBe('home\nwork\n');
    expect(ms).toBeLessThan(2_000);
  });
});

describe.skipIf(!available)('completion with a Redis store that answers', () => {
  let server: RedisServer;
  beforeAll(async () => {
    server = await startRedisServer();
  });
  afterAll(async () => {
    await server?.dispose();
  });

  it('gives the names stored there', async () => {
    const prefix = `podio-auth:complete-${process.pid}:`;
    const store = await openRedisStore({ url: server.url, prefix, timeoutMs: 5_000 });
    const record = { client_id: 'id', client_secret: 'secret', access_token: 'token-a', refresh_token: 'token-r' };
    try {
      await store.transact(new AbortController().signal, async (tx) => {
        await tx.writeProfile('ops', record);
        await tx.writeProfile('ci', record);
      });
    } finally {
      await store.close();
    }
    const env = sandbox().env({ PODIO_AUTH_STORE: `${server.url}/0`, PODIO_AUTH_REDIS_PREFIX: prefix });
    const { stdout, code, ms } = await complete(env);
    expect(code).toBe(0);
    expect(stdout).toBe('ci\nops\n');
    expect(ms).toBeLessThan(2_000);
  });
});
