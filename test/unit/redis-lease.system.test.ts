import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
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
import { rejectsWith } from '../support/errors.js';
import { findRedisServer, freshPrefix, never, type RedisServer, startRedisServer } from '../support/redis-server.js';

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
  console.warn(`\n*** redis-server is not installed: the Redis lease tests are SKIPPED${outcome}. ***\n`);
}

/**
 * The Redis lease (src/store/redis/lease.ts): one holder at a time across stores, extension while it works, the fence
 * in Redis, bounded and abortable waits, takeover from a holder that went silent, killed or stopped. The store itself:
 * redis-store.system.test.ts; across processes of the CLI: test/e2e/store.redis.system.test.ts.
 */

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

/** A promise and the function that resolves it: a step the test lets happen when it chooses. */
function gate(): { opened: Promise<void>; open: () => void } {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

describe.skipIf(!available)('the Redis lease', () => {
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
    await rejectsWith(leaked!.writeProfile('late', profile('late')), 'lock_lost');
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
      await rejectsWith(
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
    const error = await rejectsWith(stuckRun, 'lock_lost');
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
      await rejectsWith(run, 'lock_lost');
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
    const timedOut = await rejectsWith(
      waiter.transact(never(), async () => undefined),
      'lock_timeout',
    );
    expect(timedOut.message).toContain(`${prefix}lock on redis://127.0.0.1:${server.port}/0`);
    const patient = await open(prefix, { lock: { waitMs: 60_000 } });
    const controller = new AbortController();
    const aborted = rejectsWith(
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
    await rejectsWith(lease.assertHeld(), 'lock_lost');
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
    await rejectsWith(locker.acquire(never()), 'redis_unavailable');
    await Promise.all(undone);
    expect(undone).toHaveLength(1);
    expect(await server.command(['EXISTS', key])).toBe(0);
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
        const untrusted = await rejectsWith(openRedisStore({ url: tlsUrl, timeoutMs: 2_000 }), 'redis_unavailable');
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
