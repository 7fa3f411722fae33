import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fastPath } from '../../src/fast-path.js';
import { aMinuteAgo, errorLines, runCli, runMain, type Sandbox, startSandbox } from '../support/cli.js';
import type { FakePodio } from '../support/fake-podio.js';
import { godotenvParse } from '../support/godotenv.js';

/**
 * `eval "$(podio-auth export)"` and `source` must run nothing a token carries and give back its bytes. The hostile
 * values come the way they would in life: a token endpoint's answer, stored by a refresh.
 */

/**
 * A refresh token (printable ASCII, no space, as stored tokens are) carrying $(…), backticks, both quotes, a
 * backslash and $VAR: each would run a command (creating a marker file) or change the value if not quoted.
 */
function hostileToken(sandbox: Sandbox, withSingleQuote: boolean): string {
  const marker = (n: number) => join(sandbox.root, `ran-${n}`);
  return `r$(>${marker(1)})\`>${marker(2)}\`"\\n$HOME\${HOME}\\${withSingleQuote ? `'$(>${marker(3)})'` : ''}z`;
}

async function storeRefreshToken(podio: FakePodio, sandbox: Sandbox, refreshToken: string): Promise<void> {
  sandbox.storeLogin(aMinuteAgo());
  podio.overrideNextTokenAnswer(() => ({
    status: 200,
    body: { access_token: 'a'.repeat(40), expires_in: 3600, refresh_token: refreshToken, token_type: 'bearer' },
  }));
  const refreshed = await runMain(['token'], sandbox.env());
  expect(refreshed.stderr).toBe('');
  expect(refreshed.code).toBe(0);
  expect(sandbox.readConfig().profiles['default']!['refresh_token']).toBe(refreshToken);
}

/** What bash reads back from `output`, by `eval` or by `source`, and whether anything in it ran. */
function readBackInBash(sandbox: Sandbox, output: string, how: 'eval' | 'source'): Buffer {
  const file = join(sandbox.root, 'exported');
  writeFileSync(file, output);
  const load = how === 'eval' ? 'eval "$(cat "$1")"' : 'set -a; source "$1"';
  const result = spawnSync('bash', ['-c', `${load}; printf %s "$PODIO_REFRESH_TOKEN"`, 'bash', file], {
    cwd: sandbox.root,
    env: { PATH: process.env['PATH'], HOME: '/home/nobody' },
  });
  expect(result.status).toBe(0);
  for (const n of [1, 2, 3]) expect(existsSync(join(sandbox.root, `ran-${n}`))).toBe(false);
  return result.stdout;
}

describe('export output is safe to eval and to source', () => {
  for (const format of ['dotenv', 'shell'] as const) {
    it(`--format ${format}: bash eval and source run nothing and read the token back byte for byte, on both paths`, async () => {
      const { podio, sandbox } = await startSandbox();
      const token = hostileToken(sandbox, true);
      await storeRefreshToken(podio, sandbox, token);
      const full = await runMain(['export', '--format', format], sandbox.env());
      expect(full.code).toBe(0);
      const fast = fastPath(['export', '--format', format], {
        env: sandbox.env(),
        now: new Date(),
        stdoutIsTTY: () => false,
        stderrIsTTY: () => false,
      });
      expect(fast).toMatchObject({ kind: 'print', stdout: full.stdout });
      const launched = await runCli(['export', '--format', format], sandbox.env());
      expect(launched.code).toBe(0);
      expect(launched.stdout).toBe(full.stdout);
      for (const how of ['eval', 'source'] as const) {
        expect(readBackInBash(sandbox, full.stdout, how).toString('utf8')).toBe(token);
      }
    });
  }

  it('--format github: a body gh reads back to the same bytes, and that bash also evals and sources safely', async () => {
    const { podio, sandbox } = await startSandbox();
    const token = hostileToken(sandbox, false);
    await storeRefreshToken(podio, sandbox, token);
    const full = await runMain(['export', '--format', 'github'], sandbox.env());
    expect(full.code).toBe(0);
    const launched = await runCli(['export', '--format', 'github'], sandbox.env());
    expect(launched.stdout).toBe(full.stdout);
    expect(godotenvParse(full.stdout, { HOME: '/home/nobody' })['PODIO_REFRESH_TOKEN']).toBe(token);
    for (const how of ['eval', 'source'] as const) {
      expect(readBackInBash(sandbox, full.stdout, how).toString('utf8')).toBe(token);
    }
  });

  it('--format github refuses, exit 2 and one line naming the variable, a value gh would read back changed', async () => {
    const { podio, sandbox } = await startSandbox();
    const token = hostileToken(sandbox, true);
    await storeRefreshToken(podio, sandbox, token);
    for (const run of [
      () => runMain(['export', '--format', 'github'], sandbox.env()),
      () => runCli(['export', '--format', 'github'], sandbox.env()),
    ]) {
      const result = await run();
      expect(result.code).toBe(2);
      expect(result.stdout).toBe('');
      expect(errorLines(result)).toEqual([expect.stringMatching(/cannot carry PODIO_REFRESH_TOKEN .*single quote/)]);
      expect(result.stderr).not.toContain('ran-');
    }
  });
});
