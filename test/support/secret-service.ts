import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';

/**
 * A real Secret Service for tests: a private D-Bus session bus and gnome-keyring in a throwaway HOME, so tests
 * never touch the user's own keyring. Also the broken setups a keyring user meets: no bus, a bus without a Secret
 * Service, a bus that refuses access, a locked keyring, a bus that accepts and never answers.
 */

const REQUIRED_PROGRAMS = ['dbus-daemon', 'dbus-send', 'gnome-keyring-daemon', 'secret-tool'] as const;
const KEYRING_PASSWORD = 'test-keyring-password';
const LOGIN_COLLECTION = '/org/freedesktop/secrets/collection/login';

export type TestEnv = Record<string, string>;

/** The programs this file needs that are not on PATH (Debian: dbus, dbus-bin, gnome-keyring, libsecret-tools). */
export function missingSecretServicePrograms(): string[] {
  return REQUIRED_PROGRAMS.filter((program) => spawnSync('sh', ['-c', `command -v ${program}`]).status !== 0);
}

/**
 * Whether the tests of `what` must skip: a real Secret Service is needed, and where its programs are missing they
 * skip loudly. CI installs them, and there (CI=true) a missing one fails instead.
 */
export function skipWithoutSecretService(what: string): boolean {
  const missing =
    process.platform === 'linux' ? missingSecretServicePrograms() : [`Linux (this is ${process.platform})`];
  const skip = missing.length > 0 && process.env['CI'] !== 'true';
  if (skip) {
    console.warn(
      `\n*** SKIPPED: ${what} need ${missing.join(', ')} ` +
        '(Debian: apt-get install gnome-keyring dbus dbus-x11 libsecret-tools). CI=true makes this a failure. ***\n',
    );
  }
  return skip;
}

export interface SessionBusOptions {
  /** Start gnome-keyring (unlocked) on the bus. Default true. */
  secretService?: boolean;
  /** The bus refuses every call to the Secret Service interface (as a sandbox's policy would). */
  denySecretService?: boolean;
}

export interface SessionBus {
  /** The bus address, for DBUS_SESSION_BUS_ADDRESS. */
  readonly address: string;
  /** HOME, the XDG dirs and DBUS_SESSION_BUS_ADDRESS of this private session: pass it to whatever should use it. */
  readonly env: TestEnv;
  /** Runs a program in this session, bounded. */
  run(program: string, args: string[], input?: string): Promise<ProgramResult>;
  /** Every item of `service` as `secret-tool search --all` sees it. */
  search(service: string): Promise<KeyringItem[]>;
  /** Locks the login collection through the Secret Service's Lock method (no prompt is needed to lock). */
  lock(): Promise<void>;
  /** Whether the login collection is locked, as the Secret Service says. */
  isLocked(): Promise<boolean>;
  /** Stops (SIGSTOP) or resumes (SIGCONT) the keyring daemon: a keyring that hangs. */
  pauseKeyring(paused: boolean): void;
  stop(): Promise<void>;
}

export interface KeyringItem {
  /** The item's `service` and `username` attributes. */
  service: string;
  account: string;
  secret: string;
}

