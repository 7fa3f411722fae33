/**
 * A wake-up at a moment on the wall clock, for the podio-js session store to refresh its token before podio-js
 * could read it expired. Node's timers run on a clock that stops while the machine sleeps, so a long wait is cut
 * into steps of at most a minute, each of which looks at the wall clock again: a machine that slept past the
 * moment is noticed soon after it wakes. The timer never keeps the process alive.
 */

const WALL_CLOCK_CHECK_MS = 60_000;
/** The shortest wait: a moment already past is met soon, but never in a loop. */
const MIN_WAIT_MS = 250;

export class RefreshAhead {
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly now: () => number,
    private readonly onDue: () => void,
    private readonly checkEveryMs = WALL_CLOCK_CHECK_MS,
  ) {}

  /** Calls `onDue` once at `dueAt` (milliseconds since the epoch); replaces any wake-up set before. */
  at(dueAt: number): void {
    clearTimeout(this.timer);
    if (this.stopped) return;
    const wait = Math.min(Math.max(dueAt - this.now(), MIN_WAIT_MS), this.checkEveryMs);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.now() >= dueAt) this.onDue();
      else this.at(dueAt);
    }, wait);
    this.timer.unref();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }
}
