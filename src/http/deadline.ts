/**
 * A request's hard deadline. It allows for a process that was stopped while it waited (Ctrl-Z, SIGSTOP, a machine
 * asleep): the answer may have come meanwhile, and a token answer may hold a refresh token Podio has rotated
 * already, so it gets a little more time rather than being thrown away unread.
 */

/** A deadline timer this late means the process was stopped, not busy. */
const SUSPENDED_MS = 1_000;
/** How long an answer gets after such a stop, at most. */
const SUSPENDED_GRACE_MS = 5_000;

export interface Deadline {
  /** Stops the deadline; called when the request ends. */
  clear(): void;
}

/**
 * The grace (ms) a deadline timer that fired `lateMs` after the deadline gives, or undefined when the deadline has
 * passed. Only one grace: a process stopped again during it is not waited for again.
 */
export function graceAfterStop(lateMs: number, timeoutMs: number, graceGiven: boolean): number | undefined {
  if (graceGiven || lateMs <= SUSPENDED_MS) return undefined;
  return Math.min(timeoutMs, SUSPENDED_GRACE_MS);
}

/** Calls `onPassed` once `timeoutMs` have passed while this process ran, unless cleared first. */
export function startDeadline(timeoutMs: number, onPassed: () => void): Deadline {
  const due = performance.now() + timeoutMs;
  let graceGiven = false;
  const check = () => {
    const grace = graceAfterStop(performance.now() - due, timeoutMs, graceGiven);
    if (grace !== undefined) {
      graceGiven = true;
      timer = setTimeout(check, grace);
      return;
    }
    // Timers run before I/O in each turn of the event loop: let an answer that has arrived be read first.
    setImmediate(onPassed);
  };
  let timer = setTimeout(check, timeoutMs);
  return { clear: () => clearTimeout(timer) };
}
