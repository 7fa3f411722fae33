import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { statSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Socket } from 'node:net';
import { join } from 'node:path';
import type { Env } from '../../env.js';
import { interrupted, PodioAuthError } from '../../errors.js';
import { withoutSecrets } from '../../secrets.js';
import type { SecretVault } from '../port.js';
import { DEFAULT_KEYRING_TIMEOUT_MS, KEYRING_SERVICE } from './entries.js';

/**
 * Profile secrets in the OS credential store (macOS Keychain, Windows Credential Manager, the Secret Service on
 * Linux) through `@napi-rs/keyring`: one entry per account under service `podio-auth` (the caller names the
 * accounts: see keyring-entries.ts), value = the JSON the caller made of the profile's secret fields.
 * `secret-tool search service podio-auth` (Linux) or Keychain Access shows them. The library sets the Secret
 * Service attributes `service` and `username` (the account) and matches on those two.
 *
 * The library's calls block their thread until the platform answers, and a Secret Service that hangs never
 * answers: its constructor alone waits forever on a bus that accepts and stays silent, event loop and all. A worker
 * thread cannot be abandoned either (Node joins it at exit, so the process would hang there instead). So the calls
 * run in a helper process, one per vault, started on first use, fed one request at a time over its stdin and
 * killed when a call overruns its timeout or its caller gives up. The helper also gets the vault's environment
 * (the library reads DBUS_SESSION_BUS_ADDRESS from the process environment, once), and this process never loads
 * the native module at all.
 */

export { DEFAULT_KEYRING_TIMEOUT_MS, KEYRING_SERVICE };

/** The helper stays this long after a call for the next one (a refresh reads, asks Podio, then writes). */
const DEFAULT_KEEP_ALIVE_MS = 30_000;
const STORE_FILE_HINT = 'use the file store: `podio-auth login --store file`';
const HEADLESS_KEYRING = '`gnome-keyring-daemon --unlock --components=secrets`, password on standard input';

export interface KeyringVaultOptions {
  /** The environment of the keyring calls (DBUS_SESSION_BUS_ADDRESS, HOME, …). Default: this process's. */
  env?: Env;
  /** Upper bound of one call, waiting for an earlier call included. Default 20 s. */
  timeoutMs?: number;
  /** How long an idle helper process is kept for the next call. Default 30 s. */
  keepAliveMs?: number;
}

export interface KeyringVault extends SecretVault {
  /** Ends the helper process now. Optional: it never keeps this process alive, and ends when idle. Idempotent. */
  close(): void;
}

type Operation =
  | { op: 'get'; account: string }
  | { op: 'set'; account: string; value: string }
  | { op: 'delete'; account: string }
  | { op: 'list' };

type Reply =
  | { id: number; ok: true; result: unknown }
  | { id: number; ok: false; stage: 'load' | 'call'; message: string };

export function createKeyringVault(options: KeyringVaultOptions = {}): KeyringVault {
  const timeoutMs = options.timeoutMs ?? DEFAULT_KEYRING_TIMEOUT_MS;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) throw new RangeError(`timeoutMs must be positive: ${timeoutMs}`);
  const helper = new KeyringHelper(options.env ?? process.env, timeoutMs, options.keepAliveMs ?? DEFAULT_KEEP_ALIVE_MS);
  return {
    get: async (account, signal) => {
      const result = await helper.call({ op: 'get', account }, signal);
      if (result === null) return undefined;
      if (typeof result !== 'string') throw helperFailed('answered a read with something other than text');
      return result;
    },
    set: async (account, value, signal) => {
      await helper.call({ op: 'set', account, value }, signal);
    },
    delete: async (account, signal) => {
      const result = await helper.call({ op: 'delete', account }, signal);
      if (typeof result !== 'boolean') throw helperFailed('answered a delete with something other than true or false');
      return result;
    },
    list: async (signal) => {
      const result = await helper.call({ op: 'list' }, signal);
      if (!Array.isArray(result) || !result.every((account): account is string => typeof account === 'string')) {
        throw helperFailed('answered a listing with something other than names');
      }
      return [...new Set(result)].sort();
    },
    close: () => helper.close(),
  };
}

/**
 * The helper's program, run as `node -e`: CommonJS, no file of its own to find, the module's path as argv[1].
 * Requests and answers are JSON lines on stdin/stdout, so a secret never appears in an argument list.
 */
