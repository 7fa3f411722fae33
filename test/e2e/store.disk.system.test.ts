import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, readdirSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { aMinuteAgo, errorLines, inAnHour, runCli, runMain, startSandbox } from '../support/cli.js';

/** The file store on a full or read-only disk (a tmpfs: root only). */

const isRoot = process.getuid?.() === 0;
const requireRoot = process.env['CI'] === 'true';
if (!isRoot && !requireRoot) {
  console.warn('\n*** store.disk: not root, so these tests are SKIPPED (with CI=true they run, and fail). ***\n');
}

/** A tmpfs of `size` at `dir` (root only), unmounted when the test ends. */
function mountTmpfs(dir: string, size: string): void {
  mkdirSync(dir, { recursive: true });
  const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=0700`, 'tmpfs', dir]);
  if (mounted.status !== 0) throw new Error(`mount failed: ${mounted.stderr.toString()}`);
  onTestFinished(() => void spawnSync('umount', ['-l', dir]));
}

/** Fills the file system `file` is on, leaving `bytes` free. */
function fillLeaving(file: string, bytes: number): void {
  const { bavail, bsize } = statfsSync(dirname(file));
  writeFileSync(file, Buffer.alloc(Math.max(0, bavail * bsize - bytes)));
}

describe.skipIf(!isRoot && !requireRoot)('a full or read-only disk (tmpfs; needs root)', () => {
  it('SNAP=1 on a full disk: config.json still parses and holds the last good login', async () => {
    const { podio, sandbox } = await startSandbox();
    mountTmpfs(sandbox.configDir, '16k');
    chmodSync(sandbox.configDir, 0o700);
    const old = sandbox.storeLogin(aMinuteAgo());
    // Fill the disk, leaving one page: room for the lock, none for a new config file.
    spawnSync('dd', ['if=/dev/zero', `of=${join(sandbox.configDir, 'filler')}`, 'bs=1k', 'count=8']);
    podio.options.rotateRefreshTokens = false;
    const result = await runCli(['token'], sandbox.env({ SNAP: '1' }));
    expect(result.code).toBe(1);
    expect(errorLines(result)).toHaveLength(1);
    expect(result.stderr).toMatch(/ENOSPC/);
    expect(sandbox.readConfig().profiles['default']!['refresh_token']).toBe(old.refresh_token);
    expect(readdirSync(sandbox.configDir).filter((name) => /\.(tmp|room)-/.test(name))).toEqual([]);
  });

  it('a disk with room for the lock and not for the new config: fails before the refresh, the login kept', async () => {
    const { podio, sandbox } = await startSandbox();
    mountTmpfs(sandbox.configDir, '64k');
    chmodSync(sandbox.configDir, 0o700);
    const old = sandbox.storeLogin(aMinuteAgo());
    const filler = join(sandbox.configDir, 'filler');
    fillLeaving(filler, 8 * 1024);
    expect(podio.options.rotateRefreshTokens).toBe(true);
    const result = await runCli(['token'], sandbox.env());
    expect(result.code).toBe(1);
    expect(errorLines(result)).toEqual([expect.stringMatching(/Could not write .*config\.json \(ENOSPC\)/)]);
    // Nothing was sent, so Podio still takes the stored refresh token.
    expect(podio.grants('refresh_token')).toHaveLength(0);
    expect(podio.isLiveRefreshToken(old.refresh_token)).toBe(true);
    expect(readdirSync(sandbox.configDir).sort()).toEqual(['config.json', 'filler']);
    rmSync(filler);
    expect((await runCli(['token'], sandbox.env())).code).toBe(0);
  });

  it('room for the largest token answer accepted is set aside before the refresh is sent: no rotation is lost', async () => {
    const { podio, sandbox } = await startSandbox();
    mountTmpfs(sandbox.configDir, '64k');
    chmodSync(sandbox.configDir, 0o700);
    const old = sandbox.storeLogin(aMinuteAgo());
    // As long as accepted, of the characters JSON writes as two.
    const answer = {
      access_token: `a${'"'.repeat(4095)}`,
      refresh_token: `r${'\\'.repeat(4095)}`,
      token_type: `t${'"'.repeat(4095)}`,
      scope: '"'.repeat(1_000),
      expires_in: 3600,
      ref: { type: 'user', id: 4242 },
    };
    let sent = 0;
    podio.overrideNextTokenAnswer(() => {
      sent++;
      return { status: 200, body: answer };
    });
    // Room for a refresh of ordinary tokens, not for this answer.
    const filler = join(sandbox.configDir, 'filler');
    fillLeaving(filler, 12 * 1024);
    const short = await runCli(['token'], sandbox.env());
    expect(short.code).toBe(1);
    expect(errorLines(short)).toEqual([expect.stringMatching(/Could not write .*config\.json \(ENOSPC\)/)]);
    expect(sent).toBe(0);
    expect(sandbox.readConfig().profiles['default']!['refresh_token']).toBe(old.refresh_token);

    rmSync(filler);
    const roomy = await runCli(['token'], sandbox.env());
    expect(roomy.code, roomy.stderr).toBe(0);
    expect(roomy.stdout).toBe(`${answer.access_token}\n`);
    expect(sent).toBe(1);
    expect(sandbox.readConfig().profiles['default']).toMatchObject({
      access_token: answer.access_token,
      refresh_token: answer.refresh_token,
    });
  });

  it('a read-only file system: doctor --fix and login say so in one line, before any browser', async () => {
    const { podio, sandbox } = await startSandbox();
    sandbox.storeLogin(inAnHour());
    chmodSync(sandbox.configFile, 0o644);
    const ro = spawnSync('mount', ['--bind', '-o', 'ro', sandbox.configDir, sandbox.configDir]);
    expect(ro.status).toBe(0);
    onTestFinished(() => void spawnSync('umount', ['-l', sandbox.configDir]));
    spawnSync('mount', ['-o', 'remount,bind,ro', sandbox.configDir]);
    const fix = await runMain(['doctor', '--fix'], sandbox.env());
    expect(fix.code).toBe(1);
    expect(fix.stdout).toMatch(/Could not change the mode of .* \(EROFS\)/);
    const login = await runMain(['login', '--profile', 'other'], sandbox.env());
    expect(login.code).toBe(1);
    expect(errorLines(login)).toEqual([expect.stringMatching(/Could not write .*config\.json \(EROFS\)/)]);
    expect(podio.authorizeRequests).toHaveLength(0);
  });
});
