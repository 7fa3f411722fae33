import { describe, expect, it } from 'vitest';
import { createRefreshGate } from '../../src/interop/refresh-gate.js';
import type { FreshToken } from '../../src/usecases/get-token.js';
import { fakeDeps, unexpectedHttp } from '../support/deps.js';

/** A lookup's result, as get-token makes it. */
function fresh(refreshed: boolean): FreshToken {
  return {
    tokens: { accessToken: 'a'.repeat(40), tokenType: 'bearer', expiresAt: '2026-01-01T08:00:00Z' },
    source: { kind: 'env', variable: 'PODIO_REFRESH_TOKEN' },
    refreshed,
  };
}

describe('RefreshGate: the library and podio-js never refresh at once', () => {
  it('counts a lookup as rotating from its token request until it has settled, and announces the refresh', async () => {
    const gate = createRefreshGate();
    const { deps } = fakeDeps(unexpectedHttp);
    const announced: FreshToken[] = [];
    gate.onRotated((result) => announced.push(result));
    const seen: boolean[] = [];
    const result = await gate.lookup(deps, async (gated) => {
      seen.push(gate.isRotating());
      await gated.critical(async () => seen.push(gate.isRotating()));
      seen.push(gate.isRotating());
      return fresh(true);
    });
    expect(seen).toEqual([false, true, true]);
    expect(gate.isRotating()).toBe(false);
    expect(announced).toEqual([result]);
    await gate.lookup(deps, async () => fresh(false));
    expect(announced).toHaveLength(1);
  });

  it('while podio-js refreshes, drops a token request before it is sent and makes the lookup again after', async () => {
    const gate = createRefreshGate();
    const { deps } = fakeDeps(unexpectedHttp);
    const standing = gate.standBack(60_000);
    const sent: number[] = [];
    let attempts = 0;
    const lookup = gate.lookup(deps, async (gated) => {
      attempts++;
      await gated.critical(async () => sent.push(attempts));
      return fresh(true);
    });
    // The first attempt was dropped, and the next waits for podio-js.
    await Promise.resolve();
    await new Promise((resolve) => setImmediate(resolve));
    expect({ attempts, sent }).toEqual({ attempts: 1, sent: [] });
    standing.end();
    await expect(lookup).resolves.toMatchObject({ refreshed: true });
    expect({ attempts, sent }).toEqual({ attempts: 2, sent: [2] });
    expect(standing.ended).toBe(true);
  });

  it('a stand-back ends by itself after its bound (podio-js sets none)', async () => {
    const gate = createRefreshGate();
    const { deps } = fakeDeps(unexpectedHttp);
    const bounded = gate.standBack(50);
    const result = await gate.lookup(deps, (gated) => gated.critical(async () => fresh(true)));
    expect(result.refreshed).toBe(true);
    expect(bounded.ended).toBe(true);
  });

  it('gives up with a PodioAuthError after podio-js made it stand back three times in a row', async () => {
    const gate = createRefreshGate();
    const { deps } = fakeDeps(unexpectedHttp);
    let standing = gate.standBack(60_000);
    let attempts = 0;
    const lookup = gate.lookup(deps, (gated) => {
      attempts++;
      return gated.critical(async () => fresh(true));
    });
    for (const expected of [1, 2]) {
      await new Promise((resolve) => setImmediate(resolve));
      expect(attempts).toBe(expected);
      const next = gate.standBack(60_000);
      standing.end();
      standing = next;
    }
    await expect(lookup).rejects.toMatchObject({ name: 'PodioAuthError', code: 'lock_timeout' });
    expect(attempts).toBe(3);
    standing.end();
  });

  it('a caller waiting for podio-js can be interrupted', async () => {
    const gate = createRefreshGate();
    const controller = new AbortController();
    const { deps } = fakeDeps(unexpectedHttp, {}, { signal: controller.signal });
    const standing = gate.standBack(60_000);
    const lookup = gate.lookup(deps, (gated) => gated.critical(async () => fresh(true)));
    await new Promise((resolve) => setImmediate(resolve));
    controller.abort('SIGTERM');
    await expect(lookup).rejects.toMatchObject({ code: 'terminated' });
    standing.end();
  });
});
