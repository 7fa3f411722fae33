/**
 * How the CLI's process answers SIGINT, SIGTERM and SIGHUP: a first signal aborts what can stop and a second ends
 * the process at once, except that a token request already written is waited for (its answer may hold a rotated
 * refresh token, which must be stored). A factory over the few parts of the process it uses, so tests drive it.
 */
import type { Deps } from './deps.js';
import { exitCodeOf } from './errors.js';

/** After a first signal outside a token exchange, the command has this long to wind down by itself. */
export const WIND_DOWN_MS = 1_500;

const HANDLED_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/** As a shell reports a command a signal ended: 128 + the signal's number (SIGHUP 129, SIGINT 130, SIGTERM 143). */
export function signalExitCode(signal: NodeJS.Signals): number {
  return exitCodeOf(signal === 'SIGTERM' ? 'terminated' : signal === 'SIGHUP' ? 'hung_up' : 'interrupted');
}

/** What of the process signal handling uses (`process` itself, and a few of the platform's functions). */
export interface SignalledProcess {
  on(signal: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void): unknown;
  off(signal: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void): unknown;
  exit(code: number): void;
  /** Ends the process by the signal itself (exit() would wait for a read stuck in Node's thread pool). */
  endBySignal(signal: NodeJS.Signals): void;
  blockingReadsInFlight(): boolean;
  /** Releases at once every lock the process holds: the last thing before an exit that cannot wait. */
  releaseLocksNow(): void;
  warn(text: string): void;
  /** Runs `work` after `ms`, without keeping the process alive for it. */
  later(ms: number, work: () => void): void;
}

/** What the commands get of it, through Deps. */
export type SignalHandling = Pick<Deps, 'signal' | 'forceSignal' | 'critical' | 'onSignal'> & {
  endBySignal: NonNullable<Deps['endBySignal']>;
};

export function handleSignals(proc: SignalledProcess): SignalHandling {
  const soft = new AbortController();
  const force = new AbortController();
  /** Token requests written to Podio and not yet answered: their answers may hold a rotated refresh token. */
  let sentTokenRequests = 0;
  // `exec` takes signals over while its command runs, to forward them.
  const listeners = new Set<(signal: NodeJS.Signals) => void>();

  const exitNow = (signal: NodeJS.Signals) => {
    proc.releaseLocksNow();
    // A shell reports a process ended by the signal with the same code, 128 + its number.
    if (proc.blockingReadsInFlight()) proc.endBySignal(signal);
    proc.exit(signalExitCode(signal));
  };
  const onSignal = (signal: NodeJS.Signals) => {
    if (listeners.size > 0) {
      for (const listener of listeners) listener(signal);
      return;
    }
    // A second signal means "now".
    if (soft.signal.aborted) {
      force.abort(signal);
      exitNow(signal);
    }
    soft.abort(signal);
    if (sentTokenRequests > 0) {
      const again = signal === 'SIGINT' ? 'press Ctrl-C again' : `send ${signal} again`;
      proc.warn(
        `\n! Podio is answering a token request already sent: waiting for its answer so the new token is stored (${again} to stop now).\n`,
      );
    } else {
      proc.later(WIND_DOWN_MS, () => exitNow(signal));
    }
  };
  for (const signal of HANDLED_SIGNALS) proc.on(signal, onSignal);

  return {
    signal: soft.signal,
    forceSignal: force.signal,
    critical: async (work) => {
      // Counted only once written: a request still connecting, or waiting for a proxy's tunnel, has reached
      // nobody, and a first signal ends it at once.
      let counted = false;
      try {
        return await work(() => {
          if (counted) return;
          counted = true;
          sentTokenRequests++;
        });
      } finally {
        if (counted) sentTokenRequests--;
      }
    },
    endBySignal: (signal) => {
      proc.releaseLocksNow();
      proc.endBySignal(signal);
    },
    onSignal: (listener) => {
      // Ctrl-\ keeps its default (end at once) except while a command runs, which it must not outlive.
      if (listeners.size === 0) proc.on('SIGQUIT', onSignal);
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
        if (listeners.size === 0) proc.off('SIGQUIT', onSignal);
      };
    },
  };
}
