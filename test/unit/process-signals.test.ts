import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { handleSignals, WIND_DOWN_MS } from '../../src/process-signals.js';

/** A process whose signals the test sends, and which records what signal handling did to it. */
function fakeProcess(options: { blockingReads?: boolean } = {}) {
  const emitter = new EventEmitter();
  const done: string[] = [];
  const timers: { ms: number; work: () => void }[] = [];
  const proc = {
    on: (signal: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void) => emitter.on(signal, listener),
    off: (signal: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void) => emitter.off(signal, listener),
    exit: (code: number) => void done.push(`exit ${code}`),
    endBySignal: (signal: NodeJS.Signals) => void done.push(`end by ${signal}`),
    blockingReadsInFlight: () => options.blockingReads ?? false,
    releaseLocksNow: () => void done.push('release locks'),
    warn: (text: string) => void done.push(`warn ${text.trim()}`),
    later: (ms: number, work: () => void) => void timers.push({ ms, work }),
  };
  const send = (signal: NodeJS.Signals) => emitter.emit(signal, signal);
  return { proc, done, timers, send, listenerCount: (signal: string) => emitter.listenerCount(signal) };
}

describe('signals in the CLI process', () => {
  it('a first signal aborts what can stop, and the command has a while to wind down before the exit', () => {
    const { proc, done, timers, send } = fakeProcess();
    const signals = handleSignals(proc);
    send('SIGTERM');
    expect(signals.signal.aborted).toBe(true);
    expect(signals.forceSignal.aborted).toBe(false);
    expect(done).toEqual([]);
    expect(timers.map((timer) => timer.ms)).toEqual([WIND_DOWN_MS]);
    timers[0]?.work();
    expect(done).toEqual(['release locks', 'exit 143']);
  });

  it('a second signal releases the locks held and exits at once, by the signal while a read blocks', () => {
    const plain = fakeProcess();
    const signals = handleSignals(plain.proc);
    plain.send('SIGINT');
    plain.send('SIGINT');
    expect(signals.forceSignal.aborted).toBe(true);
    expect(plain.done).toEqual(['release locks', 'exit 130']);

    const blocked = fakeProcess({ blockingReads: true });
    handleSignals(blocked.proc);
    blocked.send('SIGHUP');
    blocked.send('SIGHUP');
    expect(blocked.done).toEqual(['release locks', 'end by SIGHUP', 'exit 129']);
  });

  it('waits for a token request already written, and says so; one not yet written ends with the wind-down', async () => {
    const { proc, done, timers, send } = fakeProcess();
    const signals = handleSignals(proc);
    let answer: (value: string) => void = () => {};
    const exchange = signals.critical(
      (markSent) =>
        new Promise<string>((resolve) => {
          markSent();
          answer = resolve;
        }),
    );
    send('SIGINT');
    expect(timers).toEqual([]);
    expect(done).toEqual([expect.stringMatching(/^warn ! Podio is answering a token request already sent/)]);
    expect(done[0]).toMatch(/\(press Ctrl-C again to stop now\)\.$/);
    answer('rotated');
    await expect(exchange).resolves.toBe('rotated');

    // A supervisor's SIGTERM is told how to stop it now in its own terms, not the keyboard's.
    const supervised = fakeProcess();
    const supervisedSignals = handleSignals(supervised.proc);
    void supervisedSignals.critical((markSent) => new Promise<never>(() => markSent()));
    supervised.send('SIGTERM');
    expect(supervised.done).toEqual([expect.stringMatching(/\(send SIGTERM again to stop now\)\.$/)]);

    const later = fakeProcess();
    const laterSignals = handleSignals(later.proc);
    await laterSignals.critical(async () => 'answered');
    await laterSignals.critical(async () => 'nothing written: not counted');
    later.send('SIGTERM');
    expect(later.done).toEqual([]);
    expect(later.timers).toHaveLength(1);
  });

  it('while exec runs a command, every signal (Ctrl-\\ too) goes to it, and nothing is aborted', () => {
    const { proc, done, send, listenerCount } = fakeProcess();
    const signals = handleSignals(proc);
    const forwarded: string[] = [];
    expect(listenerCount('SIGQUIT')).toBe(0);
    const stop = signals.onSignal((signal) => forwarded.push(signal));
    for (const signal of ['SIGINT', 'SIGINT', 'SIGTERM', 'SIGQUIT'] as const) send(signal);
    expect(forwarded).toEqual(['SIGINT', 'SIGINT', 'SIGTERM', 'SIGQUIT']);
    expect(signals.signal.aborted).toBe(false);
    expect(done).toEqual([]);
    stop();
    expect(listenerCount('SIGQUIT')).toBe(0);
  });

  it('ends the process by a command’s signal only after releasing its locks', () => {
    const { proc, done } = fakeProcess();
    handleSignals(proc).endBySignal('SIGINT');
    expect(done).toEqual(['release locks', 'end by SIGINT']);
  });
});
