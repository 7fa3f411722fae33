import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, type CliResult, runCliWith } from './cli.js';

/**
 * Which files a podio-auth run opened, as the system saw it (strace): a public, version-independent way to tell
 * that the launcher answered from its small bundle, or that a command never loaded a module, where Node's own
 * debug traces are an undocumented format that changes between versions.
 */
export function straceMissing(): boolean {
  const missing = spawnSync('strace', ['-V']).status !== 0;
  if (missing && process.env['CI'] === 'true')
    throw new Error('strace is not installed (Debian: apt-get install strace)');
  if (missing) {
    console.warn('\n*** SKIPPED: the tests of which files a command opens need strace (apt-get install strace). ***\n');
  }
  return missing;
}

export async function runCliOpening(
  args: string[],
  env: Record<string, string | undefined>,
): Promise<{ result: CliResult; opened: string[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'podio-auth-strace-'));
  try {
    const log = join(dir, 'trace');
    const result = await runCliWith(
      'strace',
      ['-f', '-qq', '-e', 'trace=open,openat', '-o', log, process.execPath, BIN, ...args],
      env,
    );
    const opened = [...readFileSync(log, 'utf8').matchAll(/open(?:at)?\((?:AT_FDCWD, )?"([^"]+)"/g)].map(
      (match) => match[1] as string,
    );
    return { result, opened };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
