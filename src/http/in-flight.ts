import type { Socket } from 'node:net';
import { socketError } from './failures.js';
import type { RequestPlan, Stage } from './plan.js';
import type { HttpResponse } from './types.js';

/** Something a request opened, closed when it ends: a socket, node:http's request or its answer. */
interface Closable {
  destroy(): unknown;
}

type Outcome = { error: Error } | { response: HttpResponse };

/**
 * One request while it is in flight: the state its steps share (where it is, whether it was written, whether it
 * has ended) and the one way it ends, which destroys everything it opened, however it ends.
 */
export interface RequestInFlight {
  readonly plan: RequestPlan;
  /** Settles once, with the answer or the error the request ended with. */
  readonly answer: Promise<HttpResponse>;
  /** Where the request is: what a failure is blamed on. */
  stage: Stage;
  /** The request is written: from then on Podio may be acting on it, and `abortUntilSent` no longer counts. */
  readonly sent: boolean;
  /** Runs `cleanUp` when the request ends (before its sockets are destroyed). */
  whenEnded(cleanUp: () => void): void;
  fail(error: Error): void;
  succeed(response: HttpResponse): void;
  /** The request has been handed to the socket: Podio may get it even if this process stops now. */
  markSent(): void;
  /** Closes `closable` when the request ends. */
  hold(closable: Closable): void;
  /** A connection this request opened: its failure (or, before node:http drives it, its closing) ends the request. */
  track<T extends Socket>(socket: T): T;
  /** Ends the request with the error a socket (or node:http) reported, blamed on the party of the current stage. */
  readonly failOnSocketError: (error: unknown) => void;
  /** `callback`, whose throw fails this request instead of crashing the process. */
  guarded<A extends unknown[]>(callback: (...args: A) => void): (...args: A) => void;
}

interface FlightState {
  readonly plan: RequestPlan;
  stage: Stage;
  sent: boolean;
  ended: boolean;
  readonly opened: Set<Closable>;
  readonly onEnd: (() => void)[];
  readonly settle: (outcome: Outcome) => void;
}

export function createRequestInFlight(plan: RequestPlan, firstStage: Stage): RequestInFlight {
  let settle: (outcome: Outcome) => void = () => {};
  // The executor runs at once, so `settle` is the promise's before the state takes it.
  const answer = new Promise<HttpResponse>((resolve, reject) => {
    settle = (outcome) => ('error' in outcome ? reject(outcome.error) : resolve(outcome.response));
  });
  const state: FlightState = {
    plan,
    stage: firstStage,
    sent: false,
    ended: false,
    opened: new Set(),
    onEnd: [],
    settle,
  };
  const fail = (error: Error): void => end(state, { error });
  const failOnSocketError = (error: unknown): void => fail(socketError(plan, state.stage, error));
  return {
    plan,
    answer,
    get stage() {
      return state.stage;
    },
    set stage(stage) {
      state.stage = stage;
    },
    get sent() {
      return state.sent;
    },
    whenEnded(cleanUp) {
      state.onEnd.push(cleanUp);
    },
    fail,
    succeed: (response) => end(state, { response }),
    markSent() {
      if (state.ended || state.sent) return;
      state.sent = true;
      plan.request.onSent?.();
    },
    hold(closable) {
      state.opened.add(closable);
    },
    track: (socket) => track(state, socket, failOnSocketError),
    failOnSocketError,
    guarded: (callback) => guarded(callback, fail),
  };
}

function track<T extends Socket>(state: FlightState, socket: T, failOnSocketError: (error: unknown) => void): T {
  state.opened.add(socket);
  socket.on('error', failOnSocketError);
  // A proxy that hangs up on CONNECT closes cleanly: no error is raised, only 'close'.
  socket.on('close', () => {
    if (state.stage === 'request' || state.stage === 'answer') return;
    failOnSocketError(Object.assign(new Error('The peer closed the connection.'), { code: 'ECONNRESET' }));
  });
  return socket;
}

function guarded<A extends unknown[]>(callback: (...args: A) => void, fail: (error: Error) => void) {
  return (...args: A): void => {
    try {
      callback(...args);
    } catch (error) {
      fail(error instanceof Error ? error : new Error(String(error)));
    }
  };
}

function end(state: FlightState, outcome: Outcome): void {
  if (state.ended) return;
  state.ended = true;
  for (const cleanUp of state.onEnd) cleanUp();
  for (const closable of state.opened) closable.destroy();
  state.settle(outcome);
}
