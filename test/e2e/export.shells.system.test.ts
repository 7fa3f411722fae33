import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { formatVariables } from '../../src/ui/env-format.js';
import { aMinuteAgo, runCli, runMain, startSandbox } from '../support/cli.js';

/**
 * `--format shell` is read back by every shell a user may `source` it in: sh, bash, zsh (also with RC_QUOTES, where
 * '' inside single quotes is a quote) and fish (whose single quotes give \' and \\ a meaning). Each must run nothing
 * a value carries and give back its bytes.
 */

const root = mkdtempSync(join(tmpdir(), 'podio-auth-export-shells-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const marker = join(root, 'ran');

/** Values that would run `touch` (leaving `ran*` files) or come back changed in one shell or another if misquoted. */
const HOSTILE = [
  `rt\\';touch ${marker}1;#`,
  `a\\\\b\\`,
  `'`,
  `\\`,
  `\\'`,
  `''`,
  `'\\''`,
  `$(touch ${marker}2)`,
  `\`touch ${marker}3\``,
  `(touch ${marker}4)`,
  `"$HOME" $HOME ~ * {a,b} %self`,
  'a\nb\tc',
  '',
];

const onPath = (program: string) =>
  (process.env['PATH'] ?? '').split(delimiter).some((dir) => dir && existsSync(join(dir, program)));
const inCi = process.env['CI'] === 'true';

/** How each shell loads the file and prints the variable back. */
const SHELLS: { name: string; program: string; args: (file: string) => string[] }[] = [
  { name: 'sh', program: 'sh', args: (file) => ['-c', '. "$1"; printf %s "$PODIO_REFRESH_TOKEN"', 'sh', file] },
  {
    name: 'bash',
    program: 'bash',
    args: (file) => ['-c', 'source "$1"; printf %s "$PODIO_REFRESH_TOKEN"', 'bash', file],
  },
  {
    name: 'bash, by eval',
    program: 'bash',
    args: (file) => ['-c', 'eval "$(cat "$1")"; printf %s "$PODIO_REFRESH_TOKEN"', 'bash', file],
  },
  {
    name: 'zsh',
    program: 'zsh',
    args: (file) => ['-f', '-c', 'source "$1"; printf %s "$PODIO_REFRESH_TOKEN"', 'zsh', file],
  },
  {
    name: 'zsh with RC_QUOTES',
    program: 'zsh',
    args: (file) => ['-f', '-c', 'setopt RC_QUOTES; source "$1"; printf %s "$PODIO_REFRESH_TOKEN"', 'zsh', file],
  },
  { name: 'fish', program: 'fish', args: (file) => ['-c', 'source $argv[1]; printf %s "$PODIO_REFRESH_TOKEN"', file] },
  {
    name: 'fish, from a pipe',
    program: 'fish',
    args: (file) => ['-c', 'cat $argv[1] | source; printf %s "$PODIO_REFRESH_TOKEN"', file],
  },
];

function readBack(shell: (typeof SHELLS)[number], output: string): string {
  const file = join(root, 'exported');
  writeFileSync(file, output);
  const result = spawnSync(shell.program, shell.args(file), {
    cwd: root,
    env: { PATH: process.env['PATH'], HOME: '/home/nobody', LANG: 'C.UTF-8' },
    encoding: 'utf8',
  });
  expect(result.stderr, shell.name).toBe('');
  expect(result.status, shell.name).toBe(0);
  expect(
    readdirSync(root).filter((name) => name.startsWith('ran')),
    shell.name,
  ).toEqual([]);
  return result.stdout;
}

describe('export --format shell, read back by each shell', () => {
  for (const shell of SHELLS) {
    const present = onPath(shell.program);
    if (!present && !inCi)
      console.warn(`*** export: ${shell.program} is not installed here, so its test is SKIPPED ***`);
    it.skipIf(!present && !inCi)(`${shell.name}: runs nothing and gives back every value byte for byte`, () => {
      for (const value of HOSTILE) {
        expect(readBack(shell, formatVariables([['PODIO_REFRESH_TOKEN', value]], 'shell')), JSON.stringify(value)).toBe(
          value,
        );
      }
    });
  }

  it.skipIf(!onPath('fish') && !inCi)(
    'fish sources what the command prints, a refresh token from Podio included',
    async () => {
      const { podio, sandbox } = await startSandbox();
      const token = `rt\\';id>${marker}5;#`;
      sandbox.storeLogin(aMinuteAgo());
      podio.overrideNextTokenAnswer(() => ({
        status: 200,
        body: { access_token: 'a'.repeat(40), expires_in: 3600, refresh_token: token, token_type: 'bearer' },
      }));
      expect((await runMain(['token'], sandbox.env())).code).toBe(0);
      const launched = await runCli(['export', '--format', 'shell'], sandbox.env());
      expect(launched.code).toBe(0);
      const fish = SHELLS.find((shell) => shell.name === 'fish');
      expect(readBack(fish!, launched.stdout)).toBe(token);
    },
  );
});
