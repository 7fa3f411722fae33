import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { fastBundleFor } from '../../src/fast-route.js';
import { inAnHour, ROOT, type Sandbox, startSandbox } from '../support/cli.js';
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

describe('a Node older than podio-auth supports', () => {
  it('is named in one line, exit 1, with the fix', () => {
    const dir = mkdtempSync(join(tmpdir(), 'podio-auth-old-node-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    // What Node before 20.16 lacks, the first of what podio-auth uses.
    const older = join(dir, 'older.cjs');
    writeFileSync(older, 'delete process.getBuiltinModule;\n');
    const result = spawnSync(process.execPath, ['--require', older, join(ROOT, 'bin', 'podio-auth.js'), 'token'], {
      encoding: 'utf8',
      env: { PATH: process.env['PATH'], HOME: dir },
    });
    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(
      `✗ podio-auth needs Node.js 20.19 or newer; this is ${process.version}.\nInstall a current LTS from https://nodejs.org.\n`,
    );
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

describe('the compile cache', () => {
  // The fast bundles: V8's code cache, kept by the launcher (vm.Script's cachedData). The full CLI, on Node 22 and
  // later: Node's own (module.enableCompileCache).
  const nodeKeepsOne =
    typeof (process.getBuiltinModule('node:module') as { enableCompileCache?: unknown }).enableCompileCache ===
    'function';
  const cacheOf = (cacheHome: string) => join(cacheHome, 'podio-auth', 'compile-cache');
  // Bounded: a cache that made a command wait would otherwise hang the suite.
  const run = (sandbox: Sandbox, cacheHome: string, args: string[]) =>
    spawnSync(process.execPath, [join(ROOT, 'bin', 'podio-auth.js'), ...args], {
      env: sandbox.env({ XDG_CACHE_HOME: cacheHome }) as NodeJS.ProcessEnv,
      encoding: 'utf8',
      timeout: 20_000,
    });

  it("is kept in this user's own cache directory, private", async () => {
    const { sandbox } = await startSandbox();
    const tokens = sandbox.storeLogin(inAnHour());
    const cacheHome = join(sandbox.root, 'own-cache');
    mkdirSync(cacheHome, { mode: 0o700 });
    expect(run(sandbox, cacheHome, ['token'])).toMatchObject({ stdout: `${tokens.access_token}\n`, stderr: '' });
    const dir = cacheOf(cacheHome);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    const files = readdirSync(dir);
    expect(files).toEqual([expect.stringMatching(/fast-token\.cjs\.cache$/)]);
    expect(statSync(join(dir, files[0] as string)).mode & 0o777).toBe(0o600);
    // The full CLI (the fast path answers `token` with no option).
    expect(run(sandbox, cacheHome, ['token', '--json'])).toMatchObject({ status: 0, stderr: '' });
    expect(readdirSync(dir).length).toBe(nodeKeepsOne ? 2 : 1);
  });

  it.skipIf(!nodeKeepsOne)(
    "is not used while anything but a file is in it: Node's reads of a FIFO would hang",
    async () => {
      const { sandbox } = await startSandbox();
      sandbox.storeLogin(inAnHour());
      const cacheHome = join(sandbox.root, 'own-cache');
      mkdirSync(cacheHome, { mode: 0o700 });
      expect(run(sandbox, cacheHome, ['profiles'])).toMatchObject({ status: 0, stderr: '' });
      const nodes = readdirSync(cacheOf(cacheHome), { withFileTypes: true }).filter((entry) => entry.isDirectory());
      expect(nodes).toHaveLength(1);
      const versionDir = join(cacheOf(cacheHome), nodes[0]!.name);
      const files = readdirSync(versionDir);
      expect(files.length).toBeGreaterThan(0);
      for (const file of files) {
        rmSync(join(versionDir, file));
        expect(spawnSync('mkfifo', ['-m', '600', join(versionDir, file)]).status).toBe(0);
      }
      const again = run(sandbox, cacheHome, ['profiles']);
      expect(again.error).toBeUndefined();
      expect(again).toMatchObject({ status: 0, stderr: '' });
    },
  );

  it('is used only where no directory above it may be changed by others, short of a sticky one (/tmp)', async () => {
    const { sandbox } = await startSandbox();
    const tokens = sandbox.storeLogin(inAnHour());
    const underShared = (mode: number) => {
      const parent = join(sandbox.root, `parent-${mode.toString(8)}`);
      mkdirSync(parent);
      chmodSync(parent, mode);
      const cacheHome = join(parent, 'cache');
      mkdirSync(cacheHome, { mode: 0o700 });
      for (const args of [['token'], ['token', '--json']]) {
        expect(run(sandbox, cacheHome, args)).toMatchObject({ status: 0, stderr: '' });
      }
      return existsSync(cacheOf(cacheHome)) ? readdirSync(cacheOf(cacheHome)) : readdirSync(cacheHome);
    };
    // Others could put a directory of theirs in its place between the check and Node's reads. Nothing is made there.
    expect(underShared(0o777)).toEqual([]);
    expect(underShared(0o1777)).toContainEqual(expect.stringMatching(/fast-token\.cjs\.cache$/));
    expect(run(sandbox, join(sandbox.root, 'parent-1777', 'cache'), ['token']).stdout).toBe(`${tokens.access_token}\n`);
  });

  it.skipIf(process.getuid?.() !== 0)(
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
        expect(run(sandbox, cacheHome, ['token'])).toMatchObject({ status: 0, stderr: '' });
        expect(existsSync(join(cacheHome, 'podio-auth')), cacheHome).toBe(false);
      }
    },
  );

  it.skipIf(process.getuid?.() !== 0)(
    'is never put in, nor read from, a podio-auth or compile-cache directory of another user or that others may write to',
    async () => {
      const { sandbox } = await startSandbox();
      sandbox.storeLogin(inAnHour());
      const cases: [string, (cacheHome: string) => void][] = [
        ['podio-auth open to all', (home) => chmodSync(join(home, 'podio-auth'), 0o777)],
        ['compile-cache open to all', (home) => chmodSync(cacheOf(home), 0o777)],
        ["podio-auth another user's", (home) => chownSync(join(home, 'podio-auth'), 12345, 12345)],
        ["compile-cache another user's", (home) => chownSync(cacheOf(home), 12345, 12345)],
      ];
      for (const [what, spoil] of cases) {
        const cacheHome = join(sandbox.root, what.replace(/\W+/g, '-'));
        mkdirSync(cacheOf(cacheHome), { recursive: true, mode: 0o700 });
        chmodSync(cacheHome, 0o700);
        spoil(cacheHome);
        // The fast path, and the full CLI (where Node keeps its own cache, on Node 22 and later).
        expect(run(sandbox, cacheHome, ['token'])).toMatchObject({ status: 0, stderr: '' });
        expect(run(sandbox, cacheHome, ['token', '--json'])).toMatchObject({ status: 0, stderr: '' });
        expect(readdirSync(cacheOf(cacheHome)), what).toEqual([]);
      }
    },
  );
});

describe('the code cache of the fast bundles', () => {
  /** A copy of the launcher and the build, so that its bundle can be rebuilt here; and a private cache home. */
  async function copiedBuild() {
    const { sandbox } = await startSandbox();
    const tokens = sandbox.storeLogin(inAnHour());
    const root = join(sandbox.root, 'package');
    cpSync(join(ROOT, 'bin'), join(root, 'bin'), { recursive: true });
    cpSync(join(ROOT, 'dist'), join(root, 'dist'), { recursive: true });
    const cacheHome = join(sandbox.root, 'cache-home');
    mkdirSync(cacheHome, { mode: 0o700 });
    const dir = join(cacheHome, 'podio-auth', 'compile-cache');
    const tokenFrom = (copy: string) =>
      spawnSync(process.execPath, [join(copy, 'bin', 'podio-auth.js'), 'token'], {
        env: sandbox.env({ XDG_CACHE_HOME: cacheHome }) as NodeJS.ProcessEnv,
        encoding: 'utf8',
      });
    const token = () => tokenFrom(root);
    const answers = { status: 0, stdout: `${tokens.access_token}\n`, stderr: '' };
    const cacheFile = () => {
      const files = readdirSync(dir);
      expect(files).toHaveLength(1);
      return join(dir, files[0] as string);
    };
    return { root, dir, token, tokenFrom, answers, cacheFile };
  }

  it('is written once, and then used as it is', async () => {
    const { token, answers, cacheFile } = await copiedBuild();
    expect(token()).toMatchObject(answers);
    const written = statSync(cacheFile());
    expect(token()).toMatchObject(answers);
    // Not written again (a cache V8 rejected, or one of another build, is replaced by a new file).
    expect(statSync(cacheFile())).toMatchObject({ ino: written.ino, mtimeMs: written.mtimeMs });
  });

  it('is never used for another build of the bundle, nor when it is damaged', async () => {
    const { root, token, answers, cacheFile } = await copiedBuild();
    expect(token()).toMatchObject(answers);
    const first = statSync(cacheFile());
    // Another build of the same length: V8 itself checks little more than the length of the code it is given.
    // Written in place, its times put back: all that is left to tell it apart is the code.
    const bundle = join(root, 'dist', 'fast-token.cjs');
    const { atime, mtime, ino, size } = statSync(bundle);
    const rebuilt =
      "module.exports={run:()=>({kind:'print',stdout:'rebuilt\\n'}),isTerminal:()=>false,outputFailedExit:()=>1};";
    writeFileSync(bundle, `${rebuilt}//${'x'.repeat(size - rebuilt.length - 2)}`);
    utimesSync(bundle, atime, mtime);
    const now = statSync(bundle);
    expect({ ino: now.ino, size: now.size, mtime: Math.round(now.mtimeMs) }).toEqual({
      ino,
      size,
      mtime: mtime.getTime(),
    });
    expect(token()).toMatchObject({ status: 0, stdout: 'rebuilt\n' });
    const second = statSync(cacheFile());
    expect(second.ino).not.toBe(first.ino);
    expect(token()).toMatchObject({ status: 0, stdout: 'rebuilt\n' });
    writeFileSync(bundle, readFileSync(join(ROOT, 'dist', 'fast-token.cjs')));
    // Damaged: the stamp kept, the code cut short, then garbage.
    const cache = readFileSync(cacheFile());
    writeFileSync(cacheFile(), cache.subarray(0, cache.length >> 1));
    expect(token()).toMatchObject(answers);
    writeFileSync(cacheFile(), 'not a cache');
    expect(token()).toMatchObject(answers);
    expect(readFileSync(cacheFile()).length).toBeGreaterThan(cache.length >> 1);
  });

  it("is kept for each installed copy: two used in turn do not replace each other's", async () => {
    const { root, tokenFrom, answers, dir } = await copiedBuild();
    const other = `${root}-other`;
    cpSync(root, other, { recursive: true });
    for (const copy of [root, other]) expect(tokenFrom(copy)).toMatchObject(answers);
    const kept = () => readdirSync(dir).map((file) => statSync(join(dir, file)).ino);
    const written = kept();
    expect(written).toHaveLength(2);
    for (const copy of [root, other, root]) expect(tokenFrom(copy)).toMatchObject(answers);
    expect(kept()).toEqual(written);
  });

  it.skipIf(process.getuid?.() !== 0)("is not read from a file that is not this user's", async () => {
    const { token, answers, cacheFile } = await copiedBuild();
    expect(token()).toMatchObject(answers);
    chownSync(cacheFile(), 12345, 12345);
    expect(token()).toMatchObject(answers);
    // Passed over, and replaced by one of this user's.
    expect(statSync(cacheFile()).uid).toBe(0);
  });
});

describe('a fast command that has answered', () => {
  it("ends the process at once, unless a preloaded module asked to hear of the process's end first", async () => {
    const { sandbox } = await startSandbox();
    const tokens = sandbox.storeLogin(inAnHour());
    const preload = join(sandbox.root, 'preload.cjs');
    writeFileSync(
      preload,
      "process.on('beforeExit', () => process.stderr.write('before exit\\n'));\n" +
        "process.on('exit', () => process.stderr.write('exit\\n'));\n",
    );
    const result = spawnSync(process.execPath, [join(ROOT, 'bin', 'podio-auth.js'), 'token'], {
      env: sandbox.env({ NODE_OPTIONS: `--require ${preload}` }) as NodeJS.ProcessEnv,
      encoding: 'utf8',
    });
    expect(result).toMatchObject({ status: 0, stdout: `${tokens.access_token}\n`, stderr: 'before exit\nexit\n' });
  });
});

describe('the build', () => {
  const builtFiles = () =>
    readdirSync(join(ROOT, 'dist'), { recursive: true, encoding: 'utf8' })
      .filter((file) => /\.(c|m)?js$/.test(file))
      .map((file) => ({ file, code: readFileSync(join(ROOT, 'dist', file), 'utf8') }));

  it("uses no internal of Node's: no process.binding, internalBinding or *_wrap handle", () => {
    for (const { file, code } of builtFiles())
      expect(code, file).not.toMatch(/process\.binding|internalBinding|\w+_wrap\b/);
  });

  it("imports none of Node's modules as an ES module (that builds the module's namespace, reading every export)", () => {
    // The bundles: the CLI and its chunks, the library, the keyring helper (the tests' set-up also writes dist/
    // module by module, which nothing installed loads).
    const esm = builtFiles().filter(({ file }) => /^(cli|chunks)\/|^index\.js$|^keyring-helper\.mjs$/.test(file));
    expect(esm.length).toBeGreaterThan(5);
    for (const { file, code } of esm) {
      expect(code, file).not.toMatch(
        /\bfrom\s*["'](node:)?(fs|http|https|net|tls|crypto|os|path|child_process|events)["']/,
      );
      expect(code, file).not.toMatch(/\bimport\s*\(\s*["']node:/);
    }
  });

  it("has the fast bundles require nothing but Node's own modules (the launcher gives them no other require)", () => {
    const fast = builtFiles().filter(({ file }) => /^fast-\w+\.cjs$/.test(file));
    expect(fast.map(({ file }) => file).sort()).toEqual([
      'fast-exec.cjs',
      'fast-export.cjs',
      'fast-help.cjs',
      'fast-token.cjs',
    ]);
    for (const { file, code } of fast) {
      const required = [...code.matchAll(/\brequire\(([^)]*)\)/g)].map((match) => match[1]);
      expect(required.length, file).toBeGreaterThan(0);
      for (const id of required) expect(id, file).toMatch(/^"node:[a-z_]+"$/);
    }
  });
});
