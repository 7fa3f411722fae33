import { createServer, type Server, type ServerResponse } from 'node:http';
import { interrupted, PodioAuthError } from '../errors.js';
import { acceptedHosts, type CallbackExpectation, judgeCallback } from './callback.js';
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

/** Which loopback addresses serve a redirect host. Anything else resolves (we trust) to 127.0.0.1. */
export function listenAddresses(redirectHost: string): { required: string; optional: string[] } {
  if (redirectHost === 'localhost') return { required: '127.0.0.1', optional: ['::1'] };
  if (redirectHost === '[::1]') return { required: '::1', optional: [] };
  if (/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(redirectHost)) return { required: redirectHost, optional: [] };
  return { required: '127.0.0.1', optional: [] };
}

function listen(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error) => reject(error);
    server.once('error', onError);
    server.listen({ host, port, exclusive: true }, () => {
      server.off('error', onError);
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : port);
    });
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) {
      resolve();
      return;
    }
    server.close(() => resolve());
    // Browsers keep connections open; without this a keep-alive socket would hold the process for seconds.
    server.closeAllConnections();
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

export async function startCallbackServer(options: {
  redirectHost: string;
  port: number;
  nonce: string;
  state: string;
}): Promise<CallbackServer> {
  const { required, optional } = listenAddresses(options.redirectHost);
  const servers: Server[] = [];
  let settle: ((result: CallbackResult) => void) | undefined;
  let settled = false;
  const pending = new Promise<CallbackResult>((resolve) => {
    settle = resolve;
  });
  let expectation: CallbackExpectation | undefined;

  const accept = (
    verdict: Exclude<ReturnType<typeof judgeCallback>, { kind: 'reject' }>,
    respond: (page: Page) => Promise<void>,
  ) => {
    settled = true;
    settle?.(verdict.kind === 'code' ? { kind: 'code', code: verdict.code, respond } : { ...verdict, respond });
  };

  const handler = (request: import('node:http').IncomingMessage, response: ServerResponse) => {
    request.resume();
    if (!expectation) {
      void send(response, pages.notFound());
      return;
    }
    const verdict = judgeCallback(
      { method: request.method, url: request.url, host: request.headers.host },
      expectation,
    );
    if (verdict.kind === 'reject') {
      void send(response, verdict.page);
      return;
    }
    if (settled) {
      void send(response, pages.alreadyHandled());
      return;
    }
    accept(verdict, (page) => send(response, page));
  };

  const makeServer = () => {
    const server = createServer(handler);
    // A callback is one small GET: slow or idle connections are not worth waiting for.
    server.headersTimeout = 10_000;
    server.requestTimeout = 15_000;
    server.keepAliveTimeout = 500;
    servers.push(server);
    return server;
  };

  const closeAll = async () => {
    await Promise.all(servers.map(closeServer));
  };

  // With port 0 the kernel picks a port on the first address; the others must get the same one, and if one
  // of them has it taken, start over with a new port rather than leave `localhost` half served.
  let port = options.port;
  for (let attempt = 0; ; attempt++) {
    try {
      port = await listen(makeServer(), required, options.port);
      for (const host of optional) {
        try {
          await listen(makeServer(), host, port);
        } catch (error) {
          const code = (error as NodeJS.ErrnoException).code;
          // No IPv6 on this machine: `localhost` cannot resolve to ::1 here either.
          if (code === 'EADDRNOTAVAIL' || code === 'EAFNOSUPPORT') {
            servers.pop();
            continue;
          }
          throw error;
        }
      }
      break;
    } catch (error) {
      await closeAll();
      servers.length = 0;
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EADDRINUSE' && options.port === 0 && attempt < 5) continue;
      if (code === 'EADDRINUSE') {
        throw new PodioAuthError('port_in_use', `Port ${options.port} is already in use on loopback.`, {
          cause: error,
        });
      }
      throw new PodioAuthError(
        'listen_failed',
        `Could not listen on loopback port ${options.port} (${code ?? 'error'}).`,
        {
          cause: error,
        },
      );
    }
  }

  const path = `/callback/${options.nonce}`;
  expectation = { path, state: options.state, hosts: acceptedHosts(options.redirectHost, port) };

  return {
    redirectUri: `http://${options.redirectHost}:${port}${path}`,
    port,
    submitPasted: (text) => {
      let url: URL;
      try {
        url = new URL(text.trim());
      } catch {
        return 'that is not an address (it should start with http://)';
      }
      if (!expectation) return 'the login is not ready';
      const verdict = judgeCallback(
        { method: 'GET', url: `${url.pathname}${url.search}`, host: url.host },
        expectation,
      );
      if (verdict.kind === 'reject') return verdict.reason;
      if (settled) return 'the login has already been answered';
      // Nobody waits for a page: the browser that showed this address got its answer (or none) already.
      accept(verdict, async () => {});
      return undefined;
    },
    result: (signal) =>
      new Promise<CallbackResult>((resolve, reject) => {
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
      }),
    close: closeAll,
  };
}
