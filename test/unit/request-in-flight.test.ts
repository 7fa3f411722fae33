import { describe, expect, it } from 'vitest';
import { createRequestInFlight, type RequestInFlight } from '../../src/http/in-flight.js';
import type { RequestPlan } from '../../src/http/plan.js';
import { parseTarget } from '../../src/http/target.js';

function flightFor(onSent?: () => void): RequestInFlight {
  const url = 'https://api.podio.com/oauth/token/v2';
  const request = { method: 'POST' as const, url, headers: {}, signal: new AbortController().signal };
  const plan: RequestPlan = {
    request: onSent ? { ...request, onSent } : request,
    target: parseTarget(url),
    proxy: undefined,
    headers: {},
    timeoutMs: 1_000,
  };
  return createRequestInFlight(plan, 'to-origin');
}

describe('a request in flight', () => {
  it('ends once: cleans up, then destroys all it opened, then settles with the first outcome', async () => {
    const flight = flightFor();
    const events: string[] = [];
    flight.whenEnded(() => events.push('clean-up'));
    flight.hold({ destroy: () => events.push('socket') });
    flight.hold({ destroy: () => events.push('answer') });
    flight.fail(new Error('first'));
    flight.succeed({ status: 200, headers: {}, text: 'late' });
    flight.fail(new Error('second'));
    await expect(flight.answer).rejects.toThrow('first');
    expect(events).toEqual(['clean-up', 'socket', 'answer']);
  });

  it('says it was sent once, and not after it has ended', () => {
    let calls = 0;
    const flight = flightFor(() => calls++);
    flight.markSent();
    flight.markSent();
    expect([flight.sent, calls]).toEqual([true, 1]);
    const ended = flightFor(() => calls++);
    ended.fail(new Error('interrupted'));
    ended.markSent();
    expect([ended.sent, calls]).toEqual([false, 1]);
    return expect(ended.answer).rejects.toThrow('interrupted');
  });

  it('turns a throw inside a guarded callback into its failure', async () => {
    const flight = flightFor();
    flight.guarded((value: string) => {
      throw new Error(`bad ${value}`);
    })('header');
    await expect(flight.answer).rejects.toThrow('bad header');
  });

  it('blames a socket error on the party of its stage', async () => {
    const flight = flightFor();
    flight.stage = 'answer';
    flight.failOnSocketError(Object.assign(new Error('x'), { code: 'ECONNRESET' }));
    await expect(flight.answer).rejects.toMatchObject({
      code: 'network',
      message: 'Could not reach api.podio.com: the connection was closed before the whole answer came.',
    });
  });
});
