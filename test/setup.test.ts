import { spawn } from 'node:child_process';
import { cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { dirname, join, relative, sep } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { VERSION } from '../src/version.js';
import { type CliResult, ROOT, startSandbox } from './support/cli.js';
import { APP } from './support/fake-podio.js';

/**
 * The set-up a newcomer follows, run as written: `npm install -g .` from the clone puts a `podio-auth` on PATH
 * (in a throwaway prefix), and the GitHub Actions example's shell lines run, against the emulator. npm works
 * offline throughout: it is given no registry it could reach.
 */

/** The documents the set-up is read from: the README once the guide is merged into it, else the guide. */
const DOCUMENTS = ['README.md', 'docs-draft/newcomer.md'];
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
  it('`npm install -g .` puts podio-auth on PATH, and the bare commands work from anywhere', async () => {
    const guide = documentWith('npm install -g .');
    expect(guide.text).toMatch(/^npm install -g \.\s/m);
    const { podio, sandbox } = await startSandbox();
    const home = throwaway('home');
    const prefix = join(home, 'prefix');
    // An empty npm cache: installing from the clone needs nothing from the registry.
    const env = userEnv(home, { npm_config_cache: join(home, 'npm-cache') });
    // As written, with a prefix of its own; and without the `prepare` script, which would rebuild dist/ under the
    // feet of the tests running beside this one (`npm ci` has built it, as the README's previous line does).
    const install = await run('npm', ['install', '-g', '--prefix', prefix, '--ignore-scripts', '.'], {
      cwd: ROOT,
      env,
    });
    expect(install.code, install.stderr).toBe(0);
    // A link to the clone, so that `git pull && npm ci` updates the command.
    expect(lstatSync(join(prefix, 'lib', 'node_modules', 'podio-auth')).isSymbolicLink()).toBe(true);

    const version = await run(join(prefix, 'bin', 'podio-auth'), ['--version'], { cwd: home, env });
    expect(version).toMatchObject({ code: 0, stdout: `${VERSION}\n` });

    const elsewhere = join(home, 'elsewhere');
    mkdirSync(elsewhere);
    const onPath = { ...sandbox.env(), ...userEnv(home), PATH: `${join(prefix, 'bin')}:${userEnv(home)['PATH']}` };
    const session = await bash('command -v podio-auth; podio-auth login; podio-auth token; podio-auth status', {
      cwd: elsewhere,
      env: onPath,
    });
    expect(session.code, session.stderr).toBe(0);
    const [where, token] = session.stdout.split('\n');
    expect(where).toBe(join(prefix, 'bin', 'podio-auth'));
    expect(token).toBe(sandbox.readConfig().profiles['default']?.['access_token']);
    expect(session.stdout).toMatch(/^Logged in as: +Ada/m);
    expect(podio.authorizeRequests).toHaveLength(1);

    const uninstall = await run('npm', ['uninstall', '-g', '--prefix', prefix, 'podio-auth'], { cwd: home, env });
    expect(uninstall.code, uninstall.stderr).toBe(0);
    expect(existsSync(join(prefix, 'bin', 'podio-auth'))).toBe(false);
    expect(existsSync(join(ROOT, 'bin', 'podio-auth.js'))).toBe(true);
  });

  it("the GitHub Actions example's steps install the tool they run and sync with env-only credentials", async () => {
    const { text } = documentWith(CI_MARKER);
    const yaml = /```yaml\n([\s\S]*?)```/g;
    const block = [...text.matchAll(yaml)].map((match) => match[1] as string).find((b) => b.includes(CI_MARKER));
    const steps = workflowSteps(block as string);
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
