import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { expect, onTestFinished } from 'vitest';
import type { Deps } from '../../src/deps.js';
import type { PodioEmulator } from '../../src/emulator/podio-emulator.js';
import { main } from '../../src/main.js';
import { closeDeps, createDeps } from '../../src/real-deps.js';
import { visit } from './fake-browser.mjs';
import { type FakePodio, type FakePodioOptions, startFakePodio } from './fake-podio.js';

/** Runs the built CLI (`bin/podio-auth.js`) as a child process, as a user or a script would. */

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const BIN = join(ROOT, 'bin', 'podio-auth.js');
export const FAKE_BROWSER = join(ROOT, 'test', 'support', 'fake-browser.mjs');
/** BROWSER as a sandbox sets it: the fake browser, started as a process. */
const FAKE_BROWSER_COMMAND = `"${process.execPath}" "${FAKE_BROWSER}"`;

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunningCli {
  child: ChildProcess;
  /** Resolves once stderr has matched `pattern` (rejects if the process ends first). */
  waitForStderr(pattern: RegExp): Promise<RegExpMatchArray>;
  done: Promise<CliResult>;
}

export function startCli(args: string[], env: Record<string, string | undefined>, stdin?: string): RunningCli {
  return startProgram(process.execPath, [BIN, ...args], env, stdin);
}

/** `program argv…`, watched as startCli watches podio-auth: for podio-auth run under another program (strace). */
export function startProgram(
  program: string,
  argv: string[],
  env: Record<string, string | undefined>,
  stdin?: string,
): RunningCli {
  const child = spawn(program, argv, {
    env: env as NodeJS.ProcessEnv,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const watchers: { pattern: RegExp; resolve: (m: RegExpMatchArray) => void; reject: (e: Error) => void }[] = [];
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
    for (const watcher of [...watchers]) {
      const match = stderr.match(watcher.pattern);
      if (match) {
        watchers.splice(watchers.indexOf(watcher), 1);
        watcher.resolve(match);
      }
    }
  });
  if (stdin !== undefined) child.stdin?.end(stdin);
  const done = new Promise<CliResult>((resolve) => {
    child.on('close', (code, signal) => {
      for (const watcher of watchers)
        watcher.reject(new Error(`CLI exited (${code}) before stderr matched ${watcher.pattern}:\n${stderr}`));
      resolve({ code, signal, stdout, stderr });
    });
  });
  return {
    child,
    done,
    waitForStderr: (pattern) => {
      const match = stderr.match(pattern);
      if (match) return Promise.resolve(match);
      if (child.exitCode !== null) return Promise.reject(new Error(`CLI already exited:\n${stderr}`));
      return new Promise((resolve, reject) => watchers.push({ pattern, resolve, reject }));
    },
  };
}

export function runCli(args: string[], env: Record<string, string | undefined>, stdin = ''): Promise<CliResult> {
  return startCli(args, env, stdin).done;
}

export function runCliWith(
  program: string,
  argv: string[],
  env: Record<string, string | undefined>,
): Promise<CliResult> {
  return startProgram(program, argv, env, '').done;
}

export interface InProcessOptions {
  /** Pretend stdout / stderr / stdin are terminals. */
  stdoutIsTTY?: boolean;
  stderrIsTTY?: boolean;
  /** Replace parts of the real side effects (a fake clock, a resolver). */
  deps?: Partial<Deps>;
  signal?: AbortSignal;
}

/** An expiry an hour from now: a stored token that needs no refresh. */
export const inAnHour = (): Date => new Date(Date.now() + 3_600_000);
/** An expiry a minute ago: a stored token that must be refreshed. */
export const aMinuteAgo = (): Date => new Date(Date.now() - 60_000);

/**
 * A clock for `runMain` on which every wait (the browser's --timeout, a pause between retries) is over at once;
 * `waits` holds how long each asked for, in milliseconds.
 */
export function clockThatSkipsWaits(): { deps: Partial<Deps>; waits: number[] } {
  const waits: number[] = [];
  return {
    deps: {
      sleep: async (ms) => {
        waits.push(ms);
      },
    },
    waits,
  };
}

/** A clock for `runMain` on which every wait ends once `event` has happened (say, the browser has been and gone). */
export function waitsEndWhen(event: Promise<unknown>): Partial<Deps> {
  return {
    sleep: (_ms, signal) =>
      new Promise<void>((resolve, reject) => {
        signal.addEventListener('abort', () => reject(signal.reason), { once: true });
        event.then(() => resolve(), reject);
      }),
  };
}

/**
 * Runs `main(argv, deps)` in this process, with the real side effects except the streams, which are captured:
 * what most command tests need, without the cost of a process per case. Subprocess tests (`runCli`) stay for the
 * launcher, the fast path, signals and concurrency.
 */
export async function runMain(
  args: string[],
  env: Record<string, string | undefined>,
  stdin = '',
  options: InProcessOptions = {},
): Promise<CliResult> {
  const capture = (isTTY: boolean) => {
    const stream = new PassThrough() as PassThrough & { isTTY?: boolean };
    if (isTTY) stream.isTTY = true;
    let text = '';
    stream.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
    return { stream, text: () => text };
  };
  const stdout = capture(Boolean(options.stdoutIsTTY));
  const stderr = capture(Boolean(options.stderrIsTTY));
  const input = Readable.from(stdin === '' ? [] : [stdin]);
  // The sandbox's fake browser visits from this process: a process per login would cost more than the test. What
  // starting a browser takes (BROWSER's parsing, its environment) is tested through the launcher.
  const browserHere: Partial<Deps> =
    env['BROWSER'] === FAKE_BROWSER_COMMAND ? { openBrowser: async (url) => void visit(url, env).catch(() => {}) } : {};
  const deps: Deps = {
    ...createDeps({
      env,
      stdin: input,
      stdout: stdout.stream,
      stderr: stderr.stream,
      signal: options.signal ?? new AbortController().signal,
    }),
    ...browserHere,
    ...options.deps,
  };
  let code: number;
  try {
    code = await main(args, deps);
  } finally {
    await closeDeps(deps);
  }
  // Let the captured streams deliver what was written.
  await new Promise((resolve) => setImmediate(resolve));
  return { code, signal: null, stdout: stdout.text(), stderr: stderr.text() };
}

