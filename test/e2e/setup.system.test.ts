import { spawn } from 'node:child_process';
import {
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { dirname, join, relative, sep } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { VERSION } from '../../src/version.js';
import { aMinuteAgo, type CliResult, ROOT, startSandbox } from '../support/cli.js';
import { APP } from '../support/fake-podio.js';

/**
 * The set-up a newcomer follows, run as written: `npm pack` in the clone builds the package, and installing it
 * puts a `podio-auth` on PATH (in a throwaway prefix) that works with no registry and no clone; and the GitHub
 * Actions example's shell lines run, against the emulator. npm works offline throughout: it is given no registry it
 * could reach.
 */

/** The documents the set-up is read from: the README, then the pages under docs/. */
const DOCUMENTS = [
  'README.md',
  ...readdirSync(join(ROOT, 'docs'))
    .filter((file) => file.endsWith('.md'))
    .map((file) => join('docs', file)),
];
const INSTALL_LINE = 'npm install -g ./podio-auth-*.tgz';
const CI_MARKER = '- name: Install podio-auth';

function throwaway(name: string): string {
  const dir = mkdtempSync(join(tmpdir(), `podio-auth-${name}-`));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** An environment with nothing of this process's npm in it: the PATH a user has, plus what is given. */
function userEnv(home: string, extra: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  return {
    PATH: [dirname(process.execPath), '/usr/local/bin', '/usr/bin', '/bin'].join(':'),
    HOME: home,
    LANG: 'C.UTF-8',
    // npm makes no request at all ("only-if-cached"): anything it needs must already be here.
    npm_config_offline: 'true',
    npm_config_update_notifier: 'false',
    npm_config_audit: 'false',
    npm_config_fund: 'false',
    ...extra,
  };
}

function run(
  command: string,
  args: string[],
  options: { cwd: string; env: Record<string, string | undefined> },
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env as NodeJS.ProcessEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/** A shell line as GitHub's runner runs `run:` steps on Linux: bash, -e, -o pipefail, no profile. */
function bash(script: string, options: { cwd: string; env: Record<string, string | undefined> }): Promise<CliResult> {
  return run('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', script], options);
}

function documentWith(marker: string): { file: string; text: string } {
  for (const file of DOCUMENTS) {
    const path = join(ROOT, file);
    if (!existsSync(path)) continue;
    const text = readFileSync(path, 'utf8');
    if (text.includes(marker)) return { file, text };
  }
  throw new Error(`no document has ${marker}`);
}

interface Step {
  uses?: string;
  with: Record<string, string>;
  run?: string;
  env: Record<string, string>;
}

/** The steps of the one job of a workflow written as in the README (block scalars for multi-line `run`). */
function workflowSteps(yaml: string): Step[] {
  const lines = yaml.split('\n');
  const steps: Step[] = [];
  const start = lines.findIndex((line) => /^\s*steps:\s*$/.test(line));
  let step: Step | undefined;
  let section: 'with' | 'env' | undefined;
  for (let i = start + 1; i < lines.length; i++) {
    const line = lines[i] as string;
    if (!line.trim()) continue;
    const item = /^(\s*)- (.*)$/.exec(line);
    const body = item ? item[2] : line.trim();
    if (item) {
      step = { with: {}, env: {} };
      steps.push(step);
      section = undefined;
    }
    if (!step) continue;
    const pair = /^([\w-]+):\s*(.*)$/.exec(body as string);
    if (!pair) continue;
    const [, key, value] = pair as unknown as [string, string, string];
    if (key === 'with' || key === 'env') section = key;
    else if (key === 'uses') step.uses = value;
    else if (key === 'run' && value === '|') {
      const indent = (/^\s*/.exec(lines[i + 1] as string) as RegExpExecArray)[0].length;
      const block: string[] = [];
      while (
        i + 1 < lines.length &&
        (/^\s*$/.test(lines[i + 1] as string) || lines[i + 1]?.startsWith(' '.repeat(indent)))
      )
        block.push((lines[++i] as string).slice(indent));
      step.run = block.join('\n').trim();
      section = undefined;
    } else if (key === 'run') {
      step.run = value;
      section = undefined;
    } else if (section && !item) step[section][key] = value.replace(/^'(.*)'$/, '$1');
  }
  return steps;
}

/** The clone as `actions/checkout` (or `git clone`) leaves it: the sources, none of what npm ci makes. */
function checkoutOfThisRepository(destination: string): void {
  const generated = new Set(['node_modules', 'dist', '.git', 'test-artifacts', 'coverage']);
  cpSync(ROOT, destination, {
    recursive: true,
    filter: (source) => !generated.has(relative(ROOT, source).split(sep)[0] as string),
  });
}

describe('set-up from a clone', () => {
  it('`npm pack` makes a package that installs into a fresh prefix offline, runs no script, and works', async () => {
    const guide = documentWith(INSTALL_LINE);
    expect(guide.file).toBe('README.md');
    expect(guide.text).toMatch(/^npm ci && npm pack\s/m);
    const home = throwaway('home');
    const prefix = join(home, 'prefix');
    // An empty npm cache and no registry: the package must need neither.
    const env = userEnv(home, { npm_config_cache: join(home, 'npm-cache') });
    // The clone, its dependencies as `npm ci` leaves them (the GitHub Actions test below runs `npm ci` for real).
    const clone = join(home, 'podio-auth');
    checkoutOfThisRepository(clone);
    symlinkSync(join(ROOT, 'node_modules'), join(clone, 'node_modules'));
    const pack = await bash('npm pack', { cwd: clone, env });
    expect(pack.code, pack.stderr).toBe(0);
    const tarball = join(clone, `podio-auth-${VERSION}.tgz`);
    expect(pack.stdout.trim().split('\n').at(-1)).toBe(`podio-auth-${VERSION}.tgz`);

    const listing = await run('tar', ['tzf', tarball], { cwd: home, env });
    const files = listing.stdout.trim().split('\n');
    expect(files).toEqual(expect.arrayContaining(['package/LICENSE', 'package/README.md', 'package/dist/index.js']));
    expect(files).toEqual(expect.arrayContaining(['package/dist/index.d.ts', 'package/dist/cli/cli.js']));
    // No source map without its source, no sources, and no module both on its own and in the bundle.
    expect(files.filter((file) => /\.map$|^package\/src\/|^package\/dist\/(main|cli-entry)\.js$/.test(file))).toEqual(
      [],
    );
    const manifest = JSON.parse(
      (await run('tar', ['xzOf', tarball, 'package/package.json'], { cwd: home, env })).stdout,
    ) as { dependencies?: object; optionalDependencies?: object; scripts?: Record<string, string> };
    expect(manifest.dependencies).toBeUndefined();
    expect(Object.keys(manifest.optionalDependencies ?? {})).toEqual(['@napi-rs/keyring']);
    expect(Object.keys(manifest.scripts ?? {})).not.toEqual(
      expect.arrayContaining([expect.stringMatching(/^(pre|post)?install$|^prepare$/)]),
    );

    const line = INSTALL_LINE.replace('npm install -g', `npm install -g --prefix '${prefix}'`);
    const install = await bash(line, { cwd: clone, env });
    expect(install.code, install.stderr).toBe(0);
    expect(install.stderr).not.toMatch(/install-scripts|prepare|npm run build/);
    // A copy, not a link to the clone: the clone can go.
    const installed = join(prefix, 'lib', 'node_modules', 'podio-auth');
    expect(lstatSync(installed).isSymbolicLink()).toBe(false);
    // The Redis client is in the package once: in one chunk of the bundle, not also under node_modules.
    const chunks = readdirSync(join(installed, 'dist', 'chunks'));
    const withRedis = chunks.filter((file) =>
      readFileSync(join(installed, 'dist', 'chunks', file), 'utf8').includes('VerbatimString'),
    );
    expect(withRedis).toHaveLength(1);
    expect(existsSync(join(installed, 'node_modules', 'redis'))).toBe(false);
    rmSync(clone, { recursive: true, force: true });

    const bin = join(prefix, 'bin', 'podio-auth');
    const version = await run(bin, ['--version'], { cwd: home, env });
    expect(version).toMatchObject({ code: 0, stdout: `${VERSION}\n` });

    // The browser login, token and status, from the bare command on PATH, against a fake Podio on loopback.
    const { podio, sandbox } = await startSandbox();
    const elsewhere = join(home, 'elsewhere');
    mkdirSync(elsewhere);
    const onPath = { ...sandbox.env(), ...userEnv(home), PATH: `${join(prefix, 'bin')}:${userEnv(home)['PATH']}` };
    const session = await bash('command -v podio-auth; podio-auth login; podio-auth token; podio-auth status', {
      cwd: elsewhere,
      env: onPath,
    });
    expect(session.code, session.stderr).toBe(0);
    const [where, token] = session.stdout.split('\n');
    expect(where).toBe(bin);
    expect(token).toBe(sandbox.readConfig().profiles['default']?.['access_token']);
    expect(session.stdout).toMatch(/^Logged in as: +Ada/m);
    expect(podio.authorizeRequests).toHaveLength(1);

    // A keyring profile, from the CLI and from the library: the vault finds its helper program in the installed
    // package and the helper answers (the native module is an optional dependency an offline install may skip).
    sandbox.writeConfig({ profiles: { default: { client_id: 'c', store: 'keyring', expires_at: aMinuteAgo() } } });
    const noBus = { ...onPath, DBUS_SESSION_BUS_ADDRESS: undefined, XDG_RUNTIME_DIR: undefined };
    const library = `import(${JSON.stringify(join(installed, 'dist', 'index.js'))}).then((podioAuth) =>
      podioAuth.getAccessToken()).catch((error) => { console.error('✗ ' + error.message); process.exitCode = 1; });`;
    const helperAnswered =
      /^✗ Keyring unavailable: (the keyring module \(@napi-rs\/keyring\) could not be loaded|no D-Bus session bus)/m;
    for (const [command, args] of [
      ['podio-auth', ['token']],
      [process.execPath, ['--input-type=module', '-e', library]],
    ] as const) {
      const keyring = await run(command, [...args], { cwd: elsewhere, env: noBus });
      expect(keyring.code, keyring.stderr).toBe(1);
      expect(keyring.stderr).toMatch(helperAnswered);
      expect(keyring.stderr).not.toMatch(/helper (process|program)/);
    }

    // The installed emulator, and token and exec against it in env-only mode (an app login).
    const emulator = spawn(bin, ['emulator'], { cwd: home, env: env as NodeJS.ProcessEnv, stdio: 'pipe' });
    onTestFinished(() => void emulator.kill('SIGKILL'));
    let exports = '';
    emulator.stdout.setEncoding('utf8');
    await new Promise<void>((resolve, reject) => {
      emulator.once('exit', () => reject(new Error('the emulator ended')));
      emulator.stdout.on('data', (chunk: string) => {
        exports += chunk;
        if (exports.includes('PODIO_CLIENT_SECRET=')) resolve();
      });
    });
    const apiUrl = /^export PODIO_API_URL=(\S+)$/m.exec(exports)?.[1] as string;
    expect(apiUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const appEnv = {
      ...env,
      PODIO_API_URL: apiUrl,
      PODIO_CLIENT_ID: 'demo-client',
      PODIO_CLIENT_SECRET: 'demo-secret-0123456789',
      PODIO_APP_ID: '777',
      PODIO_APP_TOKEN: 'app-token-0123456789abcdef',
    };
    const appToken = await run(bin, ['token'], { cwd: home, env: appEnv });
    expect(appToken.code, appToken.stderr).toBe(0);
    expect(appToken.stdout).toMatch(/^\S{20,}\n$/);
    const exec = await run(
      bin,
      ['exec', '--', process.execPath, '-e', 'process.stdout.write(process.env.PODIO_ACCESS_TOKEN ? "ok" : "none")'],
      { cwd: home, env: appEnv },
    );
    expect(exec).toMatchObject({ code: 0, stdout: 'ok' });
    const ended = new Promise((resolve) => emulator.once('exit', (code, signal) => resolve(code ?? signal)));
    emulator.kill('SIGINT');
    expect(await ended).not.toBe('SIGKILL');

    const uninstall = await run('npm', ['uninstall', '-g', '--prefix', prefix, 'podio-auth'], { cwd: home, env });
    expect(uninstall.code, uninstall.stderr).toBe(0);
    expect(existsSync(bin)).toBe(false);
  }, 240_000);

  it("the GitHub Actions example's steps install the tool they run and sync with env-only credentials", async () => {
    const { text } = documentWith(CI_MARKER);
    const yaml = /```yaml\n([\s\S]*?)```/g;
    const block = [...text.matchAll(yaml)].map((match) => match[1] as string).find((b) => b.includes(CI_MARKER));
    const steps = workflowSteps(block as string);
    // Set up on the current LTS.
    expect((steps[1] as Step).with).toMatchObject({ 'node-version': '24' });
    expect(steps.map((step) => step.uses ?? 'run')).toEqual([
      'actions/checkout@v4',
      'actions/setup-node@v4',
      'actions/checkout@v4',
      'run',
      'run',
    ]);
    const toolCheckout = steps[2] as Step;
    expect(toolCheckout.with).toMatchObject({
      repository: expect.stringMatching(/\/podio-auth$/),
      path: '.podio-auth',
    });
    for (const step of steps) expect(step.run ?? '').not.toMatch(/\bnpx\b/);
    // Secrets only where they are used: not on the install step.
    expect((steps[3] as Step).env).toEqual({});

    const { podio } = await startSandbox();
    const home = throwaway('runner');
    const workspace = join(home, 'workspace');
    // The job's own repository (the first checkout): a sync program that uses the token it is given.
    mkdirSync(join(workspace, 'scripts'), { recursive: true });
    writeFileSync(
      join(workspace, 'scripts', 'sync.mjs'),
      `const api = process.env.PODIO_API_URL ?? 'https://api.podio.com';
const answer = await fetch(api + '/oauth/scope', { headers: { authorization: 'OAuth2 ' + process.env.PODIO_ACCESS_TOKEN } });
const leaked = ['PODIO_CLIENT_SECRET', 'PODIO_APP_TOKEN'].filter((name) => process.env[name]);
console.log('sync: Podio answered ' + answer.status + '; secrets in my environment: ' + (leaked.join(', ') || 'none'));
process.exitCode = answer.ok ? 0 : 1;
`,
    );
    // The second checkout: this repository, at its path.
    checkoutOfThisRepository(join(workspace, toolCheckout.with['path'] as string));
    const secrets: Record<string, string> = {
      PODIO_CLIENT_ID: podio.options.clientId,
      PODIO_CLIENT_SECRET: podio.options.clientSecret,
      PODIO_APP_ID: APP.app_id,
      PODIO_APP_TOKEN: APP.app_token,
    };
    const runner = userEnv(home, {
      // npm ci installs what the lockfile names from the local cache that installed this clone.
      npm_config_cache: process.env['npm_config_cache'] || join(homedir(), '.npm'),
      // The runner's global prefix, writable as on GitHub's runners (setup-node's toolcache).
      npm_config_prefix: join(home, 'toolcache'),
      GITHUB_ACTIONS: 'true',
      CI: 'true',
    });
    runner['PATH'] = `${join(home, 'toolcache', 'bin')}:${runner['PATH']}`;
    const results: CliResult[] = [];
    for (const step of steps.filter((s) => s.run !== undefined)) {
      const stepEnv: Record<string, string | undefined> = { ...runner };
      for (const [name, value] of Object.entries(step.env)) {
        const secret = /^\$\{\{\s*secrets\.(\w+)\s*\}\}$/.exec(value)?.[1];
        expect(secret && secrets[secret], `${name}: ${value}`).toBeTruthy();
        stepEnv[name] = secrets[secret as string];
      }
      // Where a real job meets Podio, this one meets the emulator.
      if (Object.keys(step.env).length > 0) stepEnv['PODIO_API_URL'] = podio.url;
      const result = await bash(step.run as string, { cwd: workspace, env: stepEnv });
      expect(result.code, `${step.run}\n${result.stderr}`).toBe(0);
      results.push(result);
    }
    const [install, sync] = results as [CliResult, CliResult];
    expect(install.stdout.trim().split('\n').at(-1)).toBe(VERSION);
    expect(sync.stdout).toBe('sync: Podio answered 200; secrets in my environment: none\n');
    const token = /^::add-mask::(\S+)$/m.exec(sync.stderr)?.[1];
    expect(token && podio.isValidAccessToken(token)).toBe(true);
    for (const secret of [podio.options.clientSecret, APP.app_token]) {
      for (const result of results) expect(result.stdout + result.stderr).not.toContain(secret);
    }
    expect(podio.grants('app')).toHaveLength(1);
  }, 240_000);
});
