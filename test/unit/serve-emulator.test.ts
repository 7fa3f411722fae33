import { createServer, type Server } from 'node:net';
import { describe, expect, it } from 'vitest';
import { emulatorExports } from '../../src/commands/emulator.js';
import {
  checkEmulatorInput,
  type EmulatorWelcome,
  type ServeEmulatorInput,
  serveEmulator,
} from '../../src/usecases/serve-emulator.js';
import { thrown } from '../support/errors.js';

const INPUT: ServeEmulatorInput = {
  host: '127.0.0.1',
  port: 0,
  decision: 'grant',
  echoState: true,
  rotateRefreshTokens: true,
  expiresIn: 28_800,
  domain: 'localhost',
  rateLimit: 1000,
  rateLimited: false,
  clockOffsetSeconds: 0,
};

function listen(server: Server, port = 0): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : 0);
    });
  });
}

describe('serving the emulator', () => {
  it('listens on loopback only, and a --domain must be a host name', () => {
    for (const host of ['127.0.0.1', '::1', 'localhost'])
      expect(() => checkEmulatorInput({ ...INPUT, host })).not.toThrow();
    const open = thrown(() => checkEmulatorInput({ ...INPUT, host: '0.0.0.0' }));
    expect(open.code).toBe('usage');
    expect(open.message).toBe('--host must be a loopback address (127.0.0.1, ::1 or localhost), not "0.0.0.0".');
    expect(thrown(() => checkEmulatorInput({ ...INPUT, domain: 'evil.example/path' })).message).toBe(
      '--domain must be a host name such as localhost or localtest.me, not "evil.example/path".',
    );
  });

  it('welcomes with its URL and demo accounts once it listens, serves until the signal, then stops', async () => {
    const controller = new AbortController();
    let settled = false;
    const welcomed = new Promise<EmulatorWelcome>((resolve, reject) => {
      serveEmulator(INPUT, { signal: controller.signal, onListening: async (welcome) => resolve(welcome) })
        .then(() => {
          settled = true;
        })
        .catch(reject);
    });
    const { url, client, app } = await welcomed;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect([client.clientId, app.app_id]).toEqual(['demo-client', '777']);
    // Still serving after the welcome: only the signal ends it.
    expect((await fetch(`${url}/user/status`)).status).toBe(401);
    expect(settled).toBe(false);
    controller.abort();
    await expect.poll(() => settled).toBe(true);
    await expect(fetch(`${url}/user/status`)).rejects.toThrow();
  });

  it('a port in use is port_in_use, and nothing is welcomed', async () => {
    const taken = createServer();
    const port = await listen(taken);
    try {
      let welcomed = false;
      const serving = serveEmulator(
        { ...INPUT, port },
        {
          signal: new AbortController().signal,
          onListening: async () => {
            welcomed = true;
          },
        },
      );
      await expect(serving).rejects.toMatchObject({
        code: 'port_in_use',
        message: `Could not listen on 127.0.0.1:${port} (EADDRINUSE).`,
      });
      expect(welcomed).toBe(false);
    } finally {
      taken.close();
    }
  });

  it('prints the exports that point podio-auth at it', () => {
    expect(emulatorExports({ url: 'http://127.0.0.1:1', client: { clientId: 'id', clientSecret: 'demo' } })).toBe(
      [
        'export PODIO_AUTH_URL=http://127.0.0.1:1',
        'export PODIO_API_URL=http://127.0.0.1:1',
        'export PODIO_CLIENT_ID=id',
        'export PODIO_CLIENT_SECRET=demo',
        '',
      ].join('\n'),
    );
  });
});
