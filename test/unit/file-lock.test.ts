import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createFileLocker } from '../../src/store/file/lock.js';
import { openFileStore } from '../../src/store/file/store.js';
import { useTempDirs } from '../support/temp-dirs.js';

/**
 * The config file's lock (src/store/file/lock.ts): one holder at a time, a heartbeat, takeover of a dead or silent
 * holder, a bounded and abortable wait, and a holder that lost it writes nothing. Across processes:
 * test/e2e/token.concurrency.test.ts and token.concurrency.system.test.ts.
 */

const tempDir = useTempDirs();
const signal = new AbortController().signal;

describe('lock', () => {
  it('serializes holders in one process and releases on failure', async () => {
    const path = join(tempDir(), 'x.lock');
    const locker = createFileLocker(path);
    const events: string[] = [];
    const hold = async (name: string, fail = false) => {
      const lease = await locker.acquire(signal);
      try {
        events.push(`${name}+`);
        await new Promise((resolve) => setImmediate(resolve));
        events.push(`${name}-`);
        if (fail) throw new Error('boom');
      } finally {
        await lease.release();
      }
    };
    await Promise.allSettled([hold('a', true), hold('b'), hold('c')]);
    expect(events).toHaveLength(6);
    for (let i = 0; i < 6; i += 2) expect(events[i]?.[0]).toBe(events[i + 1]?.[0]);
    expect(existsSync(path)).toBe(false);
  });

  it('takes over a lock whose holder is provably dead on this machine at once', async () => {
    const path = join(tempDir(), 'x.lock');
    const boot = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    const { readlinkSync } = await import('node:fs');
    // A pid that exists in no process: the holder died without releasing.
    writeFileSync(
      path,
      JSON.stringify({
        id: 'dead',
        pid: 2 ** 22 + 7,
        host: 'x',
        boot,
        pidns: readlinkSync('/proc/self/ns/pid'),
        start: '1',
      }),
    );
    let clock = 0;
    const lease = await createFileLocker(path, {
      monotonic: () => clock,
      sleep: async () => void (clock += 1),
    }).acquire(signal);
    expect(clock).toBe(0);
    await lease.release();
  });

  it('waits for a holder it cannot judge (another namespace or host) until its heartbeat has been still too long', async () => {
    const path = join(tempDir(), 'x.lock');
    writeFileSync(path, JSON.stringify({ id: 'far', pid: 1, host: 'elsewhere', boot: 'other-boot', pidns: 'pid:[1]' }));
    let clock = 0;
    const lease = await createFileLocker(path, {
      timings: { staleMs: 10_000 },
      monotonic: () => clock,
      sleep: async () => void (clock += 500),
    }).acquire(signal);
    expect(clock).toBeGreaterThan(10_000);
    await lease.release();
  });

  it('breaks an unreadable lock (a crash between creating and writing it) once it has been still too long', async () => {
    const path = join(tempDir(), 'x.lock');
    writeFileSync(path, '');
    let clock = 0;
    const lease = await createFileLocker(path, {
      timings: { staleMs: 2_000 },
      monotonic: () => clock,
      sleep: async () => void (clock += 100),
    }).acquire(signal);
    expect(clock).toBeGreaterThan(2_000);
    await lease.release();
  });

  it('gives up after its wait, and stops at once when aborted', async () => {
    const path = join(tempDir(), 'x.lock');
    const holder = await createFileLocker(path).acquire(signal);
    let clock = 0;
    const waiter = createFileLocker(path, {
      timings: { waitMs: 1_000, staleMs: 60_000 },
      monotonic: () => clock,
      sleep: async () => void (clock += 100),
    });
    await expect(waiter.acquire(signal)).rejects.toMatchObject({ code: 'lock_timeout', exitCode: 1 });
    const controller = new AbortController();
    controller.abort('SIGINT');
    await expect(createFileLocker(path).acquire(controller.signal)).rejects.toMatchObject({
      code: 'interrupted',
      exitCode: 130,
    });
    await holder.release();
  });

  it('a holder that lost its lock writes nothing', async () => {
    const dir = tempDir();
    let clock = 0;
    const options = {
      lock: {
        timings: { heartbeatMs: 60_000, staleMs: 100, waitMs: 1_000 },
        monotonic: () => clock,
        sleep: async () => void (clock += 50),
      },
    };
    const slow = openFileStore({ dir, ...options });
    const fast = openFileStore({ dir, ...options });
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    const slowWrite = slow.transact(signal, async (tx) => {
      await held;
      await tx.writeProfile('p', { refresh_token: 'stale' });
    });
    // The heartbeat never beats (60 s), so after 100 ms of the waiter's clock the lock is taken for abandoned.
    await fast.transact(signal, (tx) => tx.writeProfile('p', { refresh_token: 'newer' }));
    release();
    await expect(slowWrite).rejects.toMatchObject({ code: 'lock_lost', exitCode: 1 });
    expect((await fast.read(signal)).profiles.get('p')).toEqual({ refresh_token: 'newer' });
  });
});
