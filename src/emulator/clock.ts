import type { IncomingMessage, ServerResponse } from 'node:http';
import { json, parseJsonObject, podioError } from './answers.js';

/**
 * The emulated clock that codes, tokens and rate-limit hours run on, and `/__emulator/clock`, which lets a test in
 * another process move it: a token's expiry can then be reached without waiting for it.
 */

export interface EmulatedClock {
  /** The emulated time, in milliseconds since the epoch. */
  now(): number;
  advance(seconds: number): void;
  setOffset(seconds: number): void;
  readonly offsetSeconds: number;
}

/** A clock `offsetMs` ahead of the real one (behind, if negative). */
export function createEmulatedClock(offsetMs: number): EmulatedClock {
  let offset = offsetMs;
  return {
    now: () => Date.now() + offset,
    advance(seconds) {
      offset += seconds * 1000;
    },
    setOffset(seconds) {
      offset = seconds * 1000;
    },
    get offsetSeconds() {
      return offset / 1000;
    },
  };
}

/** `GET` reports the emulated clock; `POST { advance_seconds }` or `{ offset_seconds }` moves it. */
export function clockControl(clock: EmulatedClock, req: IncomingMessage, body: string, res: ServerResponse): void {
  if (req.method === 'POST') {
    const fields = parseJsonObject(body);
    const advance = fields?.['advance_seconds'];
    const offset = fields?.['offset_seconds'];
    const valid = (value: unknown) => value === undefined || (typeof value === 'number' && Number.isFinite(value));
    if (!fields || (advance === undefined && offset === undefined) || !valid(advance) || !valid(offset)) {
      json(res, podioError(400, 'invalid_request', 'Send {"advance_seconds": n} or {"offset_seconds": n}', req));
      return;
    }
    if (typeof offset === 'number') clock.setOffset(offset);
    if (typeof advance === 'number') clock.advance(advance);
  } else if (req.method !== 'GET') {
    json(res, podioError(405, 'method_not_allowed', 'Use GET or POST', req));
    return;
  }
  json(res, { status: 200, body: { offset_seconds: clock.offsetSeconds, now: new Date(clock.now()).toISOString() } });
}
