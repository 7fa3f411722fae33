/**
 * A wake-up at a moment on the wall clock, for the podio-js session store to refresh its token before podio-js
 * could read it expired. Node's timers run on a clock that stops while the machine sleeps, so a long wait is cut
 * into steps of at most a minute, each of which looks at the wall clock again: a machine that slept past the
 * moment is noticed soon after it wakes. The timer never keeps the process alive.
 */

const WALL_CLOCK_CHECK_MS = 60_000;
/** The shortest wait: a moment already past is met soon, but never in a loop. */
const MIN_WAIT_MS = 250;

export interface RefreshAhead {
  /** Calls `onDue` once at `dueAt` (milliseconds since the epoch); replaces any wake-up set before. */
  at(dueAt: number): void;
  stop(): void;
}

export function createRefreshAhead(
  now: () => number,
  onDue: () => void,
  checkEveryMs = WALL_CLOCK_CHECK_MS,
): RefreshAhead {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const at = (dueAt: number): void => {
    clearTimeout(timer);
    if (stopped) return;
    const wait = Math.min(Math.max(dueAt - now(), MIN_WAIT_MS), checkEveryMs);
    timer = setTimeout(() => {
      timer = undefined;
      if (now() >= dueAt) onDue();
      else at(dueAt);
    }, wait);
    timer.unref();
  };
  return {
    at,
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
