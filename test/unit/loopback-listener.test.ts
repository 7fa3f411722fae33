import { connect, createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { type LoopbackListener, listenOnLoopback } from '../../src/login/loopback-listener.js';

const opened: { close(): unknown }[] = [];

afterEach(async () => {
  await Promise.all(opened.splice(0).map((item) => item.close()));
});

/** A connection to host:port, resolved with whether it was accepted. */
function accepts(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

function occupy(host: string, port = 0): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen({ host, port, exclusive: true }, () => resolve(server));
  });
}

function portOf(server: Server): number {
  const address = server.address();
  if (typeof address !== 'object' || !address) throw new Error('not listening');
  return address.port;
}

async function listener(redirectHost: string, port: number): Promise<LoopbackListener> {
  const result = await listenOnLoopback(redirectHost, port, (_request, response) => response.end());
  opened.push(result);
  return result;
}

/** Whether this machine has an IPv6 loopback at all (without one, `localhost` cannot resolve to ::1 here either). */
const hasIpv6Loopback = await occupy('::1').then(
  (server) => new Promise<boolean>((resolve) => server.close(() => resolve(true))),
  () => false,
);

describe('the callback server listening on loopback', () => {
  it('serves localhost on 127.0.0.1 and ::1, on one port, and frees both when closed', async () => {
    const { port, close } = await listener('localhost', 0);
    expect(await accepts('127.0.0.1', port)).toBe(true);
    expect(await accepts('::1', port)).toBe(hasIpv6Loopback);
    await close();
    expect(await accepts('127.0.0.1', port)).toBe(false);
    expect(await accepts('::1', port)).toBe(false);
  });

  it('serves another redirect host name on both loopbacks too, as a browser may try either', async () => {
    const { port } = await listener('localtest.me', 0);
    expect(await accepts('127.0.0.1', port)).toBe(true);
    expect(await accepts('::1', port)).toBe(hasIpv6Loopback);
  });

  // Needs an IPv6 loopback to take ::1 from: reported as skipped on a machine without one.
  it.skipIf(!hasIpv6Loopback)(
    'refuses a --port whose ::1 side is taken, rather than serve localhost by half, and lets 127.0.0.1 go',
    async () => {
      const taken = await occupy('::1');
      opened.push(taken);
      const port = portOf(taken);
      await expect(listener('localhost', port)).rejects.toMatchObject({ code: 'port_in_use' });
      const again = await occupy('127.0.0.1', port);
      opened.push(again);
    },
  );
});
