import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import type { ProfileRecord } from '../../src/domain/profile.js';
import { openRedisStore } from '../../src/store/redis/store.js';
import { aMinuteAgo, errorLines, loginRecord, runCli, Sandbox } from '../support/cli.js';
import { type FakePodio, startFakePodio } from '../support/fake-podio.js';
import { type DropWhen, type RedisFaultProxy, startRedisFaultProxy } from '../support/redis-fault-proxy.js';
import { findRedisServer, type RedisServer, startRedisServer } from '../support/redis-server.js';

/**
 * A Redis connection that drops exactly as the write of a rotated refresh token goes out (a load balancer reset,
 * CLIENT KILL, a failover): the store reconnects and writes again, still under its lock, so the login is kept.
 * A real redis-server behind a proxy that cuts the connection once, the built CLI, the emulator.
 */

const available = findRedisServer() !== undefined;
const required = process.env['CI'] === 'true';
if (!available) {
  const outcome = required ? ' (and fail: CI=true)' : '';
  console.warn(`\n*** redis-server is not installed: the Redis write retry tests are SKIPPED${outcome}. ***\n`);
}
it.runIf(!available && required)('redis-server is installed where CI requires it', () => {
  expect(findRedisServer(), 'redis-server (Debian: apt-get install redis-server)').toBeDefined();
});

/** In the body of the script that writes a profile, and in no other command the store sends. */
const PROFILE_WRITE = "redis.call('SADD'";

let prefixes = 0;
const freshPrefix = (): string => `podio-auth:retry${++prefixes}-${process.pid}:`;

describe.skipIf(!available)('a Redis connection that drops during the write of a rotated refresh token', () => {
  let server: RedisServer;
  beforeAll(async () => {
    server = await startRedisServer();
  });
  afterAll(async () => {
    await server?.dispose();
  });

  async function stored(prefix: string): Promise<ProfileRecord | undefined> {
    const json = await server.command(['GET', `${prefix}profile:default`]);
    return typeof json === 'string' ? (JSON.parse(json) as ProfileRecord) : undefined;
  }

  async function seed(prefix: string, record: ProfileRecord): Promise<void> {
    const store = await openRedisStore({ url: server.url, prefix, timeoutMs: 5_000 });
    try {
      await store.transact(new AbortController().signal, (tx) => tx.writeProfile('default', record));
    } finally {
      await store.close();
    }
  }

  /** The emulator, a proxy in front of Redis, and a profile there whose access token has expired. */
  async function setup(): Promise<{
    podio: FakePodio;
    proxy: RedisFaultProxy;
    env: Record<string, string>;
    old: string;
  }> {
    const podio = await startFakePodio();
    const proxy = await startRedisFaultProxy(server.port);
    const sandbox = new Sandbox(podio);
    onTestFinished(async () => {
      await proxy.stop();
      await podio.stop();
      sandbox.cleanup();
    });
    const prefix = freshPrefix();
    const { record, tokens } = loginRecord(podio, aMinuteAgo());
    await seed(prefix, { ...record, store: 'redis' } as ProfileRecord);
    const env = sandbox.env({
      PODIO_AUTH_STORE: `redis://127.0.0.1:${proxy.port}/0`,
      PODIO_AUTH_REDIS_PREFIX: prefix,
    }) as Record<string, string>;
    return { podio, proxy, env, old: tokens.refresh_token };
  }

  for (const when of ['before', 'after'] as DropWhen[]) {
    const how = when === 'before' ? 'before Redis ran it' : 'after Redis ran it, its answer lost';
    it(`dropped ${how}: token prints the new token, Redis holds it, and the next refresh uses it`, async () => {
      const { podio, proxy, env, old } = await setup();
      const prefix = env['PODIO_AUTH_REDIS_PREFIX'] as string;
      proxy.dropOn(PROFILE_WRITE, when);

      const first = await runCli(['token'], env);
      expect(proxy.dropped).toBe(true);
      expect(first.stderr).toBe('');
      expect(first.code).toBe(0);
      const token = first.stdout.trim();
      expect(podio.isValidAccessToken(token)).toBe(true);
      expect(podio.isLiveRefreshToken(old)).toBe(false);
      const kept = await stored(prefix);
      expect(kept?.access_token).toBe(token);
      expect(kept?.refresh_token).not.toBe(old);
      expect(podio.isLiveRefreshToken(kept?.refresh_token as string)).toBe(true);
      // The lock was released over the new connection: the next command does not wait out a lease.
      expect(await server.command(['EXISTS', `${prefix}lock`])).toBe(0);

      // The next refresh (the access token expired again) spends the refresh token the retry stored.
      await server.command([
        'SET',
        `${prefix}profile:default`,
        JSON.stringify({ ...kept, expires_at: aMinuteAgo().toISOString() }),
      ]);
      const second = await runCli(['token'], env);
      expect(errorLines(second)).toEqual([]);
      expect(second.code).toBe(0);
      expect(podio.isValidAccessToken(second.stdout.trim())).toBe(true);
      const refreshes = podio.grants('refresh_token');
      expect(refreshes).toHaveLength(2);
      expect(refreshes[1]?.fields['refresh_token']).toBe(kept?.refresh_token);
    });
  }

  it('the retry is fenced: once another holder has the lock, nothing this holder sends lands', async () => {
    const { proxy, env } = await setup();
    const prefix = env['PODIO_AUTH_REDIS_PREFIX'] as string;
    const before = await stored(prefix);
    const store = await openRedisStore({ url: env['PODIO_AUTH_STORE'] as string, prefix, timeoutMs: 5_000 });
    onTestFinished(() => store.close());
    // The connection drops as the write goes out, and meanwhile another holder takes the lock over (this one's
    // lease ran out): the retry finds another token in the lock and writes nothing.
    proxy.dropOn(PROFILE_WRITE, 'before', async () => {
      await server.command(['SET', `${prefix}lock`, 'another-holder', 'PX', '60000']);
    });
    const write = store.transact(new AbortController().signal, (tx) =>
      tx.writeProfile('default', { ...before, access_token: 'from-the-holder-that-lost-the-lock' }),
    );
    await expect(write).rejects.toMatchObject({ code: 'lock_lost' });
    expect(proxy.dropped).toBe(true);
    expect(await stored(prefix)).toEqual(before);
    expect(await server.command(['GET', `${prefix}lock`])).toBe('another-holder');
  });

  it('a connection that drops at every attempt: the write gives up after three more, within two seconds', async () => {
    const { proxy, env } = await setup();
    const prefix = env['PODIO_AUTH_REDIS_PREFIX'] as string;
    const before = await stored(prefix);
    const store = await openRedisStore({ url: env['PODIO_AUTH_STORE'] as string, prefix, timeoutMs: 5_000 });
    onTestFinished(() => store.close());
    proxy.dropOn(PROFILE_WRITE, 'before', undefined, 100);
    const started = performance.now();
    const write = store.transact(new AbortController().signal, (tx) =>
      tx.writeProfile('default', { ...before, access_token: 'never-lands' }),
    );
    await expect(write).rejects.toMatchObject({ code: 'redis_unavailable' });
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(proxy.drops).toBe(4);
    expect(await stored(prefix)).toEqual(before);
  });
});
