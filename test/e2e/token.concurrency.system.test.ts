import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { aMinuteAgo, errorLines, runCli, startCli, startSandbox } from '../support/cli.js';

/**
 * The config file's lock across processes: holders stopped past the stale limit, killed, or on another host, and
 * lock files that are no lock file. The lock's own rules are specified in test/unit/file-lock.test.ts; concurrent
 * refreshes that need no real stale limit are in token.concurrency.test.ts, in the fast suite.
 */

describe('the lock across processes', () => {
  /**
   * A `token` whose refresh Podio answers slowly, stopped once its request is out; then another `token`, which
   * takes the lock over once the first has been silent 1 s. The first is still stopped when this resolves.
   */
  async function stoppedHolderThenAnother(rotateRefreshTokens: boolean) {
    const { podio, sandbox } = await startSandbox({ tokenDelayMs: 1_500, rotateRefreshTokens });
    sandbox.storeLogin(aMinuteAgo());
    const env = sandbox.env({ PODIO_AUTH_LOCK_STALE_SECONDS: '1' });
    const stopped = startCli(['token'], env);
    await podio.nextTokenRequestArrives();
    stopped.child.kill('SIGSTOP');
    const other = await runCli(['token'], env);
    return { podio, sandbox, env, stopped, other };
  }

  it('a holder stopped past the stale limit, then resumed, never overwrites the newer token', async () => {
    const { podio, sandbox, stopped, other } = await stoppedHolderThenAnother(false);
    expect(other.code).toBe(0);
    const newer = String(sandbox.readConfig().profiles['default']!['access_token']);
    expect(other.stdout).toBe(`${newer}\n`);
    stopped.child.kill('SIGCONT');
    const resumed = await stopped.done;
    expect(resumed.code).toBe(0);
    // It takes the newer token rather than writing its own over it.
    expect(resumed.stdout).toBe(`${newer}\n`);
    expect(sandbox.readConfig().profiles['default']!['access_token']).toBe(newer);
    expect(podio.isValidAccessToken(newer)).toBe(true);
  });

  it('a refresh token rejected after taking over from a stopped holder is not "log in": that holder stores it', async () => {
    // Podio rotated the token in its answer to the stopped holder, so the other's refresh is rejected.
    const { sandbox, env, stopped, other } = await stoppedHolderThenAnother(true);
    expect(other.code).toBe(1);
    expect(errorLines(other)).toEqual([
      expect.stringMatching(/may have replaced it, and may yet store the new one\.$/),
    ]);
    expect(other.stderr).toMatch(/Run the command again in a moment/);
    stopped.child.kill('SIGCONT');
    const resumed = await stopped.done;
    expect(resumed.code).toBe(0);
    const stored = String(sandbox.readConfig().profiles['default']!['access_token']);
    expect(resumed.stdout).toBe(`${stored}\n`);
    expect((await runCli(['token'], env)).stdout).toBe(`${stored}\n`);
  });

  it('a SIGKILLed holder is taken over at once on this machine, also when its pid now belongs to another process', async () => {
    const { podio, sandbox } = await startSandbox({ tokenDelayMs: 20_000 });
    sandbox.storeLogin(aMinuteAgo());
    const killed = startCli(['token'], sandbox.env());
    await podio.nextTokenRequestArrives();
    killed.child.kill('SIGKILL');
    await killed.done;
    const lock = `${sandbox.configFile}.lock`;
    expect(existsSync(lock)).toBe(true);
    // Pretend the dead holder's pid was reused by a live process (this one), as pid 1 in a restarted container.
    const owner = JSON.parse(readFileSync(lock, 'utf8')) as Record<string, unknown>;
    writeFileSync(lock, JSON.stringify({ ...owner, pid: process.pid }));
    podio.options.tokenDelayMs = 0;
    const started = Date.now();
    const next = await runCli(['token'], sandbox.env());
    expect(next.code).toBe(0);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('a holder elsewhere (another pid namespace or host) that stopped beating is taken over after the stale limit', async () => {
    const { sandbox } = await startSandbox();
    sandbox.storeLogin(aMinuteAgo());
    writeFileSync(
      `${sandbox.configFile}.lock`,
      JSON.stringify({ id: 'x', pid: 1, host: 'container', boot: 'b', pidns: 'pid:[1]' }),
    );
    const started = Date.now();
    const next = await runCli(['token'], sandbox.env({ PODIO_AUTH_LOCK_STALE_SECONDS: '2' }));
    expect(next.code).toBe(0);
    expect(Date.now() - started).toBeGreaterThanOrEqual(2_000);
    expect(existsSync(`${sandbox.configFile}.lock`)).toBe(false);
  });

  it('two config dirs whose config.json links to one file share one lock: one refresh for both', async () => {
    const { podio, sandbox } = await startSandbox({ tokenDelayMs: 300, rotateRefreshTokens: true });
    sandbox.storeLogin(aMinuteAgo());
    const linked = join(sandbox.root, 'linked-config');
    mkdirSync(linked, { mode: 0o700 });
    symlinkSync(sandbox.configFile, join(linked, 'config.json'));
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        runCli(['token'], sandbox.env(i % 2 ? { PODIO_AUTH_CONFIG_DIR: linked } : {})),
      ),
    );
    const stored = sandbox.readConfig().profiles['default']?.['access_token'];
    for (const result of results) expect(result).toMatchObject({ code: 0, stdout: `${String(stored)}\n` });
    expect(podio.grants('refresh_token')).toHaveLength(1);
    expect(readdirSync(linked)).toEqual(['config.json']);
    expect(lstatSync(join(linked, 'config.json')).isSymbolicLink()).toBe(true);
  });
});

describe('a lock that is no lock file', () => {
  it('a dangling symlink or a directory as the lock is taken over after the stale limit, and leaves nothing', async () => {
    const { sandbox } = await startSandbox();
    for (const make of [
      (lock: string) => symlinkSync('/nonexistent-podio-auth', lock),
      (lock: string) => mkdirSync(lock),
    ]) {
      sandbox.storeLogin(aMinuteAgo());
      const lock = `${sandbox.configFile}.lock`;
      make(lock);
      const result = await runCli(['token'], sandbox.env({ PODIO_AUTH_LOCK_STALE_SECONDS: '1' }));
      expect(result.code).toBe(0);
      expect(readdirSync(sandbox.configDir)).toEqual(['config.json']);
    }
  });
});
