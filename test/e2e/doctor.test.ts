import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  lstatSync,
  mkdirSync,
  realpathSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Check } from '../../src/usecases/doctor/run-doctor.js';
import { inAnHour, runMain, startSandbox } from '../support/cli.js';
import { closedPort, occupyPort } from '../support/http.js';

const isRoot = process.getuid?.() === 0;
/** A uid nobody here has: files chowned to it belong to "another user". */
const OTHER_UID = 12345;
if (!isRoot) {
  console.warn('\n*** SKIPPED: the doctor --fix tests on files of another uid need root (to chown). ***\n');
}

function parse(stdout: string): { ok: boolean; checks: Check[] } {
  return JSON.parse(stdout);
}

describe('doctor', () => {
  it('passes on a healthy setup', async () => {
    const { sandbox } = await startSandbox();
    sandbox.storeLogin(inAnHour());
    const result = await runMain(['doctor'], sandbox.env());
    expect(result.stdout).not.toMatch(/^✗/m);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/✓ Config file .*config\.json \(0600\)/);
    expect(result.stdout).toMatch(/✓ API http:\/\/127\.0\.0\.1:\d+: HTTP \d+ in \d+ ms/);
    const json = parse((await runMain(['doctor', '--json'], sandbox.env())).stdout);
    expect(json.ok).toBe(true);
    expect(json.checks.map((item) => item.name)).toEqual(
      expect.arrayContaining([
        'node',
        'config-dir',
        'config-file',
        'profile:default',
        'bind-ipv4',
        'localhost',
        'browser',
        'environment',
        'proxy',
        'authorize-origin',
        'api-origin',
      ]),
    );
  });

  it('fails with a hint on a 0644 config.json, and --fix tightens it', async () => {
    const { sandbox } = await startSandbox();
    sandbox.storeLogin(inAnHour());
    chmodSync(sandbox.configFile, 0o644);
    const result = await runMain(['doctor'], sandbox.env());
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(`✗ Config file ${sandbox.configFile} has mode 0644`);
    expect(result.stdout).toContain(`    Run \`chmod 600 ${sandbox.configFile}\`, or \`podio-auth doctor --fix\`.`);
    const fixed = await runMain(['doctor', '--fix'], sandbox.env());
    expect(fixed.code).toBe(0);
    expect(sandbox.mode(sandbox.configFile)).toBe(0o600);
  });

  it('never changes the mode of a device or FIFO that config.json links to, and says it is no config file', async () => {
    const { sandbox } = await startSandbox();
    mkdirSync(sandbox.configDir, { recursive: true, mode: 0o700 });
    const fifo = join(sandbox.root, 'fifo');
    execFileSync('mkfifo', [fifo]);
    chmodSync(fifo, 0o666);
    symlinkSync(fifo, sandbox.configFile);
    const result = await runMain(['doctor', '--fix'], sandbox.env());
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(`✗ Config file ${sandbox.configFile} is not a regular file.`);
    expect(statSync(fifo).mode & 0o777).toBe(0o666);
  });

  describe('--fix changes only what login would: its own dir and file, never through a link', () => {
    const modeOf = (path: string) => statSync(path).mode & 0o777;

    it.skipIf(!isRoot)(
      "as root, leaves another uid's dir and the 0644 file config.json links to, and says why",
      async () => {
        const { sandbox } = await startSandbox();
        const elsewhere = join(sandbox.root, 'theirs');
        mkdirSync(elsewhere, { mode: 0o755 });
        const target = join(elsewhere, 'config.json');
        writeFileSync(target, '{"profiles":{}}', { mode: 0o644 });
        mkdirSync(sandbox.configDir, { mode: 0o755 });
        chmodSync(sandbox.configDir, 0o755);
        symlinkSync(target, sandbox.configFile);
        for (const path of [elsewhere, target, sandbox.configDir]) chownSync(path, OTHER_UID, OTHER_UID);

        const result = await runMain(['doctor', '--fix'], sandbox.env());
        expect(result.code).toBe(1);
        expect(modeOf(sandbox.configDir)).toBe(0o755);
        expect(modeOf(target)).toBe(0o644);
        expect(lstatSync(sandbox.configFile).isSymbolicLink()).toBe(true);
        expect(result.stderr).toContain(
          `! --fix left ${sandbox.configDir} alone: it belongs to uid ${OTHER_UID}, not to you (uid 0), and --fix ` +
            'changes only what you own.',
        );
        expect(result.stderr).toContain(
          `! --fix left ${sandbox.configFile} alone: it is a symbolic link to ${target}, and --fix never changes a ` +
            'mode through a link.',
        );
        expect(result.stdout).not.toContain('--fix left');
        expect(result.stdout).toContain(`✗ Config directory ${sandbox.configDir} has mode 0755`);
        const json = parse((await runMain(['doctor', '--fix', '--json'], sandbox.env())).stdout);
        expect(json.checks.filter((item) => item.name === 'fix-skipped')).toHaveLength(2);
      },
    );

    it.skipIf(!isRoot)("as root, leaves a config.json of another uid in root's own dir", async () => {
      const { sandbox } = await startSandbox();
      sandbox.storeLogin(inAnHour());
      chmodSync(sandbox.configFile, 0o644);
      chownSync(sandbox.configFile, OTHER_UID, OTHER_UID);
      const result = await runMain(['doctor', '--fix'], sandbox.env());
      expect(result.code).toBe(1);
      expect(modeOf(sandbox.configFile)).toBe(0o644);
      expect(result.stderr).toContain(`! --fix left ${sandbox.configFile} alone: it belongs to uid ${OTHER_UID}`);
    });

    it('never through a link, even to a file of its own; nor a config dir that is a link', async () => {
      const { sandbox } = await startSandbox();
      const real = join(sandbox.root, 'real');
      mkdirSync(real, { mode: 0o755 });
      chmodSync(real, 0o755);
      const target = join(real, 'config.json');
      writeFileSync(target, '{"profiles":{}}', { mode: 0o644 });
      chmodSync(target, 0o644);
      mkdirSync(sandbox.configDir, { mode: 0o700 });
      symlinkSync(target, sandbox.configFile);
      const linkedDir = join(sandbox.root, 'linked-dir');
      symlinkSync(real, linkedDir);

      const viaFile = await runMain(['doctor', '--fix'], sandbox.env());
      expect(viaFile.code).toBe(1);
      expect(modeOf(target)).toBe(0o644);
      expect(viaFile.stderr).toContain(`! --fix left ${sandbox.configFile} alone: it is a symbolic link to ${target}`);

      const viaDir = await runMain(['doctor', '--fix'], sandbox.env({ PODIO_AUTH_CONFIG_DIR: linkedDir }));
      expect(viaDir.code).toBe(1);
      expect(modeOf(real)).toBe(0o755);
      // Through the linked dir, config.json itself is a file of its own, not a link: that one is tightened.
      expect(modeOf(target)).toBe(0o600);
      expect(viaDir.stderr).toContain(`! --fix left ${linkedDir} alone: it is a symbolic link to ${real}`);
    });
  });

  it('fails with a hint on an unreachable API origin', async () => {
    const { sandbox } = await startSandbox();
    const port = await closedPort();
    const result = await runMain(['doctor'], sandbox.env({ PODIO_API_URL: `http://127.0.0.1:${port}` }));
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(
      `✗ API http://127.0.0.1:${port}: Could not reach 127.0.0.1:${port}: the connection was refused.`,
    );
    expect(result.stdout).toMatch(/^ {4}Check your network and proxy/m);
  });

  it('fails a setting only one store reads (keyring timeout, Redis lease), which no file-store command would meet', async () => {
    const { sandbox } = await startSandbox();
    const env = sandbox.env({ PODIO_AUTH_KEYRING_TIMEOUT: 'abc', PODIO_AUTH_REDIS_LEASE_SECONDS: '0' });
    const result = await runMain(['doctor'], env);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(
      '✗ PODIO_AUTH_KEYRING_TIMEOUT must be a number of seconds from 1 to 600, not "abc".',
    );
    expect(result.stdout).toContain(
      '✗ PODIO_AUTH_REDIS_LEASE_SECONDS must be a number of seconds from 1 to 600, not "0".',
    );
  });

  it('says a config directory that is a file is not a directory, with or without --fix', async () => {
    const { sandbox } = await startSandbox();
    const file = join(sandbox.root, 'a-file');
    writeFileSync(file, 'not a directory');
    for (const args of [['doctor'], ['doctor', '--fix']]) {
      const result = await runMain(args, sandbox.env({ PODIO_AUTH_CONFIG_DIR: file }));
      expect(result.code, args.join(' ')).toBe(1);
      expect(result.stdout).toContain(`✗ The config directory ${file} is not a directory.`);
      expect(result.stdout).not.toMatch(/has mode|chmod/);
    }
  });

  it('names the process holding a --port', async () => {
    const { sandbox } = await startSandbox();
    const port = await occupyPort();
    const result = await runMain(['doctor', '--port', String(port)], sandbox.env());
    expect(result.code).toBe(1);
    // By its executable, as /proc/PID/exe names it: since Node 24, /proc/PID/comm says `MainThread`.
    const escaped = realpathSync(process.execPath).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    expect(result.stdout).toMatch(new RegExp(`✗ Port ${port} is in use by ${escaped} \\(pid ${process.pid}\\)`));
  });

  it('finds a --port held on ::1 alone, which the login needs too', async (context) => {
    const { sandbox } = await startSandbox();
    const port = await occupyPort('::1').catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'EADDRNOTAVAIL' && error.code !== 'EAFNOSUPPORT') throw error;
      console.warn('*** doctor: this machine has no ::1, so the test of a port held there is SKIPPED ***');
      return context.skip();
    });
    const result = await runMain(['doctor', '--port', String(port)], sandbox.env());
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(new RegExp(`✗ Port ${port} is in use by .* \\(pid ${process.pid}\\)`));
  });
});
