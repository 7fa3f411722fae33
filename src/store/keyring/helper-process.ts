/**
 * The vault's side of the helper process: started on first use, fed one request at a time, kept a while for the
 * next call, and killed when a call overruns its bound or its caller gives up, since a call stuck inside the
 * platform's API ends only with its process. Neither the helper nor its pipes ever keep this process alive.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import type { Socket } from 'node:net';
import type { Readable } from 'node:stream';
import type { Env } from '../../env.js';
import { interrupted } from '../../errors.js';
import { KEYRING_SERVICE } from './entries.js';
import { classifyFailure, coreMessage, type FailureContext, helperFailed, keyringFailure } from './failures.js';
import { busAddress, helperEnv, helperProgram } from './helper-launch.js';
import { type HelperOperation, type HelperReply, parseReply } from './protocol.js';

export interface KeyringHelper {
  /** One call's result, within the bound (the wait behind an earlier call included). */
  call(operation: HelperOperation, signal: AbortSignal): Promise<unknown>;
  /** Ends the helper process now; a call running fails. Idempotent. */
  close(): void;
}

interface Running {
  child: ChildProcessWithoutNullStreams;
  /** The call waiting for its answer (one at a time). */
  waiter: { id: number; settle: (outcome: HelperReply | Error) => void } | undefined;
  /** The end of what the helper wrote to stderr: why it ended, when it does. */
  stderr: string;
  killOnExit: () => void;
}

interface HelperState {
  readonly env: Env;
  readonly timeoutMs: number;
  readonly keepAliveMs: number;
  readonly turns: Turns;
  running: Running | undefined;
  nextId: number;
  idleTimer: NodeJS.Timeout | undefined;
}

export function createKeyringHelper(env: Env, timeoutMs: number, keepAliveMs: number): KeyringHelper {
  const state: HelperState = {
    env,
    timeoutMs,
    keepAliveMs,
    turns: oneAtATime(),
    running: undefined,
    nextId: 1,
    idleTimer: undefined,
  };
  return { call: (operation, signal) => call(state, operation, signal), close: () => close(state) };
}

async function call(state: HelperState, operation: HelperOperation, signal: AbortSignal): Promise<unknown> {
  if (signal.aborted) throw interrupted(undefined, signal.reason);
  const deadline = new AbortController();
  // A ref'd timer: while a call is pending it keeps this process alive (the helper's pipes do not).
  const timer = setTimeout(() => deadline.abort(), state.timeoutMs);
  const bound = AbortSignal.any([signal, deadline.signal]);
  try {
    await state.turns.acquire(bound);
    try {
      return await exchange(state, operation, bound);
    } finally {
      state.turns.release();
    }
  } catch (error) {
    if (signal.aborted) throw interrupted(undefined, signal.reason);
    if (deadline.signal.aborted) throw keyringFailure('timeout', '', contextOf(state));
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

function close(state: HelperState): void {
  clearTimeout(state.idleTimer);
  stop(state, helperFailed('was closed while a call was running'));
}

interface Turns {
  /** Waits, until `bound` aborts, for the calls before this one. */
  acquire(bound: AbortSignal): Promise<void>;
  release(): void;
}

/** The helper answers one request at a time: later calls wait their turn, in order. */
function oneAtATime(): Turns {
  let busy = false;
  const queue: (() => void)[] = [];
  const acquire = async (bound: AbortSignal): Promise<void> => {
    if (!busy) {
      busy = true;
      return;
    }
    await new Promise<void>((resolve, reject) => {
      const grant = (): void => {
        bound.removeEventListener('abort', giveUp);
        resolve();
      };
      const giveUp = (): void => {
        queue.splice(queue.indexOf(grant), 1);
        reject(new Error('gave up waiting'));
      };
      queue.push(grant);
      bound.addEventListener('abort', giveUp, { once: true });
    });
  };
  const release = (): void => {
    const next = queue.shift();
    if (next) next();
    else busy = false;
  };
  return { acquire, release };
}

async function exchange(state: HelperState, operation: HelperOperation, bound: AbortSignal): Promise<unknown> {
  if (bound.aborted) throw new Error('aborted');
  clearTimeout(state.idleTimer);
  const running = state.running ?? start(state);
  const outcome = await send(state, running, operation, bound);
  if (state.running === running) {
    state.idleTimer = setTimeout(() => close(state), state.keepAliveMs);
    state.idleTimer.unref();
  }
  if (outcome instanceof Error) throw outcome;
  if (outcome.ok) return outcome.result;
  const message = operation.op === 'set' ? redact(outcome.message, operation.value) : outcome.message;
  if (outcome.stage === 'load') throw keyringFailure('not_loadable', coreMessage(message), contextOf(state));
  throw classifyFailure(message, contextOf(state));
}

/** Writes one request and waits for its answer, or for the helper's end, or for `bound` (which ends the helper). */
function send(
  state: HelperState,
  running: Running,
  operation: HelperOperation,
  bound: AbortSignal,
): Promise<HelperReply | Error> {
  const id = state.nextId++;
  return new Promise<HelperReply | Error>((resolve) => {
    // The call may be stuck inside the platform's API: only ending the process ends it.
    const giveUp = (): void => stop(state, new Error('aborted'));
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
}

function start(state: HelperState): Running {
  const child = spawn(process.execPath, [helperProgram(), KEYRING_SERVICE], {
    env: helperEnv(state.env),
    stdio: ['pipe', 'pipe', 'pipe'],
    windowsHide: true,
  });
  // A helper stuck in a call would outlive this process's exit (its stdin closing is not read while it is stuck).
  const killOnExit = (): void => void child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const running: Running = { child, waiter: undefined, stderr: '', killOnExit };
  state.running = running;
  // An idle helper must never keep this process alive; it ends when its stdin closes with this process.
  child.unref();
  for (const stream of [child.stdin, child.stdout, child.stderr]) (stream as unknown as Socket).unref();
  onLines(child.stdout, (line) => {
    const reply = parseReply(line);
    if (reply !== undefined && reply.id === running.waiter?.id) running.waiter.settle(reply);
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    running.stderr = (running.stderr + chunk).slice(-2_000);
  });
  child.stdin.on('error', () => undefined);
  const ended = (reason: string, cause?: unknown): void => {
    forget(state, running);
    running.waiter?.settle(helperFailed(reason, cause ?? (running.stderr.trim() || undefined)));
  };
  child.on('error', (error) => ended(`could not be started (${error.message})`, error));
  child.on('exit', (code, signal) => {
    ended(signal === null ? `ended with exit code ${code}` : `was ended by ${signal}`);
  });
  return running;
}

function onLines(stream: Readable, handle: (line: string) => void): void {
  let buffered = '';
  stream.setEncoding('utf8').on('data', (chunk: string) => {
    buffered += chunk;
    for (let end = buffered.indexOf('\n'); end >= 0; end = buffered.indexOf('\n')) {
      const line = buffered.slice(0, end);
      buffered = buffered.slice(end + 1);
      handle(line);
    }
  });
}

function stop(state: HelperState, reason: Error): void {
  const running = state.running;
  if (running === undefined) return;
  forget(state, running);
  running.child.kill('SIGKILL');
  running.waiter?.settle(reason);
}

function forget(state: HelperState, running: Running): void {
  if (state.running === running) state.running = undefined;
  process.removeListener('exit', running.killOnExit);
}

function contextOf(state: HelperState): FailureContext {
  return { timeoutMs: state.timeoutMs, address: busAddress(state.env) };
}

function redact(message: string, secret: string): string {
  return secret === '' ? message : message.split(secret).join('[redacted]');
}
