import { spawn } from 'node:child_process';
import { openSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BIN, inAnHour, startSandbox } from '../support/cli.js';

/** stdout carries data only; when a stream cannot be written, the command says so in one line, or goes on without it. */

describe('standard streams that fail', () => {
  it('token and export to /dev/full: exit 1, one line, no stack trace', async () => {
    const { sandbox } = await startSandbox();
    sandbox.storeLogin(inAnHour());
    for (const args of [['token'], ['token', '--json'], ['export'], ['status']]) {
      // Not spawnSync: the fake Podio runs in this process and must keep answering.
      const child = spawn(process.execPath, [BIN, ...args], {
        env: sandbox.env() as NodeJS.ProcessEnv,
        stdio: ['ignore', openSync('/dev/full', 'w'), 'pipe'],
      });
      let stderr = '';
      child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
      const status = await new Promise<number | null>((resolve) => child.on('close', resolve));
      expect(status, args.join(' ')).toBe(1);
      expect(
        stderr.split('\n').filter((line) => line.startsWith('✗')),
        args.join(' '),
      ).toEqual([expect.stringMatching(/Could not write to standard output \(ENOSPC\)/)]);
      expect(stderr).not.toMatch(/\n\s+at /);
    }
  });

  it('a closed stderr never aborts a login in progress', async () => {
    const { sandbox } = await startSandbox();
    const child = spawn(process.execPath, [BIN, 'login'], {
      env: sandbox.env() as NodeJS.ProcessEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stderr.destroy();
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code).toBe(0);
    expect(sandbox.readConfig().profiles['default']!['access_token']).toEqual(expect.any(String));
  });
});
