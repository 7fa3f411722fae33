import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { VERSION } from '../../src/version.js';
import { ROOT } from '../support/cli.js';

/** What works, and what says why it cannot, for a user with no home directory (root only, to be such a user). */

const isRoot = process.getuid?.() === 0;
const requireRoot = process.env['CI'] === 'true';
if (!isRoot && !requireRoot) {
  console.warn('\n*** usage.no-home: not root, so these tests are SKIPPED (with CI=true they run, and fail). ***\n');
}

describe.skipIf(!isRoot && !requireRoot)('a user with no home directory (needs root, to be such a user)', () => {
  it('help, the version and completion work; what needs the config says why it cannot, in one line', () => {
    // A copy anyone can read, run as a user id with no account entry and an empty HOME.
    const root = mkdtempSync(join(tmpdir(), 'podio-auth-homeless-'));
    onTestFinished(() => rmSync(root, { recursive: true, force: true }));
    chmodSync(root, 0o755);
    for (const part of ['bin', 'dist', 'package.json']) cpSync(join(ROOT, part), join(root, part), { recursive: true });
    const run = (args: string[]) =>
      spawnSync(
        'setpriv',
        [
          '--reuid',
          '4321',
          '--regid',
          '4321',
          '--clear-groups',
          process.execPath,
          join(root, 'bin', 'podio-auth.js'),
          ...args,
        ],
        { encoding: 'utf8', env: { PATH: process.env['PATH'], HOME: '' } },
      );
    expect(run(['--version'])).toMatchObject({ status: 0, stdout: `${VERSION}\n` });
    expect(run(['help', 'help'])).toMatchObject({ status: 0, stdout: expect.stringMatching(/^Usage: podio-auth/) });
    expect(run(['completion', 'bash'])).toMatchObject({ status: 0, stdout: expect.stringContaining('podio-auth') });
    const status = run(['status']);
    expect(status.status).toBe(1);
    expect(status.stderr).toBe(
      "✗ There is no home directory to keep podio-auth's files in (HOME is empty).\n" +
        'Set HOME to your home directory, or PODIO_AUTH_CONFIG_DIR to where podio-auth should keep its files.\n',
    );
  });
});
