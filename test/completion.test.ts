import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from './support/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'podio-auth-completion-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const env = { PATH: process.env['PATH'] };

async function script(shell: string): Promise<string> {
  const result = await runCli(['completion', shell], env);
  expect(result.code).toBe(0);
  const file = join(dir, `completion.${shell}`);
  writeFileSync(file, result.stdout);
  return file;
}

const has = (shell: string) => ['/usr/bin', '/bin', '/usr/local/bin'].some((prefix) => existsSync(join(prefix, shell)));
for (const shell of ['zsh', 'fish']) {
  if (!has(shell)) console.warn(`*** completion: ${shell} is not installed, so its script is checked as text only ***`);
}

describe('completion', () => {
  it('bash completes commands, subcommands, options and their values', async () => {
    const file = await script('bash');
    const complete = (...words: string[]) =>
      execFileSync('bash', ['-c', `source ${file}; COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=$((\${#COMP_WORDS[@]}-1)); _podio_auth; echo "\${COMPREPLY[*]}"`], {
        encoding: 'utf8',
      }).trim();
    expect(complete('podio-auth', 'lo')).toBe('login logout');
    expect(complete('podio-auth', 'token', '--')).toBe('--profile --json --min-ttl --help');
    expect(complete('podio-auth', 'export', '--format', '')).toBe('dotenv shell json github');
    expect(complete('podio-auth', 'profiles', '')).toBe('use --json --help');
    expect(complete('podio-auth', 'completion', '')).toBe('bash zsh fish --help');
  });

  it('zsh and fish scripts name every command, and parse', async () => {
    const zsh = await script('zsh');
    const fish = await script('fish');
    const { readFileSync } = await import('node:fs');
    for (const command of ['login', 'token', 'status', 'logout', 'profiles', 'export', 'exec', 'doctor', 'emulator', 'completion']) {
      expect(readFileSync(zsh, 'utf8')).toContain(`'${command}:`);
      expect(readFileSync(fish, 'utf8')).toContain(`-a ${command} `);
    }
    if (has('zsh')) execFileSync('zsh', ['-n', zsh]);
    if (has('fish')) execFileSync('fish', ['-n', fish]);
  });

  it('refuses an unknown shell (exit 2)', async () => {
    expect((await runCli(['completion', 'powershell'], env)).code).toBe(2);
  });
});
