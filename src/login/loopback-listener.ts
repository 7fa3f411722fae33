import { createServer, type RequestListener, type Server } from 'node:http';
import { PodioAuthError } from '../errors.js';

/**
 * The loopback sockets the callback server listens on: every address the redirect host names here, all on one
 * port, bound before the authorize URL exists, with short timeouts (a callback is one small GET).
 */

export interface LoopbackListener {
  port: number;
  close(): Promise<void>;
}

/**
 * Which loopback addresses serve a redirect host. A name (`localhost`, or one checked to resolve to 127.0.0.1 and
 * perhaps ::1) gets both, as a browser may try either.
 */
export function listenAddresses(redirectHost: string): { required: string; optional: string[] } {
  if (redirectHost === '[::1]') return { required: '::1', optional: [] };
  if (/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(redirectHost)) return { required: redirectHost, optional: [] };
  return { required: '127.0.0.1', optional: ['::1'] };
}

/**
 * Listens on the redirect host's addresses. With port 0 the kernel picks a port on the first address; the others
 * must get the same one, and if one of them has it taken, start over with a new port rather than leave
 * `localhost` half served.
 */
export async function listenOnLoopback(
  redirectHost: string,
  port: number,
  handler: RequestListener,
): Promise<LoopbackListener> {
  const addresses = listenAddresses(redirectHost);
  for (let attempt = 0; ; attempt++) {
    const servers: Server[] = [];
    try {
      const bound = await listenAll(addresses, port, () => callbackSocket(handler, servers));
      return { port: bound, close: () => closeAll(servers) };
    } catch (error) {
      await closeAll(servers);
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EADDRINUSE' && port === 0 && attempt < 5) continue;
      throw listenFailure(error, port);
    }
  }
}

async function listenAll(
  { required, optional }: { required: string; optional: string[] },
  port: number,
  makeServer: () => Server,
): Promise<number> {
  const bound = await listen(makeServer(), required, port);
  for (const host of optional) {
    try {
      await listen(makeServer(), host, bound);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      // No IPv6 on this machine: `localhost` cannot resolve to ::1 here either.
      if (code !== 'EADDRNOTAVAIL' && code !== 'EAFNOSUPPORT') throw error;
    }
  }
  return bound;
}

function callbackSocket(handler: RequestListener, servers: Server[]): Server {
  const server = createServer(handler);
  // A callback is one small GET: slow or idle connections are not worth waiting for.
  server.headersTimeout = 10_000;
  server.requestTimeout = 15_000;
  server.keepAliveTimeout = 500;
  servers.push(server);
  return server;
}

function listenFailure(error: unknown, port: number): PodioAuthError {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'EADDRINUSE') {
    return new PodioAuthError('port_in_use', `Port ${port} is already in use on loopback.`, { cause: error });
  }
  return new PodioAuthError('listen_failed', `Could not listen on loopback port ${port} (${code ?? 'error'}).`, {
    cause: error,
  });
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

async function closeAll(servers: Server[]): Promise<void> {
  await Promise.all(servers.map(closeServer));
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
