import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { aMinuteAgo, runCli, type Sandbox, startSandbox } from '../support/cli.js';
import type { FakePodio, FakePodioOptions } from '../support/fake-podio.js';

/**
 * Concurrent `token` processes on one config file share one refresh: the lock across processes, in the fast suite.
 * Holders stopped or killed past the stale limit wait out real time: token.concurrency.system.test.ts.
 */

let podio: FakePodio;
let sandbox: Sandbox;

async function setup(options: FakePodioOptions = {}): Promise<void> {
  ({ podio, sandbox } = await startSandbox(options));
}

function storedProfile(name = 'default'): Record<string, unknown> {
  return sandbox.readConfig().profiles[name]!;
}

describe('concurrent token processes on one config file', () => {
  it('makes exactly one refresh for twelve concurrent calls on an expired, rotating token', async () => {
    await setup({ tokenDelayMs: 300, rotateRefreshTokens: true });
    sandbox.storeLogin(aMinuteAgo());
    const results = await Promise.all(Array.from({ length: 12 }, () => runCli(['token'], sandbox.env())));
    const stored = storedProfile()['access_token'];
    for (const result of results) {
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      expect(result.stdout).toBe(`${stored}\n`);
    }
    expect(podio.grants('refresh_token')).toHaveLength(1);
    expect(podio.isValidAccessToken(stored as string)).toBe(true);
    expect(existsSync(`${sandbox.configFile}.lock`)).toBe(false);
  });

  it("makes one refresh for concurrent calls even when Podio's tokens live only seconds", async () => {
    // The refresh answers 2.5 s into a 4 s lifetime: the waiters find a token with less than the usual margin left.
    await setup({ tokenDelayMs: 2500, expiresIn: 4 });
    sandbox.storeLogin(aMinuteAgo());
    const results = await Promise.all(Array.from({ length: 12 }, () => runCli(['token'], sandbox.env())));
    for (const result of results) expect(result.code).toBe(0);
    expect(new Set(results.map((result) => result.stdout)).size).toBe(1);
    expect(podio.grants('refresh_token')).toHaveLength(1);
  });
});
