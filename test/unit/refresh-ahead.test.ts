import { describe, expect, it } from 'vitest';
import { createRefreshAhead } from '../../src/interop/refresh-ahead.js';

/** A wall clock the test moves, as a machine waking from sleep moves it; Node's timers do not see the jump. */
function wallClock() {
  let offset = 0;
  return { now: () => Date.now() + offset, jump: (ms: number) => (offset += ms) };
}

describe('RefreshAhead: the session store refreshing before expiry', () => {
  it('notices a wall clock that jumped past the moment at its next look, not after the full wait', async () => {
    const clock = wallClock();
    let due = 0;
    const woken = new Promise<void>((resolve) => {
      const ahead = createRefreshAhead(
        clock.now,
        () => {
          due++;
          resolve();
        },
        50,
      );
      ahead.at(clock.now() + 3_600_000);
    });
    clock.jump(3_600_000);
    const startedAt = Date.now();
    await woken;
    expect(due).toBe(1);
    expect(Date.now() - startedAt).toBeLessThan(1_000);
  });

  it('does not call before the moment, and not at all once stopped', async () => {
    const clock = wallClock();
    const calls: string[] = [];
    const early = createRefreshAhead(clock.now, () => calls.push('early'), 20);
    early.at(clock.now() + 3_600_000);
    const stopped = createRefreshAhead(clock.now, () => calls.push('stopped'), 20);
    stopped.at(clock.now() + 100);
    stopped.stop();
    const onTime = await new Promise<number>((resolve) => {
      const start = Date.now();
      createRefreshAhead(clock.now, () => resolve(Date.now() - start), 20).at(clock.now() + 300);
    });
    early.stop();
    expect(onTime).toBeGreaterThanOrEqual(290);
    expect(calls).toEqual([]);
  });
});