const HELPER_SOURCE = `'use strict';
const service = process.argv[2];
let keyring;
let loadError;
try {
  keyring = require(process.argv[1]);
} catch (error) {
  loadError = error;
}
// Pinned to the Secret Service on Linux: left to itself the library falls back to the kernel keyring, silently.
const entryOptions = { linux: { store: 'secret-service' } };
const entry = (account) => new keyring.Entry(service, account, entryOptions);
const operations = {
  get: (request) => entry(request.account).getPassword(),
  set: (request) => entry(request.account).setPassword(request.value),
  delete: (request) => entry(request.account).deleteCredential(),
  list: () => keyring.findCredentials(service).map((credential) => credential.account),
};
const messageOf = (error) => String((error && error.message) || error);
function answer(line) {
  const request = JSON.parse(line);
  if (loadError) return { id: request.id, ok: false, stage: 'load', message: messageOf(loadError) };
  try {
    return { id: request.id, ok: true, result: operations[request.op](request) ?? null };
  } catch (error) {
    return { id: request.id, ok: false, stage: 'call', message: messageOf(error) };
  }
}
let buffered = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => {
  buffered += chunk;
  for (let end = buffered.indexOf('\\n'); end >= 0; end = buffered.indexOf('\\n')) {
    const line = buffered.slice(0, end);
    buffered = buffered.slice(end + 1);
    process.stdout.write(JSON.stringify(answer(line)) + '\\n');
  }
});
process.stdin.on('end', () => process.exit(0));
`;

interface Running {
  child: ChildProcessWithoutNullStreams;
  /** The call waiting for its answer (one at a time). */
  waiter: { id: number; settle: (outcome: Reply | Error) => void } | undefined;
  stderr: string;
  killOnExit: () => void;
}

class KeyringHelper {
  readonly #env: Env;
  readonly #timeoutMs: number;
  readonly #keepAliveMs: number;
  #running: Running | undefined;
  #nextId = 1;
  #busy = false;
  readonly #queue: (() => void)[] = [];
  #idleTimer: NodeJS.Timeout | undefined;

  constructor(env: Env, timeoutMs: number, keepAliveMs: number) {
    this.#env = env;
    this.#timeoutMs = timeoutMs;
    this.#keepAliveMs = keepAliveMs;
  }

  async call(operation: Operation, signal: AbortSignal): Promise<unknown> {
    if (signal.aborted) throw interrupted();
    const deadline = new AbortController();
    // A ref'd timer: while a call is pending it keeps this process alive (the helper's pipes do not).
    const timer = setTimeout(() => deadline.abort(), this.#timeoutMs);
    const bound = AbortSignal.any([signal, deadline.signal]);
    try {
      await this.#acquire(bound);
      try {
        return await this.#exchange(operation, bound);
      } finally {
        this.#release();
      }
    } catch (error) {
      if (signal.aborted) throw interrupted();
      if (deadline.signal.aborted) throw this.#failure('timeout', '');
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  close(): void {
    clearTimeout(this.#idleTimer);
    this.#stop(helperFailed('was closed while a call was running'));
  }

  async #acquire(bound: AbortSignal): Promise<void> {
    if (!this.#busy) {
      this.#busy = true;
      return;
    }
    await new Promise<void>((resolve, reject) => {
      const grant = (): void => {
        bound.removeEventListener('abort', giveUp);
        resolve();
      };
      const giveUp = (): void => {
        this.#queue.splice(this.#queue.indexOf(grant), 1);
        reject(new Error('gave up waiting'));
      };
      this.#queue.push(grant);
      bound.addEventListener('abort', giveUp, { once: true });
    });
  }

  #release(): void {
    const next = this.#queue.shift();
    if (next) next();
    else this.#busy = false;
  }

  async #exchange(operation: Operation, bound: AbortSignal): Promise<unknown> {
    if (bound.aborted) throw new Error('aborted');
    clearTimeout(this.#idleTimer);
    const running = this.#running ?? this.#start(keyringModulePath());
    const id = this.#nextId++;
    const outcome = await new Promise<Reply | Error>((resolve) => {
      const giveUp = (): void => {
        // The call may be stuck inside the platform's API: only ending the process ends it.
        this.#stop(new Error('aborted'));
      };
      running.waiter = {
        id,
        settle: (result) => {
          bound.removeEventListener('abort', giveUp);
          running.waiter = undefined;
          resolve(result);
        },
      };
      bound.addEventListener('abort', giveUp, { once: true });
      running.child.stdin.write(`${JSON.stringify({ id, ...operation })}\n`);
    });
    if (this.#running === running) {
      this.#idleTimer = setTimeout(() => this.close(), this.#keepAliveMs);
      this.#idleTimer.unref();
    }
    if (outcome instanceof Error) throw outcome;
    if (outcome.ok) return outcome.result;
    const message = operation.op === 'set' ? redact(outcome.message, operation.value) : outcome.message;
    throw outcome.stage === 'load' ? this.#failure('not_loadable', coreMessage(message)) : this.#classify(message);
  }

  #start(modulePath: string): Running {
    const child = spawn(process.execPath, ['-e', HELPER_SOURCE, modulePath, KEYRING_SERVICE], {
      env: helperEnv(this.#env),
      stdio: ['pipe', 'pipe', 'pipe'],
      windowsHide: true,
    });
    // A helper stuck in a call would outlive this process's exit (its stdin closing is not read while it is stuck).
    const killOnExit = (): void => void child.kill('SIGKILL');
    process.once('exit', killOnExit);
    const running: Running = { child, waiter: undefined, stderr: '', killOnExit };
    this.#running = running;
    // An idle helper must never keep this process alive; it ends when its stdin closes with this process.
    child.unref();
    for (const stream of [child.stdin, child.stdout, child.stderr]) (stream as unknown as Socket).unref();
    let buffered = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      buffered += chunk;
      for (let end = buffered.indexOf('\n'); end >= 0; end = buffered.indexOf('\n')) {
        const line = buffered.slice(0, end);
        buffered = buffered.slice(end + 1);
        const reply = parseReply(line);
        if (reply !== undefined && reply.id === running.waiter?.id) running.waiter.settle(reply);
      }
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      running.stderr = (running.stderr + chunk).slice(-2_000);
    });
    child.stdin.on('error', () => undefined);
    const ended = (reason: string, cause?: unknown): void => {
      this.#forget(running);
      const failure = helperFailed(reason, cause ?? (running.stderr.trim() || undefined));
      running.waiter?.settle(failure);
    };
    child.on('error', (error) => ended(`could not be started (${error.message})`, error));
    child.on('exit', (code, signal) => {
      ended(signal === null ? `ended with exit code ${code}` : `was ended by ${signal}`);
    });
    return running;
  }

