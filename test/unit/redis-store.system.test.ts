import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import type { ProfileRecord } from '../../src/domain/profile.js';
import { PodioAuthError } from '../../src/errors.js';
import type { StoreTransaction } from '../../src/store/port.js';
import {
  createRedisLocker,
  type LeaseCommands,
  type LeaseTimers,
  realLeaseTimers,
} from '../../src/store/redis/lease.js';
import { openRedisStore, type RedisProfileStore, type RedisStoreOptions } from '../../src/store/redis/store.js';
import { findRedisServer, type RedisServer, startRedisServer } from '../support/redis-server.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const available = findRedisServer() !== undefined;
// CI installs redis-server (.ci/run): there a missing one fails the run instead of skipping.
const required = process.env['CI'] === 'true';
const openssl = ['/usr/bin/openssl', '/bin/openssl'].some((path) => existsSync(path));
if (!openssl && process.env['CI'] !== 'true') {
  console.warn(
    '\n*** openssl is not installed: the rediss:// (TLS) test is SKIPPED (with CI=true it runs, and fails). ***\n',
  );
}
if (!available) {
  const outcome = required ? ' (and fail: CI=true)' : '';
  console.warn(`\n*** redis-server is not installed: the Redis store tests are SKIPPED${outcome}. ***\n`);
}

it.runIf(!available && required)('redis-server is installed where CI requires it', () => {
  expect(findRedisServer(), 'redis-server (Debian: apt-get install redis-server)').toBeDefined();
});

const SECRET = 'client-s3cret-value';
const inAnHour = (): string => new Date(Date.now() + 3_600_000).toISOString();

function profile(tag: string, extra: ProfileRecord = {}): ProfileRecord {
  return {
    store: 'redis',
    client_id: 'client-id',
    client_secret: SECRET,
    access_token: `access-${tag}`,
    refresh_token: `refresh-${tag}`,
    token_type: 'bearer',
    expires_at: inAnHour(),
    ...extra,
  };
}

/** Rejects unless `promise` rejects with a PodioAuthError of `code`; resolves to that error. */
async function failure(promise: Promise<unknown>, code: string): Promise<PodioAuthError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error, `expected ${code}`).toBeInstanceOf(PodioAuthError);
  expect((error as PodioAuthError).code).toBe(code);
  return error as PodioAuthError;
}