/**
 * A user login record the fake Podio knows (its tokens are live there), with `expiresAt` as its access token's
 * expiry: what `login` would have stored.
 */
export function loginRecord(
  podio: Pick<PodioEmulator, 'url' | 'options' | 'issueTokens'>,
  expiresAt: Date,
): { record: Record<string, unknown>; tokens: { access_token: string; refresh_token: string } } {
  const tokens = podio.issueTokens();
  const record = {
    client_id: podio.options.clientId,
    client_secret: podio.options.clientSecret,
    auth_url: podio.url,
    api_url: podio.url,
    access_token: tokens.access_token,
    token_type: 'bearer',
    expires_at: expiresAt.toISOString(),
    refresh_token: tokens.refresh_token,
    scope: 'global:all',
    ref: { type: 'user', id: 4242 },
    obtained_at: new Date(expiresAt.getTime() - tokens.expires_in * 1000).toISOString(),
  };
  return { record, tokens };
}

/** A throwaway config dir and home, and the environment pointing the CLI at a fake Podio. */
export class Sandbox {
  readonly root = mkdtempSync(join(tmpdir(), 'podio-auth-test-'));
  readonly configDir = join(this.root, 'config');
  readonly configFile = join(this.configDir, 'config.json');

  /** For `emulator` tests, a sandbox only needs to know where the emulator is and its client. */
  constructor(readonly podio: Pick<PodioEmulator, 'url' | 'options' | 'issueTokens'>) {}

  env(extra: Record<string, string | undefined> = {}): Record<string, string | undefined> {
    return {
      PATH: process.env['PATH'],
      HOME: this.root,
      PODIO_AUTH_CONFIG_DIR: this.configDir,
      PODIO_AUTH_URL: this.podio.url,
      PODIO_API_URL: this.podio.url,
      PODIO_CLIENT_ID: this.podio.options.clientId,
      PODIO_CLIENT_SECRET: this.podio.options.clientSecret,
      BROWSER: FAKE_BROWSER_COMMAND,
      FAKE_BROWSER_REPORT_URL: `${this.podio.url}/__browser`,
      ...extra,
    };
  }

  readConfig(): { profiles: Record<string, Record<string, unknown>> } {
    return JSON.parse(readFileSync(this.configFile, 'utf8'));
  }

  writeConfig(data: unknown): void {
    mkdirSync(this.configDir, { recursive: true, mode: 0o700 });
    writeFileSync(this.configFile, typeof data === 'string' ? data : JSON.stringify(data, null, 2), { mode: 0o600 });
    chmodSync(this.configFile, 0o600);
  }

  /** Changes fields of a stored profile, as a user editing config.json would. */
  editProfile(profile: string, fields: Record<string, unknown>): void {
    const config = this.readConfig();
    Object.assign(config.profiles[profile]!, fields);
    this.writeConfig(config);
  }

  /** A stored login whose tokens the fake Podio knows, expiring at `expiresAt`. */
  storeLogin(expiresAt: Date, profile = 'default'): { access_token: string; refresh_token: string } {
    const { record, tokens } = loginRecord(this.podio, expiresAt);
    let existing: { profiles: Record<string, unknown> } = { profiles: {} };
    try {
      existing = this.readConfig();
    } catch {
      // none yet
    }
    this.writeConfig({ ...existing, profiles: { ...existing.profiles, [profile]: record } });
    return tokens;
  }

  mode(path: string): number {
    return statSync(path).mode & 0o777;
  }

  cleanup(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}

/** A fake Podio and a sandbox pointing at it, both torn down when the current test finishes. */
export async function startSandbox(options: FakePodioOptions = {}): Promise<{ podio: FakePodio; sandbox: Sandbox }> {
  const podio = await startFakePodio(options);
  const sandbox = new Sandbox(podio);
  onTestFinished(async () => {
    await podio.stop();
    sandbox.cleanup();
  });
  return { podio, sandbox };
}

/** The lines that report an error (each expected failure makes exactly one). */
export function errorLines(result: CliResult): string[] {
  return result.stderr.split('\n').filter((line) => line.startsWith('✗'));
}

/** What every run must respect: no client secret or refresh token in any output, no stack trace, no colour off a TTY. */
export function expectClean(result: CliResult, sandbox: Sandbox): void {
  const all = result.stdout + result.stderr;
  expect(all).not.toContain(sandbox.podio.options.clientSecret);
  let profiles: Record<string, unknown>[] = [];
  try {
    profiles = Object.values(sandbox.readConfig().profiles);
  } catch {
    // No config file, or one a test broke on purpose.
  }
  for (const profile of profiles) {
    if (profile['refresh_token']) expect(all).not.toContain(profile['refresh_token']);
  }
  expect(result.stderr).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);
  expect(all).not.toContain('\u001b[');
}