  #stop(reason: Error): void {
    const running = this.#running;
    if (running === undefined) return;
    this.#forget(running);
    running.child.kill('SIGKILL');
    running.waiter?.settle(reason);
  }

  #forget(running: Running): void {
    if (this.#running === running) this.#running = undefined;
    process.removeListener('exit', running.killOnExit);
  }

  #failure(cause: FailureCause, detail: string): PodioAuthError {
    return keyringFailure(cause, detail, { timeoutMs: this.#timeoutMs, address: busAddress(this.#env) });
  }

  #classify(message: string): PodioAuthError {
    const address = busAddress(this.#env);
    const detail = coreMessage(message);
    const context = { timeoutMs: this.#timeoutMs, address };
    if (/was not provided by any \.service files|ServiceUnknown|NameHasNoOwner/i.test(message)) {
      return keyringFailure('no_secret_service', detail, context);
    }
    if (/Rejected send message|AccessDenied|access denied|permission denied|not authorized/i.test(message)) {
      return keyringFailure('denied', detail, context);
    }
    const noBus = /autolaunch|no secret service provider or dbus session found/i.test(message);
    const unreachable = /Failed to connect|Address does not contain a colon|Unknown address type|Connection refused/i;
    if ((noBus || unreachable.test(message)) && address === undefined) return keyringFailure('no_bus', detail, context);
    if (noBus || unreachable.test(message)) {
      // "Failed to connect to socket <path>: Connection refused": the address is in the message already.
      const reason = detail
        .slice(detail.lastIndexOf(': ') + 1)
        .replace(/\s*\(os error \d+\)$/, '')
        .trim();
      return keyringFailure('bus_unreachable', reason, context);
    }
    // D-Bus gave up waiting for the keyring ("Did not receive a reply … blocked the reply …").
    if (/did not receive a reply/i.test(message)) return keyringFailure('no_reply', detail, context);
    // Words, not parts of words: "blocked" above is not "locked".
    if (/\b(locked|prompt)\b/i.test(message)) return keyringFailure('locked', detail, context);
    return keyringFailure('failed', detail, context);
  }
}

type FailureCause =
  | 'no_bus'
  | 'bus_unreachable'
  | 'no_secret_service'
  | 'locked'
  | 'denied'
  | 'timeout'
  | 'no_reply'
  | 'not_loadable'
  | 'failed';

/** One line naming the cause, and a hint naming the fix. `detail` is the library's own words, secret-free. */
function keyringFailure(
  cause: FailureCause,
  detail: string,
  context: { timeoutMs: number; address: string | undefined },
): PodioAuthError {
  const detailed = detail === '' ? '' : ` (${detail})`;
  const startBus = `start a bus with \`dbus-run-session\` and a keyring in it (${HEADLESS_KEYRING})`;
  const [message, hint] = ((): [string, string | undefined] => {
    switch (cause) {
      case 'no_bus':
        return [
          'Keyring unavailable: no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is not set).',
          `Run it in a desktop session, or ${startBus}; or ${STORE_FILE_HINT}.`,
        ];
      case 'bus_unreachable':
        return [
          `Keyring unavailable: the D-Bus session bus at ${context.address ?? '(default address)'} cannot be ` +
            `reached${detailed}.`,
          `Check DBUS_SESSION_BUS_ADDRESS, or ${startBus}; or ${STORE_FILE_HINT}.`,
        ];
      case 'no_secret_service':
        return [
          'Keyring unavailable: no Secret Service (org.freedesktop.secrets) on the D-Bus session bus.',
          `Start a keyring such as gnome-keyring or KWallet (headless: ${HEADLESS_KEYRING}); or ${STORE_FILE_HINT}.`,
        ];
      case 'locked':
        return [
          `Keyring locked: it could not be unlocked without a prompt${detailed}.`,
          'Unlock it (headless: restart it unlocked, `gnome-keyring-daemon --replace --unlock --components=secrets`, ' +
            `password on standard input); or ${STORE_FILE_HINT}.`,
        ];
      case 'denied':
        return [
          /Rejected send message/i.test(detail)
            ? 'Keyring access denied: the D-Bus session bus refused the call to the Secret Service.'
            : `Keyring access denied${detailed}.`,
          `Allow podio-auth to use the keyring (a sandbox or a D-Bus policy may block it); or ${STORE_FILE_HINT}.`,
        ];
      case 'timeout':
        return [
          `Keyring unavailable: no answer within ${formatSeconds(context.timeoutMs)} ` +
            '(the keyring or the D-Bus session bus is not responding).',
          `Check that the keyring (gnome-keyring, KWallet, …) is running and answering; or ${STORE_FILE_HINT}.`,
        ];
      case 'no_reply':
        return [
          `Keyring unavailable: the keyring did not answer on the D-Bus session bus${detailed}.`,
          `Check that the keyring (gnome-keyring, KWallet, …) is running and answering; or ${STORE_FILE_HINT}.`,
        ];
      case 'not_loadable':
        return [
          `Keyring unavailable: the keyring module (@napi-rs/keyring) could not be loaded${detailed}.`,
          `Reinstall podio-auth for this platform; or ${STORE_FILE_HINT}.`,
        ];
      case 'failed':
        return [`Keyring error${detailed}.`, undefined];
    }
  })();
  return new PodioAuthError('keyring_unavailable', message, { hint });
}

function helperFailed(reason: string, cause?: unknown): PodioAuthError {
  const message = `Keyring unavailable: the keyring helper process ${reason}.`;
  return new PodioAuthError('keyring_unavailable', message, { cause });
}

/** The library's message without its layers of prefixes, on one line and short. */
function coreMessage(message: string): string {
  const core = message
    .replace(/\s+/g, ' ')
    .replace(/^((Platform failure|Couldn't access platform storage|DBus error|zbus error|Secret Service): )+/i, '')
    .trim();
  return core.length > 160 ? `${core.slice(0, 157)}…` : core;
}

function redact(message: string, secret: string): string {
  return secret === '' ? message : message.split(secret).join('[redacted]');
}

function formatSeconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`;
}

function parseReply(line: string): Reply | undefined {
  try {
    const reply = JSON.parse(line) as Reply;
    return typeof reply === 'object' && reply !== null && typeof reply.id === 'number' ? reply : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The helper's environment: the vault's, without NODE_OPTIONS (a user's --inspect or --require is for podio-auth,
 * not for its helper), and with the standard session bus address ($XDG_RUNTIME_DIR/bus, where systemd puts the
 * user's bus) when none is set: the library's libdbus does not look there by itself.
 */
function helperEnv(env: Env): NodeJS.ProcessEnv {
  const result: NodeJS.ProcessEnv = {};
  // The helper needs the bus and the home directory, never a token, a client secret or a store password.
  for (const [key, value] of Object.entries(withoutSecrets(env))) {
    if (value !== undefined && key !== 'NODE_OPTIONS') result[key] = value;
  }
  const address = busAddress(env);
  if (address !== undefined) result['DBUS_SESSION_BUS_ADDRESS'] = address;
  return result;
}

function busAddress(env: Env): string | undefined {
  const address = env['DBUS_SESSION_BUS_ADDRESS'];
  if (address !== undefined && address !== '') return address;
  const runtimeDir = env['XDG_RUNTIME_DIR'];
  if (process.platform !== 'linux' || runtimeDir === undefined || runtimeDir === '') return undefined;
  const socket = join(runtimeDir, 'bus');
  try {
    return statSync(socket).isSocket() ? `unix:path=${socket}` : undefined;
  } catch {
    return undefined;
  }
}

let resolvedModulePath: string | undefined;

/** Resolved here, loaded only in the helper. */
function keyringModulePath(): string {
  try {
    resolvedModulePath ??= createRequire(import.meta.url).resolve('@napi-rs/keyring');
  } catch (error) {
    throw keyringFailure('not_loadable', coreMessage(error instanceof Error ? error.message : String(error)), {
      timeoutMs: 0,
      address: undefined,
    });
  }
  return resolvedModulePath;
}
