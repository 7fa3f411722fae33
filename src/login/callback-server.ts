import type { IncomingMessage, ServerResponse } from 'node:http';
import { interrupted } from '../errors.js';
import { acceptedHosts, type CallbackExpectation, judgeCallback } from './callback.js';
import { listenOnLoopback } from './loopback-listener.js';
import { PAGE_HEADERS, type Page, pages, renderPage } from './pages.js';

/**
 * The one-shot server the browser comes back to. Bound once, on loopback only, before the authorize URL
 * exists; every request is judged by `judgeCallback`, and only the first valid answer counts.
 */

/** `respond` resolves once the page has been handed to the OS (or the browser went away), so closing is safe. */
export type CallbackResult =
  | { kind: 'code'; code: string; respond: (page: Page) => Promise<void> }
  | { kind: 'error'; error: string; description: string | undefined; respond: (page: Page) => Promise<void> };

export interface CallbackServer {
  /** `http://<redirect-host>:<port>/callback/<nonce>` */
  redirectUri: string;
  port: number;
  /**
   * The address the browser ended on, pasted by the user (the browser may be on another machine): judged exactly
   * like a request to the server. Returns why it was refused, or undefined when it was taken.
   */
  submitPasted(text: string): string | undefined;
  /** Resolves with the first valid callback; rejects on abort (exit 130). The caller bounds the wait. */
  result(signal: AbortSignal): Promise<CallbackResult>;
  close(): Promise<void>;
}

type Accepted = Exclude<ReturnType<typeof judgeCallback>, { kind: 'reject' }>;

/** The first valid answer, taken once: later ones are told the login was already answered. */
interface FirstAnswer {
  readonly settled: boolean;
  /** Resolves with the answer taken. */
  readonly pending: Promise<CallbackResult>;
  take(verdict: Accepted, respond: (page: Page) => Promise<void>): void;
}

function createFirstAnswer(): FirstAnswer {
  let settled = false;
  let settle: (result: CallbackResult) => void = () => {};
  const pending = new Promise<CallbackResult>((resolve) => {
    settle = resolve;
  });
  return {
    get settled() {
      return settled;
    },
    pending,
    take(verdict, respond) {
      settled = true;
      settle(verdict.kind === 'code' ? { kind: 'code', code: verdict.code, respond } : { ...verdict, respond });
    },
  };
}

export async function startCallbackServer(options: {
  redirectHost: string;
  port: number;
  nonce: string;
  state: string;
}): Promise<CallbackServer> {
  const answer = createFirstAnswer();
  // Requests that come before the port is known (and with it the hosts to accept) find nothing.
  let expectation: CallbackExpectation | undefined;
  const listener = await listenOnLoopback(options.redirectHost, options.port, (request, response) =>
    handleRequest(request, response, expectation, answer),
  );
  const { port } = listener;
  const path = `/callback/${options.nonce}`;
  const expected: CallbackExpectation = {
    path,
    state: options.state,
    hosts: acceptedHosts(options.redirectHost, port),
  };
  expectation = expected;
  return {
    redirectUri: `http://${options.redirectHost}:${port}${path}`,
    port,
    submitPasted: (text) => submitPasted(text, expected, answer),
    result: (signal) => waitForAnswer(answer.pending, signal),
    close: () => listener.close(),
  };
}

function handleRequest(
  request: IncomingMessage,
  response: ServerResponse,
  expectation: CallbackExpectation | undefined,
  answer: FirstAnswer,
): void {
  request.resume();
  if (!expectation) {
    void send(response, pages.notFound());
    return;
  }
  const verdict = judgeCallback({ method: request.method, url: request.url, host: request.headers.host }, expectation);
  if (verdict.kind === 'reject') {
    void send(response, verdict.page);
    return;
  }
  if (answer.settled) {
    void send(response, pages.alreadyHandled());
    return;
  }
  answer.take(verdict, (page) => send(response, page));
}

function submitPasted(text: string, expectation: CallbackExpectation, answer: FirstAnswer): string | undefined {
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    return 'that is not an address (it should start with http://)';
  }
  const verdict = judgeCallback({ method: 'GET', url: `${url.pathname}${url.search}`, host: url.host }, expectation);
  if (verdict.kind === 'reject') return verdict.reason;
  if (answer.settled) return 'the login has already been answered';
  // Nobody waits for a page: the browser that showed this address got its answer (or none) already.
  answer.take(verdict, async () => {});
  return undefined;
}

function waitForAnswer(pending: Promise<CallbackResult>, signal: AbortSignal): Promise<CallbackResult> {
  return new Promise<CallbackResult>((resolve, reject) => {
    const onAbort = () => reject(interrupted(undefined, signal.reason));
    if (signal.aborted) {
      onAbort();
      return;
    }
    signal.addEventListener('abort', onAbort, { once: true });
    pending.then(
      (result) => {
        signal.removeEventListener('abort', onAbort);
        resolve(result);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

function send(response: ServerResponse, page: Page): Promise<void> {
  if (response.headersSent || response.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      resolve();
    };
    // A browser that stops reading must not hold the login open.
    const timer = setTimeout(done, 2_000);
    response.once('close', done);
    response.writeHead(page.status, PAGE_HEADERS);
    response.end(renderPage(page), done);
  });
}
