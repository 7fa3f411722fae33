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
export class RequestInFlight {
  /** Settles once, with the answer or the error the request ended with. */
  readonly answer: Promise<HttpResponse>;
  stage: Stage;
  /** The request is written: from then on Podio may be acting on it, and `abortUntilSent` no longer counts. */
  sent = false;
  private ended = false;
  private readonly opened = new Set<Closable>();
  private readonly onEnd: (() => void)[] = [];
  // Set by the promise's executor, which runs at once.
  private settle!: (outcome: Outcome) => void;

  constructor(
    readonly plan: RequestPlan,
    firstStage: Stage,
  ) {
    this.stage = firstStage;
    this.answer = new Promise<HttpResponse>((resolve, reject) => {
      this.settle = (outcome) => ('error' in outcome ? reject(outcome.error) : resolve(outcome.response));
    });
  }

  /** Runs `cleanUp` when the request ends (before its sockets are destroyed). */
  whenEnded(cleanUp: () => void): void {
    this.onEnd.push(cleanUp);
  }

  fail(error: Error): void {
    this.end({ error });
  }

  succeed(response: HttpResponse): void {
    this.end({ response });
  }

  /** The request has been handed to the socket: Podio may get it even if this process stops now. */
  markSent(): void {
    if (this.ended || this.sent) return;
    this.sent = true;
    this.plan.request.onSent?.();
  }

  /** Closes `closable` when the request ends. */
  hold(closable: Closable): void {
    this.opened.add(closable);
  }

  /** A connection this request opened: its failure (or, before node:http drives it, its closing) ends the request. */
  track<T extends Socket>(socket: T): T {
    this.hold(socket);
    socket.on('error', this.failOnSocketError);
    // A proxy that hangs up on CONNECT closes cleanly: no error is raised, only 'close'.
    socket.on('close', () => {
      if (this.stage === 'request' || this.stage === 'answer') return;
      this.failOnSocketError(Object.assign(new Error('The peer closed the connection.'), { code: 'ECONNRESET' }));
    });
    return socket;
  }

  /** Ends the request with the error a socket (or node:http) reported, blamed on the party of the current stage. */
  readonly failOnSocketError = (error: unknown): void => {
    this.fail(socketError(this.plan, this.stage, error));
  };

  /** `callback`, whose throw fails this request instead of crashing the process. */
  guarded<A extends unknown[]>(callback: (...args: A) => void): (...args: A) => void {
    return (...args: A): void => {
      try {
        callback(...args);
      } catch (error) {
        this.fail(error instanceof Error ? error : new Error(String(error)));
      }
    };
  }

  private end(outcome: Outcome): void {
    if (this.ended) return;
    this.ended = true;
    for (const cleanUp of this.onEnd) cleanUp();
    for (const closable of this.opened) closable.destroy();
    this.settle(outcome);
  }
}
