import { type AddressInfo, connect, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy on 127.0.0.1:0 in front of a real redis-server that drops a connection the way a load balancer reset,
 * a `CLIENT KILL` or a failover does: once, at the moment the client sends a command whose bytes contain `trigger`
 * (say, the body of the store's write script). Everything else is forwarded untouched, both ways.
 *
 * - `before`: the command is not forwarded; the server never runs it.
 * - `after`: the command is forwarded, and the connection drops before its answer comes back.
 */
export type DropWhen = 'before' | 'after';

export interface RedisFaultProxy {
  /** `redis://127.0.0.1:<port>` plus what `urlFor` adds. */
  readonly port: number;
  /** Connections the client opened through the proxy. */
  readonly connections: number;
  /** True once the drop happened. */
  readonly dropped: boolean;
  /** How many connections were dropped. */
  readonly drops: number;
  /**
   * Arms the proxy: the next command containing `trigger` drops its connection (once). `meanwhile` runs before the
   * client learns of the drop (say, another holder takes the lock). `times`: drop that many such commands, not one.
   */
  dropOn(trigger: string, when: DropWhen, meanwhile?: () => Promise<unknown>, times?: number): void;
  stop(): Promise<void>;
}

export async function startRedisFaultProxy(redisPort: number): Promise<RedisFaultProxy> {
  const sockets = new Set<Socket>();
  let connections = 0;
  let armed:
    | { trigger: Buffer; when: DropWhen; meanwhile: (() => Promise<unknown>) | undefined; left: number }
    | undefined;
  let drops = 0;
  let dropped = false;

  const server: Server = createServer((client) => {
    connections++;
    const upstream = connect({ host: '127.0.0.1', port: redisPort });
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('error', () => undefined);
      socket.on('close', () => sockets.delete(socket));
    }
    let meanwhile: (() => Promise<unknown>) | undefined;
    const cut = (): void => {
      void (meanwhile?.() ?? Promise.resolve()).finally(() => {
        // An RST, as a load balancer that drops a flow sends: the client sees ECONNRESET, not a polite FIN.
        client.resetAndDestroy();
        upstream.destroy();
      });
    };
    /** `after`: the command went to the server; its answer is held back, and its arrival cuts the connection. */
    let cutOnAnswer = false;
    // A command arrives whole in one chunk in practice (node-redis writes it at once); a test that needs the match to
    // span chunks would need a buffer here.
    client.on('data', (chunk: Buffer) => {
      const fault = armed;
      if (fault && chunk.includes(fault.trigger)) {
        fault.left -= 1;
        if (fault.left === 0) armed = undefined;
        dropped = true;
        drops += 1;
        meanwhile = fault.meanwhile;
        if (fault.when === 'before') return cut();
        cutOnAnswer = true;
      }
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (cutOnAnswer) {
        cutOnAnswer = false;
        cut();
      } else if (!client.destroyed) client.write(chunk);
    });
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));

  return {
    port: (server.address() as AddressInfo).port,
    get connections() {
      return connections;
    },
    get dropped() {
      return dropped;
    },
    get drops() {
      return drops;
    },
    dropOn(trigger, when, meanwhile, times = 1) {
      armed = { trigger: Buffer.from(trigger, 'utf8'), when, meanwhile, left: times };
    },
    async stop() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