export interface ProgramResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Starts a private session bus (and, unless told otherwise, an unlocked gnome-keyring on it). */
export async function startSessionBus(options: SessionBusOptions = {}): Promise<SessionBus> {
  const missing = missingSecretServicePrograms();
  if (missing.length > 0) throw new Error(`Missing for the Secret Service tests: ${missing.join(', ')}`);
  const dir = mkdtempSync(join(tmpdir(), 'podio-auth-keyring-'));
  const children: ChildProcess[] = [];
  const stop = async (): Promise<void> => {
    // The keyring first: it would otherwise notice the bus going away and log about it.
    for (const child of children.reverse()) await stopProcess(child);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const home = join(dir, 'home');
    const runtime = join(dir, 'runtime');
    for (const path of [home, runtime]) mkdirSync(path, { recursive: true, mode: 0o700 });
    // Where systemd puts a user's bus, so that the default address ($XDG_RUNTIME_DIR/bus) finds it too.
    const busSocket = join(runtime, 'bus');
    const configPath = join(dir, 'bus.conf');
    writeFileSync(configPath, busConfig(busSocket, options.denySecretService === true));
    const bus = spawn('dbus-daemon', ['--config-file', configPath, '--nofork', '--print-address=1'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(bus);
    // dbus-daemon prints its address once it listens: that line is the readiness signal.
    const address = (await firstLine(bus, 'dbus-daemon', 5_000)).trim();
    const env: TestEnv = {
      PATH: process.env['PATH'] ?? '/usr/bin:/bin',
      HOME: home,
      LANG: 'C.UTF-8',
      XDG_RUNTIME_DIR: runtime,
      XDG_DATA_HOME: join(home, '.local', 'share'),
      XDG_CONFIG_HOME: join(home, '.config'),
      XDG_CACHE_HOME: join(home, '.cache'),
      DBUS_SESSION_BUS_ADDRESS: address,
    };
    const session: SessionBus = {
      address,
      env,
      run: (program, args, input) => runProgram(program, args, env, input),
      search: (service) => searchItems(env, service),
      lock: () => lockLogin(env),
      isLocked: () => loginIsLocked(env),
      pauseKeyring: (paused) => {
        keyringDaemon?.kill(paused ? 'SIGSTOP' : 'SIGCONT');
      },
      stop,
    };
    let keyringDaemon: ChildProcess | undefined;
    if (options.secretService !== false) {
      const keyring = spawn('gnome-keyring-daemon', ['--foreground', '--unlock', '--components=secrets'], {
        env,
        stdio: ['pipe', 'ignore', 'pipe'],
      });
      children.push(keyring);
      keyringDaemon = keyring;
      // The login keyring is created, or unlocked, with the password read from stdin up to its end.
      keyring.stdin?.on('error', () => undefined).end(KEYRING_PASSWORD);
      await waitForName(env, 'org.freedesktop.secrets', keyring, 10_000);
      await waitForLoginCollection(env, 5_000);
    }
    return session;
  } catch (error) {
    await stop();
    throw error;
  }
}

/** An environment whose bus address points at a socket path where nothing listens. */
export function noBusEnv(dir: string): TestEnv {
  const address = `unix:path=${join(dir, 'no-bus')}`;
  return { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: dir, DBUS_SESSION_BUS_ADDRESS: address };
}

export interface HungBus {
  readonly address: string;
  readonly env: TestEnv;
  /** How many connections it has accepted (and never answered). */
  readonly connections: number;
  /** How many of them are still open. */
  readonly open: number;
  close(): Promise<void>;
}

/** A unix socket that accepts connections, reads what it is sent, and never answers: a Secret Service that hangs. */
export async function startHungBus(dir: string): Promise<HungBus> {
  const path = join(dir, 'hung-bus');
  const sockets = new Set<Socket>();
  let connections = 0;
  const server: Server = createServer((socket) => {
    connections += 1;
    sockets.add(socket);
    socket.on('data', () => undefined);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => resolve());
  });
  const address = `unix:path=${path}`;
  return {
    address,
    env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: dir, DBUS_SESSION_BUS_ADDRESS: address },
    get connections() {
      return connections;
    },
    get open() {
      return sockets.size;
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * A session bus of its own: no service files (so nothing is activated behind the test's back), the default policy
 * of a session bus, and optionally a rule refusing calls to the Secret Service.
 */
function busConfig(socketPath: string, denySecretService: boolean): string {
  const deny = denySecretService
    ? '\n    <deny send_destination="org.freedesktop.secrets" send_interface="org.freedesktop.Secret.Service"/>'
    : '';
  return `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path=${socketPath}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>${deny}
  </policy>
</busconfig>
`;
}

async function waitForName(env: TestEnv, name: string, owner: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 0; Date.now() < deadline; attempt += 1) {
    if (owner.exitCode !== null || owner.signalCode !== null) {
      throw new Error(`${String(owner.spawnfile)} ended (${owner.exitCode ?? owner.signalCode}) before owning ${name}`);
    }
    const method = 'org.freedesktop.DBus.NameHasOwner';
    const result = await dbusSend(env, 'org.freedesktop.DBus', '/org/freedesktop/DBus', method, [`string:${name}`]);
    if (result.code === 0 && /boolean true/.test(result.stdout)) return;
    await delay(Math.min(20 * 2 ** attempt, 200));
  }
  throw new Error(`${name} did not appear on the test bus within ${timeoutMs} ms`);
}

/** gnome-keyring owns its bus name a moment before the login collection (made from the password) exists. */
async function waitForLoginCollection(env: TestEnv, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 0; Date.now() < deadline; attempt += 1) {
    const result = await collectionLocked(env);
    if (result.code === 0 && /boolean false/.test(result.stdout)) return;
    await delay(Math.min(20 * 2 ** attempt, 200));
  }
  throw new Error(`The login keyring was not there and unlocked within ${timeoutMs} ms`);
}

function collectionLocked(env: TestEnv): Promise<ProgramResult> {
  return dbusSend(env, 'org.freedesktop.secrets', LOGIN_COLLECTION, 'org.freedesktop.DBus.Properties.Get', [
    'string:org.freedesktop.Secret.Collection',
    'string:Locked',
  ]);
}

async function loginIsLocked(env: TestEnv): Promise<boolean> {
  const result = await collectionLocked(env);
  if (result.code !== 0) throw new Error(`Could not read the login keyring's Locked property: ${result.stderr}`);
  return /boolean true/.test(result.stdout);
}

async function lockLogin(env: TestEnv): Promise<void> {
  const lock = 'org.freedesktop.Secret.Service.Lock';
  const result = await dbusSend(env, 'org.freedesktop.secrets', '/org/freedesktop/secrets', lock, [
    `array:objpath:${LOGIN_COLLECTION}`,
  ]);
  if (result.code !== 0) throw new Error(`Locking the login keyring failed: ${result.stderr}`);
  if (!(await loginIsLocked(env))) throw new Error('The login keyring is still unlocked after Lock');
}

function dbusSend(
  env: TestEnv,
  destination: string,
  path: string,
  method: string,
  args: string[],
): Promise<ProgramResult> {
  return runProgram(
    'dbus-send',
    ['--session', '--print-reply', '--reply-timeout=2000', `--dest=${destination}`, path, method, ...args],
    env,
  );
}

async function searchItems(env: TestEnv, service: string): Promise<KeyringItem[]> {
  const result = await runProgram('secret-tool', ['search', '--all', 'service', service], env);
  if (result.code !== 0 && result.stdout !== '') throw new Error(`secret-tool search failed: ${result.stderr}`);
  // secret-tool prints each item's label, secret and dates to stdout but its attributes to stderr, item after
  // item on both: the n-th secret and the n-th `attribute.username` belong to the same item.
  const values = (stream: string, key: string): string[] =>
    [...stream.matchAll(new RegExp(`^${key.replace('.', '\\.')} = (.*)$`, 'gm'))].map((match) => match[1] ?? '');
  const secrets = values(result.stdout, 'secret');
  const accounts = values(result.stderr, 'attribute.username');
  const services = values(result.stderr, 'attribute.service');
  if (accounts.length !== secrets.length || services.length !== secrets.length) {
    const counts = `${secrets.length} secrets, ${accounts.length} accounts, ${services.length} services`;
    throw new Error(`secret-tool search found items it cannot tell apart: ${counts}`);
  }
  return secrets.map((secret, index) => ({ account: accounts[index] ?? '', service: services[index] ?? '', secret }));
}

/** Runs a program to its end, killed after 10 s so a wedged bus cannot hang the test run. */
function runProgram(program: string, args: string[], env: TestEnv, input?: string): Promise<ProgramResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, {
      env,
      stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      timeout: 10_000,
      killSignal: 'SIGKILL',
    });
    let stdout = '';
    let stderr = '';
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    // A program that ends before reading its input closes the pipe: its exit status tells what happened.
    child.stdin?.on('error', () => undefined).end(input);
  });
}

function firstLine(child: ChildProcess, name: string, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => {
      fail(new Error(`${name} printed nothing within ${timeoutMs} ms: ${stderr}`));
    }, timeoutMs);
    const fail = (error: Error): void => {
      clearTimeout(timer);
      reject(error);
    };
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      const end = stdout.indexOf('\n');
      if (end < 0) return;
      clearTimeout(timer);
      resolve(stdout.slice(0, end));
    });
    child.once('error', fail);
    child.once('exit', (code, signal) => fail(new Error(`${name} ended (${code ?? signal}): ${stderr}`)));
  });
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
  await exited;
  clearTimeout(timer);
}
