import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  aMinuteAgo,
  errorLines,
  expectClean,
  inAnHour,
  runCli,
  runMain,
  startCli,
  startSandbox,
} from '../support/cli.js';

/**
 * `token` under real faults: signals mid-refresh, a refresh stopped or killed, odd files where config.json or its lock
 * should be. Run against the built CLI as separate processes, as users and schedulers run it; each waits out real
 * deadlines, so they run in the system suite.
 */

function tempFiles(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir).filter((name) => name.includes('.tmp-') || name.endsWith('.lock')) : [];
}

describe('a refresh stopped past its deadline (Ctrl-Z, SIGSTOP), then resumed', () => {
  // The stops are the scenario, not synchronisation: the process must stay stopped past its deadline.
  const stoppedFor = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  for (const [when, tokenDelayMs] of [
    ['came while it was stopped', 300],
    ['comes just after it resumes', 2_500],
  ] as [string, number][]) {
    it(`stores the rotated token Podio's answer holds, when that answer ${when}`, async () => {
      const { podio, sandbox } = await startSandbox({ tokenDelayMs });
      const old = sandbox.storeLogin(aMinuteAgo());
      const cli = startCli(['token'], sandbox.env({ PODIO_AUTH_HTTP_TIMEOUT: '1' }));
      await podio.nextTokenRequestArrives();
      cli.child.kill('SIGSTOP');
      await stoppedFor(2_300);
      cli.child.kill('SIGCONT');
      const result = await cli.done;
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      const stored = sandbox.readConfig().profiles['default']!;
      expect(result.stdout).toBe(`${String(stored['access_token'])}\n`);
      expect(podio.isLiveRefreshToken(old.refresh_token)).toBe(false);
      expect(podio.isLiveRefreshToken(String(stored['refresh_token']))).toBe(true);
    });
  }
});

describe('a signal during a refresh', () => {
  it('first Ctrl-C: the answer Podio is sending is stored, then exit 130; the next token needs no login', async () => {
    const { podio, sandbox } = await startSandbox({ tokenDelayMs: 800 });
    const old = sandbox.storeLogin(aMinuteAgo());
    const cli = startCli(['token'], sandbox.env());
    await podio.nextTokenRequestArrives();
    cli.child.kill('SIGINT');
    const result = await cli.done;
    expect(result.code).toBe(130);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/waiting for its answer so the new token is stored/);
    expect(result.stderr).toMatch(/stored first/);
    expect(errorLines(result)).toHaveLength(1);
    const stored = sandbox.readConfig().profiles['default']!;
    expect(stored['refresh_token']).not.toBe(old.refresh_token);
    expect(podio.isLiveRefreshToken(old.refresh_token)).toBe(false);
    const next = await runMain(['token'], sandbox.env());
    expect(next.code).toBe(0);
    expect(next.stdout).toBe(`${String(stored['access_token'])}\n`);
    expect(tempFiles(sandbox.configDir)).toEqual([]);
    expectClean(result, sandbox);
  });

  it('a second Ctrl-C ends it at once and leaves no lock file', async () => {
    const { podio, sandbox } = await startSandbox({ tokenDelayMs: 20_000 });
    sandbox.storeLogin(aMinuteAgo());
    const cli = startCli(['token'], sandbox.env());
    await podio.nextTokenRequestArrives();
    cli.child.kill('SIGINT');
    await cli.waitForStderr(/Ctrl-C again/);
    const started = Date.now();
    cli.child.kill('SIGINT');
    const result = await cli.done;
    expect(result.code).toBe(130);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(tempFiles(sandbox.configDir)).toEqual([]);
  });

  it('SIGTERM while waiting for the lock ends it at once with 143 and takes nothing', async () => {
    const { podio, sandbox } = await startSandbox({ tokenDelayMs: 20_000 });
    sandbox.storeLogin(aMinuteAgo());
    const holder = startCli(['token'], sandbox.env());
    await podio.nextTokenRequestArrives();
    const waiter = startCli(['--debug', 'token'], sandbox.env());
    await waiter.waitForStderr(/waiting for the lock/);
    const started = Date.now();
    waiter.child.kill('SIGTERM');
    expect((await waiter.done).code).toBe(143);
    expect(Date.now() - started).toBeLessThan(2_000);
    holder.child.kill('SIGKILL');
    await holder.done;
  });
});

