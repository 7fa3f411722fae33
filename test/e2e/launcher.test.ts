import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { fastBundleFor } from '../../src/fast-route.js';
import { inAnHour, ROOT, startSandbox } from '../support/cli.js';
import { runCliOpening, straceMissing } from '../support/opened-files.js';

/** The launcher (bin/podio-auth.js) when the build it loads is missing or broken. */

describe('a launcher that cannot load what it needs', () => {
  it('says so in one line, exit 1: a hint to build when nothing is built, the reason otherwise', async () => {
    const root = mkdtempSync(join(tmpdir(), 'podio-auth-unbuilt-'));
    onTestFinished(() => rmSync(root, { recursive: true, force: true }));
    cpSync(join(ROOT, 'bin'), join(root, 'bin'), { recursive: true });
    cpSync(join(ROOT, 'package.json'), join(root, 'package.json'));
    const launcher = join(root, 'bin', 'podio-auth.js');
    const run = (args: string[]) =>
      spawnSync(process.execPath, [launcher, ...args], { encoding: 'utf8', env: { PATH: process.env['PATH'] } });
    for (const args of [['token'], ['status']]) {
      const unbuilt = run(args);
      expect(unbuilt.status).toBe(1);
      expect(unbuilt.stderr).toBe(
        '✗ podio-auth is not built yet.\nRun `npm run build` in its folder first (after `npm ci`).\n',
      );
    }
    // There, but not loadable: the reason, in one line.
    mkdirSync(join(root, 'dist', 'cli'), { recursive: true });
    writeFileSync(join(root, 'dist', 'fast-token.cjs'), 'not javascript');
    writeFileSync(join(root, 'dist', 'cli', 'cli.js'), 'not javascript');
    for (const args of [['token'], ['status']]) {
      const broken = run(args);
      expect(broken.status).toBe(1);
      expect(broken.stderr).toMatch(/^✗ podio-auth could not start: [^\n]+\.\n$/);
    }
  });
});

describe('the bundle the launcher loads', () => {
  it.skipIf(straceMissing())('is the one the rule in src/fast-route.ts names, or none', async () => {
    const { sandbox } = await startSandbox();
    sandbox.storeLogin(inAnHour());
    const lines = [
      ['token'],
      ['token', '--help'],
      ['exec', '--', 'true', '-h'],
      ['exec', '-h', '--', 'true'],
      ['export', '--format', 'shell'],
      ['help', 'login'],
      ['login', '-h'],
      ['status', '--', '-h'],
      ['profiles'],
    ];
    for (const argv of lines) {
      const { opened } = await runCliOpening(argv, sandbox.env());
      const bundles = opened
        .filter((file) => /dist\/fast-[a-z]+\.cjs$/.test(file))
        .map((file) => /fast-([a-z]+)/.exec(file)?.[1]);
      const expected = fastBundleFor(argv);
      expect(bundles, argv.join(' ')).toEqual(expected === undefined ? [] : [expected]);
    }
  });
});

describe('the compile cache (Node 22 and later: module.enableCompileCache)', () => {
  const hasCompileCache =
    typeof (process.getBuiltinModule('node:module') as { enableCompileCache?: unknown }).enableCompileCache ===
    'function';
  const cacheOf = (cacheHome: string) => join(cacheHome, 'podio-auth', 'compile-cache');

  it.skipIf(!hasCompileCache)("is kept in this user's own cache directory", async () => {
    const { sandbox } = await startSandbox();
    sandbox.storeLogin(inAnHour());
    const cacheHome = join(sandbox.root, 'own-cache');
    mkdirSync(cacheHome, { mode: 0o700 });
    const result = spawnSync(process.execPath, [join(ROOT, 'bin', 'podio-auth.js'), 'token'], {
      env: sandbox.env({ XDG_CACHE_HOME: cacheHome }) as NodeJS.ProcessEnv,
      encoding: 'utf8',
    });
    expect(result).toMatchObject({ status: 0, stderr: '' });
    expect(readdirSync(cacheOf(cacheHome)).length).toBeGreaterThan(0);
  });

  it.skipIf(!hasCompileCache || process.getuid?.() !== 0)(
    "is never put in a directory of another user's, or one others may write to",
    async () => {
      const { sandbox } = await startSandbox();
      sandbox.storeLogin(inAnHour());
      const theirs = join(sandbox.root, 'their-cache');
      mkdirSync(theirs, { mode: 0o700 });
      chownSync(theirs, 12345, 12345);
      const shared = join(sandbox.root, 'shared-cache');
      mkdirSync(shared);
      chmodSync(shared, 0o777);
      for (const cacheHome of [theirs, shared]) {
        const result = spawnSync(process.execPath, [join(ROOT, 'bin', 'podio-auth.js'), 'token'], {
          env: sandbox.env({ XDG_CACHE_HOME: cacheHome }) as NodeJS.ProcessEnv,
          encoding: 'utf8',
        });
        expect(result).toMatchObject({ status: 0, stderr: '' });
        expect(existsSync(join(cacheHome, 'podio-auth')), cacheHome).toBe(false);
      }
    },
  );
});
