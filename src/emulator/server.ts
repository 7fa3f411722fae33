import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/**
 * The emulator's listening sockets: `localhost` listens on 127.0.0.1 and, when the machine has IPv6, on ::1 (a
 * client may resolve localhost to either); stopping destroys open connections, so a hung request cannot keep a
 * test waiting.
 */

export type Handler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

export class EmulatorServer {
  private readonly sockets = new Set<Socket>();
  private readonly servers: Server[] = [];

  constructor(private readonly handler: Handler) {}

  /** Listens and returns the base URL. */
  async start(host: string, port: number): Promise<string> {
    const primary = await this.listen(host === 'localhost' ? '127.0.0.1' : host, port);
    const { port: bound } = primary.address() as AddressInfo;
    // Clients may resolve localhost to ::1 first; a machine without IPv6 simply has no second listener.
    if (host === 'localhost') await this.listen('::1', bound).catch(() => undefined);
    return `http://${host.includes(':') ? `[${host}]` : host}:${bound}`;
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await Promise.all(
      this.servers.map(
        (server) => new Promise<void>((resolve) => (server.listening ? server.close(() => resolve()) : resolve())),
      ),
    );
  }

  private listen(host: string, port: number): Promise<Server> {
    const server = createServer((req, res) => {
      this.handler(req, res).catch((error: unknown) => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(String(error));
      });
    });
    server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        this.servers.push(server);
        resolve(server);
      });
    });
  }
}