describe('SIGKILL at any moment of a refresh', () => {
  it('leaves config.json parseable with the old or the new login, and no temporary file past the next command', async () => {
    for (const delayMs of [0, 5, 20, 60]) {
      const { podio, sandbox } = await startSandbox({ tokenDelayMs: delayMs });
      const old = sandbox.storeLogin(aMinuteAgo());
      const cli = startCli(['token'], sandbox.env());
      await podio.nextTokenRequestArrives();
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      cli.child.kill('SIGKILL');
      await cli.done;
      const profile = sandbox.readConfig().profiles['default']!;
      const live = [old.refresh_token, ...podio.grants('refresh_token').map(() => '')];
      expect(typeof profile['refresh_token']).toBe('string');
      expect(live.length).toBeGreaterThan(0);
      await runCli(['token'], sandbox.env());
      expect(readdirSync(sandbox.configDir).filter((name) => name.includes('.tmp-'))).toEqual([]);
    }
  });

  it('a temporary file left by a crash is removed by the next command, even one that needs no refresh', async () => {
    const { sandbox } = await startSandbox();
    sandbox.storeLogin(inAnHour());
    writeFileSync(join(sandbox.configDir, 'config.json.tmp-0123456789ab'), '{"secret": "half-written"}', {
      mode: 0o600,
    });
    const result = await runCli(['token'], sandbox.env());
    expect(result.code).toBe(0);
    expect(readdirSync(sandbox.configDir)).toEqual(['config.json']);
    writeFileSync(join(sandbox.configDir, 'config.json.tmp-ba9876543210'), '{}', { mode: 0o600 });
    await runMain(['logout'], sandbox.env());
    expect(readdirSync(sandbox.configDir)).toEqual(['config.json']);
  });
});

describe('a config.json that is no regular file', () => {
  it('a FIFO, a device or a huge file as config.json: one line at once, on both paths; a FIFO lock is stale', async () => {
    const { sandbox } = await startSandbox();
    const cases: [string, (file: string) => void, string][] = [
      ['fifo', (file) => execFileSync('mkfifo', [file]), 'is not a regular file'],
      ['/dev/zero', (file) => symlinkSync('/dev/zero', file), 'is not a regular file'],
      ['5 MiB', (file) => writeFileSync(file, ' '.repeat(5 * 1024 * 1024), { mode: 0o600 }), 'is larger than 4 MiB'],
    ];
    mkdirSync(sandbox.configDir, { recursive: true, mode: 0o700 });
    for (const [what, make, says] of cases) {
      rmSync(sandbox.configFile, { force: true });
      make(sandbox.configFile);
      for (const args of [['token'], ['token', '--json'], ['exec', '--', 'true'], ['status']]) {
        // Bounded by the call's own timeout: a blocking read would hang until it.
        const result = await runCli(args, sandbox.env());
        expect(result.code, `${what}: ${args.join(' ')}`).toBe(1);
        expect(errorLines(result)).toEqual([`✗ The config file ${sandbox.configFile} ${says}.`]);
      }
    }
    rmSync(sandbox.configFile);
    sandbox.storeLogin(aMinuteAgo());
    execFileSync('mkfifo', [`${sandbox.configFile}.lock`]);
    const result = await runCli(['token'], sandbox.env({ PODIO_AUTH_LOCK_STALE_SECONDS: '1' }));
    expect(result.code).toBe(0);
    expect(readdirSync(sandbox.configDir)).toEqual(['config.json']);
  });

  it.skipIf(!existsSync('/proc/self/pagemap'))(
    'a file that says it is regular but has no end (a /proc file): read no further than the limit, one line',
    async () => {
      const { sandbox } = await startSandbox();
      mkdirSync(sandbox.configDir, { recursive: true, mode: 0o700 });
      symlinkSync('/proc/self/pagemap', sandbox.configFile);
      for (const args of [['token'], ['token', '--json'], ['status']]) {
        // Bounded by the call's own timeout: an unbounded read would fill the memory until it.
        const result = await runCli(args, sandbox.env());
        expect(result.code, args.join(' ')).toBe(1);
        expect(errorLines(result)[0]).toMatch(
          /^✗ The config file \S+ (cannot be read \(\w+\)|is larger than 4 MiB)\.$/,
        );
      }
    },
  );
});
