import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import { type AddressInfo, createServer as createTcpServer, type Socket, type Server as TcpServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { PodioAuthError } from '../../src/errors.js';
import { createHttpClient, type HttpClient, type HttpClientOptions, httpTimeoutMs } from '../../src/http.js';
import { ROOT } from '../support/cli.js';
import { closedPort } from '../support/http.js';
import { FaultyProxy, fakeLookup, type ProxyFault, RecordingProxy, TEST_TLS } from '../support/proxy.js';

const TOKEN_URL = 'https://api.podio.example/oauth/token/v2';
const TIMEOUT_MS = 400;
/** How late past the deadline a request may end: timers, a loaded machine. */
const SLACK_MS = 1_500;

type Env = Record<string, string | undefined>;

function client(env: Env, options: HttpClientOptions = {}, timeoutMs = TIMEOUT_MS): HttpClient {
  const http = createHttpClient(env, timeoutMs, options);
  onTestFinished(() => http.close());
  return http;
}

function post(http: HttpClient, url = TOKEN_URL, signal = new AbortController().signal) {
  const headers = { 'content-type': 'application/json' };
  return http({ method: 'POST', url, headers, body: '{"client_secret":"s3cret"}', signal });
}

/** The error a request failed with, and how long it took. */
async function failure(pending: Promise<unknown>): Promise<{ error: PodioAuthError; elapsedMs: number }> {
  const started = Date.now();
  try {
    await pending;
  } catch (error) {
    expect(error).toBeInstanceOf(PodioAuthError);
    return { error: error as PodioAuthError, elapsedMs: Date.now() - started };
  }
  throw new Error('The request succeeded');
}

async function started<T extends { start(): Promise<T>; stop(): Promise<void> }>(fake: T): Promise<T> {
  await fake.start();
  onTestFinished(() => fake.stop());
  return fake;
}

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** An HTTP server on 127.0.0.1:0 that counts its connections. */
async function httpServer(handler: Handler): Promise<{ url: string; port: number; connections: () => number }> {
  let connections = 0;
  // Idle connections stay open for a minute: a client that leaves one open is caught, not rescued by the server.
  const server: Server = createServer({ keepAliveTimeout: 60_000 }, handler);
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onTestFinished(() => {
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, port, connections: () => connections };
}

/** A TCP server on 127.0.0.1:0 that does `onSocket` with each connection (for servers that misbehave below HTTP). */
async function tcpServer(onSocket: (socket: Socket) => void): Promise<{ port: number; connections: () => number }> {
  let connections = 0;
  const sockets = new Set<Socket>();
  const server: TcpServer = createTcpServer((socket) => {
    connections++;
    sockets.add(socket);
    socket.on('error', () => socket.destroy());
    onSocket(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onTestFinished(() => {
    for (const socket of sockets) socket.destroy();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return { port: (server.address() as AddressInfo).port, connections: () => connections };
}

/** Writes `text` one byte every `everyMs`, until it is written or the socket is gone. */
function drip(socket: Socket, text: string, everyMs: number): void {
  const bytes = [...text];
  const timer = setInterval(() => {
    const next = bytes.shift();
    if (next === undefined || socket.destroyed) clearInterval(timer);
    else socket.write(next);
  }, everyMs);
  onTestFinished(() => clearInterval(timer));
}

describe('PODIO_AUTH_HTTP_TIMEOUT', () => {
  it('is 30 s when unset or empty, and any number of seconds from 1 to 3600 otherwise', () => {
    expect(httpTimeoutMs({})).toBe(30_000);
    expect(httpTimeoutMs({ PODIO_AUTH_HTTP_TIMEOUT: '' })).toBe(30_000);
    expect(httpTimeoutMs({ PODIO_AUTH_HTTP_TIMEOUT: '3' })).toBe(3_000);
    expect(httpTimeoutMs({ PODIO_AUTH_HTTP_TIMEOUT: '1' })).toBe(1_000);
    expect(httpTimeoutMs({ PODIO_AUTH_HTTP_TIMEOUT: '2.5' })).toBe(2_500);
    expect(httpTimeoutMs({ PODIO_AUTH_HTTP_TIMEOUT: ' 10 ' })).toBe(10_000);
    expect(httpTimeoutMs({ PODIO_AUTH_HTTP_TIMEOUT: '3600' })).toBe(3_600_000);
  });

  it('is a usage error for anything else, quoting at most 40 characters of it', () => {
    const bad = ['0', '0.5', '-3', '3601', '2147484', '99999999', 'soon', '3s', '1e3', 'Infinity', 'NaN', '0x10', ' '];
    for (const value of bad) {
      expect(() => httpTimeoutMs({ PODIO_AUTH_HTTP_TIMEOUT: value }), value).toThrow(
        expect.objectContaining({
          code: 'usage',
          exitCode: 2,
          message: `PODIO_AUTH_HTTP_TIMEOUT must be a number of seconds from 1 to 3600, not "${value.trim()}".`,
        }),
      );
    }
    const long = `${'9'.repeat(40)}${'x'.repeat(100)}`;
    expect(() => httpTimeoutMs({ PODIO_AUTH_HTTP_TIMEOUT: long })).toThrow(`not "${'9'.repeat(40)}…".`);
    expect(() => httpTimeoutMs({ PODIO_AUTH_HTTP_TIMEOUT: '3\u001b[31m' })).toThrow('not "3 [31m".');
  });
});

describe('a proxy that fails', () => {
  /** What the error says, with PROXY standing for the proxy's URL. */
  const cases: { fault: ProxyFault; code: string; says: string }[] = [
    {
      fault: 'close-after-connect',
      code: 'proxy_failed',
      says: 'The proxy PROXY closed the connection after CONNECT.',
    },
    { fault: 'never-answer', code: 'proxy_failed', says: 'The proxy PROXY did not answer CONNECT within 0.4 s.' },
    { fault: 'accept-and-stall', code: 'proxy_failed', says: 'The proxy PROXY did not answer CONNECT within 0.4 s.' },
    { fault: 'drip-answer', code: 'proxy_failed', says: 'The proxy PROXY did not answer CONNECT within 0.4 s.' },
    { fault: 'refuse-407', code: 'proxy_failed', says: 'The proxy PROXY refused the tunnel: HTTP 407.' },
    { fault: 'refuse-502', code: 'proxy_failed', says: 'The proxy PROXY refused the tunnel: HTTP 502.' },
    { fault: 'reset', code: 'proxy_failed', says: 'The proxy PROXY reset the connection after CONNECT.' },
    {
      fault: 'tunnel-then-stall',
      code: 'timeout',
      says: 'api.podio.example did not answer within 0.4 s through the proxy PROXY.',
    },
    {
      fault: 'tunnel-then-close',
      code: 'network',
      says: 'Could not reach api.podio.example through the proxy PROXY: the connection was closed before an answer came.',
    },
  ];
  for (const { fault, code, says } of cases) {
    it(`${fault}: the request ends within the timeout (${code}), after fewer than 5 connections`, async () => {
      const proxy = await started(new FaultyProxy(fault));
      const lookup = fakeLookup([]);
      const http = client({ HTTPS_PROXY: proxy.url }, { lookup });
      const { error, elapsedMs } = await failure(post(http));
      expect(error.code).toBe(code);
      expect(error.message).toBe(says.replace('PROXY', proxy.url));
      expect(elapsedMs).toBeLessThan(TIMEOUT_MS + SLACK_MS);
      expect(proxy.connections).toBeGreaterThanOrEqual(1);
      expect(proxy.connections).toBeLessThan(5);
      if (fault !== 'accept-and-stall') expect(proxy.requestLines[0]).toBe('CONNECT api.podio.example:443 HTTP/1.1');
      expect(lookup.asked).toEqual([]);
    });
  }

  it('names the proxy without its credentials, and sends them only to the proxy', async () => {
    const proxy = await started(new FaultyProxy('refuse-407'));
    const withCredentials = proxy.url.replace('http://', 'http://alice:hunter2@');
    const { error } = await failure(post(client({ HTTPS_PROXY: withCredentials })));
    expect(error.code).toBe('proxy_failed');
    const shown = proxy.url.replace('http://', 'http://***@');
    expect(error.message).toBe(`The proxy ${shown} refused the tunnel: HTTP 407.`);
    expect(`${error.message} ${error.hint}`).not.toMatch(/alice|hunter2/);
  });

  it('is named when it cannot be reached at all', async () => {
    const lookup = fakeLookup([]);
    const { error } = await failure(post(client({ HTTPS_PROXY: 'http://proxy.corp.example:3128' }, { lookup })));
    expect(error.code).toBe('proxy_failed');
    expect(error.message).toBe(
      'The proxy http://proxy.corp.example:3128 could not be reached: the host name could not be resolved.',
    );
    expect(lookup.asked).toEqual(['proxy.corp.example']);
  });

  it('gives up within the timeout on a CONNECT answer that never ends, however short the timeout', async () => {
    const proxy = await started(new FaultyProxy('drip-answer'));
    const { error, elapsedMs } = await failure(post(client({ HTTPS_PROXY: proxy.url }, {}, 700)));
    expect(error.message).toMatch(/did not answer CONNECT within 0\.7 s\.$/);
    expect(elapsedMs).toBeLessThan(700 + SLACK_MS);
  });
});

describe('through a working proxy', () => {
  it('tunnels https to the origin, with the proxy credentials on CONNECT only', async () => {
    const seen: { url: string | undefined; authorization: string | undefined; body: string }[] = [];
    const origin = await httpServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        seen.push({ url: req.url, authorization: req.headers['proxy-authorization'], body });
        res.writeHead(200, { 'Content-Type': 'application/json', 'X-Podio-Thing': 'yes' }).end('{"access_token":"a"}');
      });
    });
    const proxy = await started(new RecordingProxy({ 'api.podio.example:443': { port: origin.port, tls: true } }));
    const proxyUrl = proxy.url.replace('http://', 'http://alice:s%40id@');
    const http = client({ HTTPS_PROXY: proxyUrl }, { ca: TEST_TLS.cert, lookup: fakeLookup([]) });
    const response = await post(http);
    expect(response).toEqual({
      status: 200,
      headers: expect.objectContaining({ 'content-type': 'application/json', 'x-podio-thing': 'yes' }),
      text: '{"access_token":"a"}',
    });
    expect(proxy.seen).toEqual(['CONNECT api.podio.example:443']);
    expect(proxy.authorizations).toEqual([`Basic ${Buffer.from('alice:s@id').toString('base64')}`]);
    expect(proxy.connections).toBe(1);
    expect(seen).toEqual([{ url: '/oauth/token/v2', authorization: undefined, body: '{"client_secret":"s3cret"}' }]);
  });

  it('sends plain http to a non-loopback origin in absolute form', async () => {
    const origin = await httpServer((req, res) => res.writeHead(200).end(`${req.headers.host} ${req.url}`));
    const proxy = await started(new RecordingProxy({ 'podio.internal.example:8080': { port: origin.port } }));
    const http = client({ HTTP_PROXY: proxy.url }, { lookup: fakeLookup([]) });
    const url = 'http://podio.internal.example:8080/user/status?x=1';
    const response = await http({ method: 'GET', url, headers: {}, signal: new AbortController().signal });
    expect(response.text).toBe('podio.internal.example:8080 /user/status?x=1');
    expect(proxy.seen).toEqual(['GET http://podio.internal.example:8080/user/status?x=1']);
  });

  it('fails the TLS handshake, as network, when the origin behind the tunnel is not trusted', async () => {
    const origin = await httpServer((_req, res) => res.end('never'));
    const proxy = await started(new RecordingProxy({ 'api.podio.example:443': { port: origin.port, tls: true } }));
    const { error } = await failure(post(client({ HTTPS_PROXY: proxy.url })));
    expect(error.code).toBe('network');
    expect(error.message).toMatch(/^Could not reach api\.podio\.example through the proxy .*: its TLS certificate/);
  });
});

describe('straight to the origin', () => {
  it('never sends a loopback origin through HTTP_PROXY', async () => {
    const proxy = await started(new RecordingProxy());
    const origin = await httpServer((_req, res) => res.end('direct'));
    const http = client({ HTTP_PROXY: proxy.url, HTTPS_PROXY: proxy.url, NO_PROXY: '' });
    for (const host of ['127.0.0.1', 'localhost']) {
      const response = await post(http, `http://${host}:${origin.port}/oauth/token/v2`);
      expect(response.text).toBe('direct');
    }
    expect(proxy.connections).toBe(0);
    expect(origin.connections()).toBe(2);
  });

  it('goes around the proxy for a host NO_PROXY names, resolving it with the given resolver', async () => {
    const proxy = await started(new FaultyProxy('close-after-connect'));
    const server = createTlsServer({ key: TEST_TLS.key, cert: TEST_TLS.cert }, (_req, res) => res.end('around'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const { port } = server.address() as AddressInfo;
    const lookup = fakeLookup(['api.podio.example']);
    const http = client({ HTTPS_PROXY: proxy.url, NO_PROXY: '.podio.example' }, { lookup, ca: TEST_TLS.cert });
    const response = await post(http, `https://api.podio.example:${port}/oauth/token/v2`);
    expect(response.text).toBe('around');
    expect(proxy.connections).toBe(0);
    expect(lookup.asked).toEqual(['api.podio.example']);
  });

  it('gives up on a body that drips past the deadline (timeout), on one connection', async () => {
    const server = await tcpServer((socket) => {
      socket.once('data', () => {
        socket.write('HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n');
        drip(socket, 'x'.repeat(100_000), 100);
      });
    });
    const { error, elapsedMs } = await failure(post(client({}), `http://127.0.0.1:${server.port}/oauth/token/v2`));
    expect(error.code).toBe('timeout');
    expect(error.message).toBe(`127.0.0.1:${server.port} did not finish its answer within 0.4 s.`);
    expect(elapsedMs).toBeGreaterThanOrEqual(TIMEOUT_MS - 50);
    expect(elapsedMs).toBeLessThan(TIMEOUT_MS + SLACK_MS);
    expect(server.connections()).toBe(1);
  });

  it('gives up on headers that drip, and on a server that accepts and stalls', async () => {
    const dripping = await tcpServer((socket) => {
      socket.once('data', () => drip(socket, 'HTTP/1.1 200 OK\r\nX: y\r\n\r\n', 100));
    });
    const stalling = await tcpServer((socket) => socket.pause());
    const http = client({});
    const [slow, stalled] = await Promise.all([
      failure(post(http, `http://127.0.0.1:${dripping.port}/`)),
      failure(post(http, `http://127.0.0.1:${stalling.port}/`)),
    ]);
    for (const { error, elapsedMs } of [slow, stalled]) {
      expect(error.code).toBe('timeout');
      expect(elapsedMs).toBeLessThan(TIMEOUT_MS + SLACK_MS);
    }
    expect(dripping.connections() + stalling.connections()).toBe(2);
  });

  it('refuses a header value that would break the request, before connecting', async () => {
    const origin = await httpServer((_req, res) => res.end('never'));
    const headers = { authorization: 'OAuth2 abc\r\nX-Injected: 1' };
    const pending = client({})({ method: 'GET', url: origin.url, headers, signal: new AbortController().signal });
    await expect(pending).rejects.toMatchObject({ code: 'ERR_INVALID_CHAR' });
    await expect(pending).rejects.not.toThrow(/abc/);
    expect(origin.connections()).toBe(0);
  });

  it('reports a reset or a refused connection as network, without retrying', async () => {
    const resetting = await tcpServer((socket) => socket.once('data', () => socket.resetAndDestroy()));
    const closing = await tcpServer((socket) => socket.once('data', () => socket.end()));
    const http = client({});
    const reset = await failure(post(http, `http://127.0.0.1:${resetting.port}/`));
    expect(reset.error).toMatchObject({
      code: 'network',
      message: `Could not reach 127.0.0.1:${resetting.port}: the connection was closed before an answer came.`,
    });
    const closed = await failure(post(http, `http://127.0.0.1:${closing.port}/`));
    expect(closed.error.code).toBe('network');
    expect(resetting.connections() + closing.connections()).toBe(2);

    const port = await closedPort();
    const refused = await failure(post(http, `http://127.0.0.1:${port}/`));
    const message = `Could not reach 127.0.0.1:${port}: the connection was refused.`;
    expect(refused.error).toMatchObject({ code: 'network', message });
  });

  it('does not follow redirects, lower-cases header names and keeps repeated ones', async () => {
    const origin = await httpServer((_req, res) => {
      res.setHeader('Set-Cookie', ['a=1', 'b=2']);
      res.writeHead(302, { Location: 'https://elsewhere.example/steal' }).end();
    });
    const response = await post(client({}), `${origin.url}/oauth/token/v2`);
    expect(response.status).toBe(302);
    expect(response.headers['location']).toBe('https://elsewhere.example/steal');
    expect(response.headers['set-cookie']).toBe('a=1, b=2');
    expect(origin.connections()).toBe(1);
  });

  it('refuses an answer larger than 1 MiB', async () => {
    const big = 'x'.repeat(1024 * 1024 + 1);
    const declared = await httpServer((_req, res) => res.end(big));
    const chunked = await httpServer((_req, res) => {
      res.write(big.slice(0, 600_000));
      res.end(big.slice(600_000));
    });
    const http = client({});
    for (const url of [declared.url, chunked.url]) {
      const { error } = await failure(post(http, url));
      const message = `${new URL(url).host} sent an answer larger than 1 MiB.`;
      expect(error).toMatchObject({ code: 'bad_response', message });
    }
  });

  it('takes a larger answer where the request allows one, and refuses past that with its hint', async () => {
    const answer = 'y'.repeat(3 * 1024 * 1024);
    const server = await httpServer((_req, res) => res.end(answer));
    const http = client({});
    const get = (bytes: number) =>
      http({
        method: 'GET',
        url: server.url,
        headers: {},
        signal: new AbortController().signal,
        answerLimit: { bytes, hint: 'Ask for less.' },
      });
    expect((await get(4 * 1024 * 1024)).text).toBe(answer);
    const { error } = await failure(get(2 * 1024 * 1024));
    expect(error).toMatchObject({
      code: 'bad_response',
      message: `${new URL(server.url).host} sent an answer larger than 2 MiB.`,
      hint: 'Ask for less.',
    });
  });

  it('says interrupted when the caller aborts, at once, and closes the connection', async () => {
    let requestArrived!: () => void;
    const arrived = new Promise<void>((resolve) => (requestArrived = resolve));
    let closedByClient = false;
    const stalling = await tcpServer((socket) => {
      socket.once('data', () => requestArrived());
      socket.on('close', () => (closedByClient = true));
    });
    const controller = new AbortController();
    const pending = post(client({}, {}, 60_000), `http://127.0.0.1:${stalling.port}/`, controller.signal);
    await arrived;
    controller.abort();
    const { error, elapsedMs } = await failure(pending);
    expect(error.code).toBe('interrupted');
    expect(elapsedMs).toBeLessThan(500);
    await expect.poll(() => closedByClient).toBe(true);
    const already = await failure(post(client({}), `http://127.0.0.1:${stalling.port}/`, AbortSignal.abort()));
    expect(already.error.code).toBe('interrupted');
    expect(stalling.connections()).toBe(1);
  });
});

describe('close()', () => {
  it('lets a process end on its own after a request', async () => {
    const distHttp = join(ROOT, 'dist', 'http.js');
    expect(existsSync(distHttp), 'run `npm run build` first').toBe(true);
    // The server keeps idle connections for a minute: a client that left its socket open would keep the script alive.
    const origin = await httpServer((_req, res) => res.writeHead(200, { Connection: 'keep-alive' }).end('ok'));
    const script = [
      `import { createHttpClient } from ${JSON.stringify(new URL(`file://${distHttp}`).href)};`,
      'const http = createHttpClient({}, 5000);',
      'const signal = new AbortController().signal;',
      `const answer = await http({ method: 'GET', url: ${JSON.stringify(`${origin.url}/`)}, headers: {}, signal });`,
      'await http.close();',
      'process.stdout.write(`${answer.status} ${answer.text}\\n`);',
    ].join('\n');
    const dir = mkdtempSync(join(tmpdir(), 'podio-auth-http-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'one-request.mjs');
    writeFileSync(file, script);
    const child = spawn(process.execPath, [file], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    const startedAt = Date.now();
    const exit = await new Promise<number | null>((resolve) => {
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve(code);
      });
    });
    expect(exit).toBe(0);
    expect(stdout).toBe('200 ok\n');
    expect(Date.now() - startedAt).toBeLessThan(5_000);
  });

  it('waits for the requests in flight, then refuses new ones', async () => {
    const origin = await httpServer((_req, res) => setTimeout(() => res.end('late'), 300));
    const http = createHttpClient({}, TIMEOUT_MS);
    const pending = post(http, `${origin.url}/`);
    await http.close();
    await expect(pending).resolves.toMatchObject({ text: 'late' });
    await expect(post(http, `${origin.url}/`)).rejects.toThrow(/after close/);
  });
});
