import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/**
 * The emulator's listening sockets: `localhost` listens on 127.0.0.1 and, when the machine has IPv6, on ::1 (a
 * client may resolve localhost to either); stopping destroys open connections, so a hung request cannot keep a
 * test waiting.
 */

export type Handler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

export interface EmulatorServer {
  /** Listens and returns the base URL. */
  start(host: string, port: number): Promise<string>;
  stop(): Promise<void>;
}

interface Listeners {
  readonly handler: Handler;
  readonly sockets: Set<Socket>;
  readonly servers: Server[];
}

export function createEmulatorServer(handler: Handler): EmulatorServer {
  const listeners: Listeners = { handler, sockets: new Set(), servers: [] };
  return {
    async start(host, port) {
      const primary = await listen(listeners, host === 'localhost' ? '127.0.0.1' : host, port);
      const { port: bound } = primary.address() as AddressInfo;
      // Clients may resolve localhost to ::1 first; a machine without IPv6 simply has no second listener.
      if (host === 'localhost') await listen(listeners, '::1', bound).catch(() => undefined);
      return `http://${host.includes(':') ? `[${host}]` : host}:${bound}`;
    },
    async stop() {
      for (const socket of listeners.sockets) socket.destroy();
      await Promise.all(
        listeners.servers.map(
          (server) => new Promise<void>((resolve) => (server.listening ? server.close(() => resolve()) : resolve())),
        ),
      );
    },
  };
}

function listen(listeners: Listeners, host: string, port: number): Promise<Server> {
  const server = createServer((req, res) => {
    listeners.handler(req, res).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(String(error));
    });
  });
  server.on('connection', (socket) => {
    listeners.sockets.add(socket);
    socket.on('close', () => listeners.sockets.delete(socket));
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      listeners.servers.push(server);
      resolve(server);
    });
  });
}