/** A promise and the function that resolves it: a step the test lets happen when it chooses. */
function gate(): { opened: Promise<void>; open: () => void } {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

const never = (): AbortSignal => new AbortController().signal;

let prefixes = 0;
/** Each test works under its own prefix, so tests sharing one server do not see each other. */
const freshPrefix = (): string => `t${++prefixes}-${process.pid}:`;

describe.skipIf(!available)('Redis store', () => {
  let server: RedisServer;

  beforeAll(async () => {
    server = await startRedisServer({ appendOnly: true });
  });
  afterAll(async () => {
    await server?.dispose();
  });

  async function open(prefix: string, options: Partial<RedisStoreOptions> = {}): Promise<RedisProfileStore> {
    const store = await openRedisStore({ url: server.url, prefix, timeoutMs: 2_000, ...options });
    onTestFinished(() => store.close());
    return store;
  }

  async function keysUnder(prefix: string): Promise<string[]> {
    return ((await server.command(['KEYS', `${prefix}*`])) as string[]).sort();
  }

  it('stores profiles and the default, reads them back, and keeps secrets out of key names', async () => {
    const prefix = freshPrefix();
    const store = await open(prefix);
    expect(store.kind).toBe('redis');
    expect(store.location).toBe(`redis://127.0.0.1:${server.port}/0`);
    const work = profile('work', { ref: { type: 'user', id: 42 }, grant: 'authorization_code' });
    await store.transact(never(), async (tx) => {
      await tx.writeProfile('work', work);
      await tx.writeProfile('ci', profile('ci'));
      await tx.setDefaultProfile('work');
    });

    const snapshot = await store.read(never());
    expect(snapshot.defaultProfile).toBe('work');
    expect([...snapshot.profiles.keys()].sort()).toEqual(['ci', 'work']);
    expect(snapshot.profiles.get('work')).toEqual(work);
    // And the token of the last holder to release the lock, which tells waiters it did not go silent.
    expect(await keysUnder(prefix)).toEqual(
      ['default', 'lock:released', 'profile:ci', 'profile:work', 'profiles'].map((key) => `${prefix}${key}`),
    );
    expect(JSON.parse((await server.command(['GET', `${prefix}profile:work`])) as string)).toEqual(work);

    await store.transact(never(), async (tx) => {
      expect((await tx.read()).profiles.get('ci')?.access_token).toBe('access-ci');
      await tx.writeProfile('ci', undefined);
      await tx.setDefaultProfile(undefined);
    });
    const after = await store.read(never());
    expect(after.defaultProfile).toBeUndefined();
    expect([...after.profiles.keys()]).toEqual(['work']);
    expect(await keysUnder(prefix)).toEqual([`${prefix}lock:released`, `${prefix}profile:work`, `${prefix}profiles`]);
    for (const key of await keysUnder(prefix)) expect(key).not.toMatch(/s3cret|access-|refresh-/);
  });

  it('names like __proto__ are just names', async () => {
    const store = await open(freshPrefix());
    await store.transact(never(), (tx) => tx.writeProfile('__proto__', profile('proto')));
    const snapshot = await store.read(never());
    expect(snapshot.profiles.get('__proto__')?.access_token).toBe('access-proto');
  });

  it('two stores (two machines) see each other’s writes', async () => {
    const prefix = freshPrefix();
    const laptop = await open(prefix);
    const server2 = await open(prefix);
    await laptop.transact(never(), (tx) => tx.writeProfile('default', profile('one')));
    expect((await server2.read(never())).profiles.get('default')?.access_token).toBe('access-one');
    await server2.transact(never(), async (tx) => {
      await tx.writeProfile('default', profile('two'));
      await tx.setDefaultProfile('default');
    });
    const seen = await laptop.read(never());
    expect(seen.profiles.get('default')?.access_token).toBe('access-two');
    expect(seen.defaultProfile).toBe('default');
  });

  it('a write to one profile leaves another, written meanwhile by another store, as that store wrote it', async () => {
    const prefix = freshPrefix();
    const first = await open(prefix);
    const second = await open(prefix);
    await first.transact(never(), async (tx) => {
      await tx.writeProfile('a', profile('a1'));
      await tx.writeProfile('b', profile('b1'));
    });
    const stale = await first.read(never());
    await second.transact(never(), (tx) => tx.writeProfile('b', profile('b2')));
    // `first` decides from its stale snapshot, and writes only what it names.
    const a = { ...stale.profiles.get('a'), access_token: 'access-a2' };
    await first.transact(never(), (tx) => tx.writeProfile('a', a));
    const now = await second.read(never());
    expect(now.profiles.get('a')?.access_token).toBe('access-a2');
    expect(now.profiles.get('b')?.access_token).toBe('access-b2');
  });

  it('runs concurrent transactions from three stores one at a time, losing no update', async () => {
    const prefix = freshPrefix();
    const stores = [await open(prefix), await open(prefix), await open(prefix)];
    await stores[0]!.transact(never(), (tx) => tx.writeProfile('counter', profile('counter', { scope: '0' })));
    let inside = 0;
    let most = 0;
    const runs = stores.flatMap((store) =>
      Array.from({ length: 8 }, () =>
        store.transact(never(), async (tx) => {
          inside++;
          most = Math.max(most, inside);
          try {
            // Read, then write from what was read: two holders at once would lose an increment.
            const current = (await tx.read()).profiles.get('counter')!;
            await tx.writeProfile('counter', { ...current, scope: String(Number(current.scope) + 1) });
          } finally {
            inside--;
          }
        }),
      ),
    );
    await Promise.all(runs);
    expect(most).toBe(1);
    expect((await stores[1]!.read(never())).profiles.get('counter')?.scope).toBe('24');
    expect(await keysUnder(`${prefix}lock`)).toEqual([`${prefix}lock:released`]);
  });

  it('a transaction whose work fails releases the lock, passes the failure on, and writes no more', async () => {
    const prefix = freshPrefix();
    const store = await open(prefix, { lock: { waitMs: 500 } });
    const thrown = new Error('refresh failed');
    let leaked: StoreTransaction | undefined;
    await expect(
      store.transact(never(), async (tx) => {
        leaked = tx;
        throw thrown;
      }),
    ).rejects.toBe(thrown);
    expect(await store.lockState(never())).toEqual({ held: false });
    await failure(leaked!.writeProfile('late', profile('late')), 'lock_lost');
    // The next transaction does not wait for a lease left behind.
    await store.transact(never(), (tx) => tx.writeProfile('next', profile('next')));
    expect([...(await store.read(never())).profiles.keys()]).toEqual(['next']);
  });

  it('a holder extends its lease while it works, past the lease’s ttl', async () => {
    const prefix = freshPrefix();
    // The waiter waits 2.5 ttls; the holder outlives that only by extending (every 200 ms, so a busy machine's late
    // timer is survivable).
    const lock = { ttlMs: 1_000, extendEveryMs: 200, waitMs: 2_500 };
    const holder = await open(prefix, { lock });
    const waiter = await open(prefix, { lock });
    const held = gate();
    const done = holder.transact(never(), async (tx) => {
      held.open();
      // Hold on until the waiter has given up.
      await failure(
        waiter.transact(never(), async () => 'never'),
        'lock_timeout',
      );
      await tx.writeProfile('p', profile('kept'));
      return 'written';
    });
    await held.opened;
    expect(await done).toBe('written');
    expect((await waiter.read(never())).profiles.get('p')?.access_token).toBe('access-kept');
  });

  it('a holder whose lease ran out (no extension could run) writes nothing and gets lock_lost', async () => {
    const prefix = freshPrefix();
    // The held-up holder's extension timer never fires, as if its process were stopped.
    const frozen: LeaseTimers = { ...realLeaseTimers, repeat: () => () => undefined };
    const stuck = await open(prefix, { lock: { ttlMs: 300, extendEveryMs: 100, timers: frozen } });
    const other = await open(prefix, { lock: { waitMs: 10_000 } });
    await other.transact(never(), (tx) => tx.writeProfile('shared', profile('before')));

    const holding = gate();
    const resume = gate();
    const stuckRun = stuck.transact(never(), async (tx) => {
      holding.open();
      await resume.opened;
      await tx.writeProfile('shared', profile('stale'));
    });
    await holding.opened;
    // The other store gets the lock only once the stuck holder's lease has expired in Redis.
    await other.transact(never(), (tx) => tx.writeProfile('shared', profile('fresh')));
    resume.open();
    const error = await failure(stuckRun, 'lock_lost');
    expect(error.message).toContain(`${prefix}lock`);
    expect(error.message).toMatch(/Nothing was written/);
    expect((await other.read(never())).profiles.get('shared')?.access_token).toBe('access-fresh');
  });

  it('the fence is in Redis: a holder that thinks it holds the lock cannot write once another has it', async () => {
    const prefix = freshPrefix();
    const holder = await open(prefix);
    const other = await open(prefix);
    const holding = gate();
    const resume = gate();
    const run = holder.transact(never(), async (tx) => {
      holding.open();
      await resume.opened;
      await tx.setDefaultProfile('stale');
    });
    await holding.opened;
    // Someone clears the lock by hand (or it expired unseen), and another process takes it.
    await server.command(['DEL', `${prefix}lock`]);
    await other.transact(never(), async (tx) => {
      await tx.setDefaultProfile('fresh');
      resume.open();
      await failure(run, 'lock_lost');
    });
    expect((await other.read(never())).defaultProfile).toBe('fresh');
  });

  it('waiting for the lock is bounded (lock_timeout) and abortable (interrupted)', async () => {
    const prefix = freshPrefix();
    const holder = await open(prefix);
    const waiter = await open(prefix, { lock: { waitMs: 300 } });
    const holding = gate();
    const release = gate();
    const held = holder.transact(never(), async () => {
      holding.open();
      await release.opened;
    });
    await holding.opened;
    expect(await waiter.lockState(never())).toEqual({ held: true, ttlMs: expect.any(Number) });
    const timedOut = await failure(
      waiter.transact(never(), async () => undefined),
      'lock_timeout',
    );
    expect(timedOut.message).toContain(`${prefix}lock on redis://127.0.0.1:${server.port}/0`);
    const patient = await open(prefix, { lock: { waitMs: 60_000 } });
    const controller = new AbortController();
    const aborted = failure(
      patient.transact(controller.signal, async () => undefined),
      'interrupted',
    );
    controller.abort();
    await aborted;
    release.open();
    await held;
    expect(await waiter.lockState(never())).toEqual({ held: false });
  });

  /** The lock's one command, over a fresh connection of the test's own. */
  const directCommands = (): LeaseCommands => ({
    evalScript: (script, keys, args) => server.command(['EVAL', script, String(keys.length), ...keys, ...args]),
  });

  it('a lease: assertHeld while held, lock_lost once another token is in; release deletes only its own', async () => {
    const key = `${freshPrefix()}lock`;
    const locker = createRedisLocker(directCommands(), { key, location: server.url });
    const lease = await locker.acquire(never());
    await lease.assertHeld();
    expect(lease.lost).toBe(false);
    await server.command(['SET', key, 'someone-else', 'PX', '10000']);
    await failure(lease.assertHeld(), 'lock_lost');
    expect(lease.lost).toBe(true);
    await lease.release();
    expect(await server.command(['GET', key])).toBe('someone-else');
  });

  it('a waiter knows when it took the lock over from a holder that went silent, and not when the holder let go', async () => {
    const key = `${freshPrefix()}lock`;
    // This holder's extension timer never fires, as if its process were stopped: its lease runs out in Redis.
    const frozen: LeaseTimers = { ...realLeaseTimers, repeat: () => () => undefined };
    const silent = createRedisLocker(directCommands(), {
      key,
      location: server.url,
      ttlMs: 300,
      extendEveryMs: 100,
      timers: frozen,
    });
    const waiter = createRedisLocker(directCommands(), { key, location: server.url });

    const first = await waiter.acquire(never());
    expect(first.tookOverSilentHolder).toBeUndefined();
    await first.release();

    await silent.acquire(never());
    const afterSilence = await waiter.acquire(never());
    expect(afterSilence.tookOverSilentHolder).toBe(true);
    await afterSilence.release();

    const letGo = await waiter.acquire(never());
    const next = waiter.acquire(never());
    await letGo.release();
    expect((await next).tookOverSilentHolder).toBeUndefined();
    // What a release leaves lasts a few leases, then goes.
    const ttl = Number(await server.command(['PTTL', `${key}:released`]));
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(30_000);
    await (await next).release();
  });

  it('a release that Redis never answers gives up within 2 s: it is best effort, and the lease runs out anyway', async () => {
    const key = `${freshPrefix()}lock`;
    let stalled = false;
    const commands: LeaseCommands = {
      evalScript: (script, keys, args, signal) => {
        if (!stalled) return directCommands().evalScript(script, keys, args, signal);
        // A Redis that stopped: no answer, ever; only the caller's signal ends the wait.
        return new Promise((_, reject) =>
          signal?.addEventListener('abort', () => reject(signal.reason), { once: true }),
        );
      },
    };
    const lease = await createRedisLocker(commands, { key, location: server.url }).acquire(never());
    stalled = true;
    const started = performance.now();
    await lease.release();
    const elapsed = performance.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(1_900);
    expect(elapsed).toBeLessThan(4_000);
  });

  it('a waiter whose SET went out but whose answer never came leaves no lock behind', async () => {
    const key = `${freshPrefix()}lock`;
    const undone: Promise<unknown>[] = [];
    let calls = 0;
    const commands: LeaseCommands = {
      evalScript: async (script, keys, args) => {
        const reply = server.command(['EVAL', script, String(keys.length), ...keys, ...args]);
        if (calls++ > 0) {
          undone.push(reply);
          return reply;
        }
        // The first script (the take) reaches Redis and takes the lock; its answer is lost (a timeout, an abort).
        await reply;
        throw new PodioAuthError('redis_unavailable', 'No answer.');
      },
    };
    const locker = createRedisLocker(commands, { key, location: server.url });
    await failure(locker.acquire(never()), 'redis_unavailable');
    await Promise.all(undone);
    expect(undone).toHaveLength(1);
    expect(await server.command(['EXISTS', key])).toBe(0);
  });

  it('a profile that does not pass the checks is a clear error naming its key, without its content', async () => {
    const prefix = freshPrefix();
    const store = await open(prefix);
    await server.command(['SADD', `${prefix}profiles`, 'broken']);
    const broken = JSON.stringify({ access_token: 5, refresh_token: SECRET });
    await server.command(['SET', `${prefix}profile:broken`, broken]);
    const wrongField = await failure(store.read(never()), 'config_invalid');
    expect(wrongField.message).toBe(
      `The profile in the Redis key ${prefix}profile:broken on ${store.location} field "access_token" is not a string.`,
    );
    await server.command(['SET', `${prefix}profile:broken`, `not json ${SECRET}`]);
    const notJson = await failure(store.read(never()), 'config_invalid');
    expect(notJson.message).toBe(`The Redis key ${prefix}profile:broken on ${store.location} does not hold JSON.`);
    for (const error of [wrongField, notJson]) expect(`${error.message} ${error.hint}`).not.toContain(SECRET);
  });

  it('Redis down: redis_unavailable, naming host:port, within the timeout', async () => {
    const gone = await startRedisServer();
    const store = await openRedisStore({ url: gone.url, prefix: freshPrefix(), timeoutMs: 1_000 });
    onTestFinished(() => store.close());
    await gone.dispose();

    const whileOpen = await failure(store.read(never()), 'redis_unavailable');
    expect(whileOpen.message).toContain(`127.0.0.1:${gone.port}`);
    expect(whileOpen.hint).toMatch(/PODIO_AUTH_STORE/);
    await failure(
      store.transact(never(), async () => 'never'),
      'redis_unavailable',
    );

    const refused = await failure(openRedisStore({ url: gone.url, timeoutMs: 1_000 }), 'redis_unavailable');
    expect(refused.message).toBe(`Could not reach Redis at 127.0.0.1:${gone.port} (ECONNREFUSED).`);
  });

  it('a server that accepts but never answers: redis_unavailable within the timeout, password not shown', async () => {
    const silent = await startSilentServer();
    const started = Date.now();
    // With a password, connecting includes AUTH, which never gets an answer.
    const connecting = await failure(
      openRedisStore({ url: `redis://worker:${SECRET}@127.0.0.1:${silent.port}`, timeoutMs: 400 }),
      'redis_unavailable',
    );
    expect(Date.now() - started).toBeLessThan(400 + 3_000);
    expect(connecting.message).toBe(`Could not connect to Redis at 127.0.0.1:${silent.port} within 400 ms.`);
    // Without one, connecting sends nothing; the first command is what waits.
    const store = await openRedisStore({ url: `redis://127.0.0.1:${silent.port}`, timeoutMs: 400 });
    onTestFinished(() => store.close());
    const reading = Date.now();
    const error = await failure(store.read(never()), 'redis_unavailable');
    expect(Date.now() - reading).toBeLessThan(400 + 3_000);
    expect(error.message).toBe(`Redis at 127.0.0.1:${silent.port} did not answer within 400 ms.`);
  });

  it('wrong password, no password, or an ACL user without the keys: redis_auth, naming the cause', async () => {
    const guarded = await startRedisServer({
      password: 'right-password',
      users: [
        { name: 'worker', password: 'worker-password', rules: '~podio-auth:* +@all' },
        { name: 'outsider', password: 'outsider-password', rules: '~elsewhere:* +@all' },
      ],
    });
    onTestFinished(() => guarded.dispose());
    const wrongUrl = guarded.urlFor('default', SECRET);
    const wrong = await failure(openRedisStore({ url: wrongUrl, timeoutMs: 1_000 }), 'redis_auth');
    expect(wrong.message).toBe(`Redis at 127.0.0.1:${guarded.port} rejected the user name or password (WRONGPASS).`);
    expect(wrong.hint).toMatch(/user name and password/);
    expect(`${wrong.message} ${wrong.hint}`).not.toContain(SECRET);

    const none = await openRedisStore({ url: guarded.url, timeoutMs: 1_000 });
    onTestFinished(() => none.close());
    const noAuth = await failure(none.read(never()), 'redis_auth');
    expect(noAuth.message).toMatch(/requires a password.*\(NOAUTH\)/);

    const outsider = await openRedisStore({ url: guarded.urlFor('outsider', 'outsider-password'), timeoutMs: 1_000 });
    onTestFinished(() => outsider.close());
    expect(outsider.location).toBe(`redis://outsider@127.0.0.1:${guarded.port}/0`);
    const noPerm = await failure(outsider.read(never()), 'redis_auth');
    expect(noPerm.message).toMatch(/does not allow the user "outsider" .*\(NOPERM\)/);

    const worker = await openRedisStore({ url: guarded.urlFor('worker', 'worker-password'), timeoutMs: 1_000 });
    onTestFinished(() => worker.close());
    await worker.transact(never(), (tx) => tx.writeProfile('default', profile('worker')));
    expect((await worker.read(never())).profiles.get('default')?.access_token).toBe('access-worker');
  });

  it('Redis restarted: the same store works again, and the data is still there', async () => {
    const restarting = await startRedisServer({ appendOnly: true });
    onTestFinished(() => restarting.dispose());
    const store = await openRedisStore({ url: restarting.url, timeoutMs: 1_000 });
    onTestFinished(() => store.close());
    await store.transact(never(), (tx) => tx.writeProfile('default', profile('before')));
    await restarting.stop();
    await failure(store.read(never()), 'redis_unavailable');
    await restarting.restart();
    expect((await store.read(never())).profiles.get('default')?.access_token).toBe('access-before');
    await store.transact(never(), (tx) => tx.writeProfile('default', profile('after')));
    expect((await store.read(never())).profiles.get('default')?.access_token).toBe('access-after');
  });

  describe('holders in other processes', () => {
    let dir: string;
    let holderScript: string;

    beforeAll(async () => {
      // The holder runs the store from source, bundled for plain node (no build of the package needed).
      dir = mkdtempSync(join(tmpdir(), 'podio-auth-redis-holder-'));
      holderScript = join(dir, 'holder.cjs');
      await build({
        stdin: { contents: HOLDER_SOURCE, resolveDir: ROOT, loader: 'ts', sourcefile: 'holder.ts' },
        bundle: true,
        platform: 'node',
        format: 'cjs',
        target: 'node20',
        outfile: holderScript,
        logLevel: 'warning',
      });
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    function startHolder(
      prefix: string,
      lock: { ttlMs: number; extendEveryMs: number },
      options: { url?: string; env?: Record<string, string> } = {},
    ): Holder {
      const child = spawn(process.execPath, [holderScript], {
        env: {
          ...options.env,
          PATH: process.env['PATH'],
          HOLDER_URL: options.url ?? server.url,
          HOLDER_PREFIX: prefix,
          HOLDER_LOCK: JSON.stringify(lock),
        },
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      onTestFinished(() => {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      });
      return new Holder(child);
    }

    it('a holder SIGKILLed while holding the lock is taken over once its lease expires', async () => {
      const prefix = freshPrefix();
      const holder = startHolder(prefix, { ttlMs: 1_000, extendEveryMs: 300 });
      await holder.line('holding');
      const killed = Date.now();
      holder.child.kill('SIGKILL');
      const successor = await open(prefix, { lock: { waitMs: 30_000 } });
      await successor.transact(never(), (tx) => tx.writeProfile('shared', profile('successor')));
      const tookOver = Date.now() - killed;
      // The lease (1 s) plus slack for a busy machine: far below the 30 s the successor would wait.
      expect(tookOver).toBeLessThan(1_000 + 5_000);
      expect((await successor.read(never())).profiles.get('shared')?.access_token).toBe('access-successor');
    });

    it('a holder SIGSTOPped past its lease writes nothing when it wakes; the new holder’s write stands', async () => {
      const prefix = freshPrefix();
      const holder = startHolder(prefix, { ttlMs: 1_000, extendEveryMs: 300 });
      await holder.line('holding');
      holder.child.kill('SIGSTOP');
      const successor = await open(prefix, { lock: { waitMs: 30_000 } });
      await successor.transact(never(), (tx) => tx.writeProfile('shared', profile('successor')));
      holder.child.kill('SIGCONT');
      holder.child.stdin?.write('write\n');
      expect(await holder.line(/^error /)).toBe('error lock_lost');
      expect(await holder.exit()).toBe(0);
      expect((await successor.read(never())).profiles.get('shared')?.access_token).toBe('access-successor');
    });

    it('a holder that finishes writes, releases, and its process exits by itself after close()', async () => {
      const prefix = freshPrefix();
      const holder = startHolder(prefix, { ttlMs: 10_000, extendEveryMs: 3_000 });
      await holder.line('holding');
      holder.child.stdin?.write('write\n');
      expect(await holder.line(/^(written|error )/)).toBe('written');
      // Nothing (socket, extension timer) keeps it alive: it ends without process.exit().
      expect(await holder.exit()).toBe(0);
      const store = await open(prefix);
      expect((await store.read(never())).profiles.get('shared')?.access_token).toBe('access-holder');
      expect(await store.lockState(never())).toEqual({ held: false });
    });

    it.skipIf(!openssl && process.env['CI'] !== 'true')(
      'rediss:// speaks TLS: the certificate is checked; once trusted, all works',
      async () => {
        const certDir = mkdtempSync(join(tmpdir(), 'podio-auth-redis-tls-'));
        onTestFinished(() => rmSync(certDir, { recursive: true, force: true }));
        const certFile = join(certDir, 'cert.pem');
        const keyFile = join(certDir, 'key.pem');
        selfSignedCertificate(certFile, keyFile);
        const tlsServer = await startRedisServer({ tls: { certFile, keyFile } });
        onTestFinished(() => tlsServer.dispose());
        const tlsUrl = tlsServer.tlsUrl!;

        // This process does not trust the certificate.
        const untrusted = await failure(openRedisStore({ url: tlsUrl, timeoutMs: 2_000 }), 'redis_unavailable');
        expect(untrusted.message).toBe(
          `The TLS connection to Redis at 127.0.0.1:${new URL(tlsUrl).port} failed (DEPTH_ZERO_SELF_SIGNED_CERT).`,
        );
        expect(untrusted.hint).toMatch(/NODE_EXTRA_CA_CERTS/);

        // One that does, connects over TLS and writes; the plain-text port sees what it wrote.
        const prefix = freshPrefix();
        const holder = startHolder(
          prefix,
          { ttlMs: 10_000, extendEveryMs: 3_000 },
          {
            url: tlsUrl,
            env: { NODE_EXTRA_CA_CERTS: certFile },
          },
        );
        await holder.line('holding');
        holder.child.stdin?.write('write\n');
        expect(await holder.line(/^(written|error )/)).toBe('written');
        expect(await holder.exit()).toBe(0);
        const written = JSON.parse((await tlsServer.command(['GET', `${prefix}profile:shared`])) as string);
        expect(written.access_token).toBe('access-holder');
      },
    );
  });
});

/** A self-signed certificate for 127.0.0.1, made with the openssl command. */
function selfSignedCertificate(certFile: string, keyFile: string): void {
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-keyout',
      keyFile,
      '-out',
      certFile,
    ],
    { stdio: 'ignore' },
  );
}

/**
 * Takes the lock, says `holding`, waits for `write` on stdin, then writes profile `shared` and says `written` or
 * `error <code>`; then releases, closes the store and lets the process end on its own.
 */
const HOLDER_SOURCE = `
import { createInterface } from 'node:readline';
import { openRedisStore } from './src/store/redis/store.ts';

(async () => {
  const lines = createInterface({ input: process.stdin });
  const next = () => new Promise((resolve) => lines.once('line', resolve));
  const store = await openRedisStore({
    url: process.env.HOLDER_URL,
    prefix: process.env.HOLDER_PREFIX,
    timeoutMs: 2000,
    lock: JSON.parse(process.env.HOLDER_LOCK),
  });
  await store.transact(new AbortController().signal, async (tx) => {
    process.stdout.write('holding\\n');
    await next();
    try {
      await tx.writeProfile('shared', { client_id: 'client-id', access_token: 'access-holder' });
      process.stdout.write('written\\n');
    } catch (error) {
      process.stdout.write('error ' + (error.code ?? error.message) + '\\n');
    }
  });
  lines.close();
  await store.close();
})();
`;

class Holder {
  readonly #lines: string[] = [];
  readonly #waiting: { pattern: RegExp | string; resolve: (line: string) => void }[] = [];
  readonly #exited: Promise<number | null>;

  constructor(readonly child: ChildProcess) {
    let stderr = '';
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const index = this.#waiting.findIndex((waiter) => matches(line, waiter.pattern));
      if (index >= 0) this.#waiting.splice(index, 1)[0]!.resolve(line);
      else this.#lines.push(line);
    });
    this.#exited = new Promise((resolve) =>
      child.on('close', (code) => {
        for (const waiter of this.#waiting.splice(0)) {
          waiter.resolve(`exited (${code}) before "${waiter.pattern}": ${stderr}`);
        }
        resolve(code);
      }),
    );
  }

  /** The first line (seen or to come) matching `pattern`. */
  line(pattern: RegExp | string): Promise<string> {
    const index = this.#lines.findIndex((line) => matches(line, pattern));
    if (index >= 0) return Promise.resolve(this.#lines.splice(index, 1)[0]!);
    return new Promise((resolve) => this.#waiting.push({ pattern, resolve }));
  }

  exit(): Promise<number | null> {
    return this.#exited;
  }
}

function matches(line: string, pattern: RegExp | string): boolean {
  return typeof pattern === 'string' ? line === pattern : pattern.test(line);
}

/** A loopback TCP server that accepts connections and never says a word. */
async function startSilentServer(): Promise<{ port: number }> {
  const sockets = new Set<Socket>();
  const silent = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  onTestFinished(
    () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        silent.close(() => resolve());
      }),
  );
  return { port: (silent.address() as { port: number }).port };
}
