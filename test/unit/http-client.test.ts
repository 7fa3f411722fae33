import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import { type AddressInfo, createServer as createTcpServer, type Socket, type Server as TcpServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { APP } from '../../src/emulator/podio-emulator.js';
import { PodioAuthError } from '../../src/errors.js';
import {
  createHttpClient,
  type HttpClient,
  type HttpClientOptions,
  httpTimeoutMs,
  matchesNoProxy,
  proxyFor,
} from '../../src/http.js';
import { errorLines, ROOT, runCli, startCli, startSandbox } from '../support/cli.js';
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

describe('which requests go through a proxy', () => {
  const proxied = (url: string, env: Record<string, string>) => proxyFor(new URL(url), env)?.display;

  it('never sends a loopback origin through one, whatever NO_PROXY says', () => {
    const env = { HTTP_PROXY: 'http://proxy:3128', HTTPS_PROXY: 'http://proxy:3128', NO_PROXY: 'example.com' };
    const loopback = ['http://localhost:8080', 'http://127.0.0.1:1', 'http://127.1.2.3', 'http://[::1]:9'];
    const alsoLocal = ['https://localhost', 'http://app.localhost:1', 'http://[::ffff:127.0.0.1]:1', 'http://0.0.0.0'];
    for (const url of [...loopback, ...alsoLocal, 'http://LOCALHOST.:1']) {
      expect(proxied(url, env), url).toBeUndefined();
    }
    expect(proxied('https://api.podio.com', env)).toBe('http://proxy:3128');
    expect(proxied('http://128.0.0.1', env)).toBe('http://proxy:3128');
  });

  it('takes HTTPS_PROXY for https (HTTP_PROXY when it is unset), HTTP_PROXY for http, lower case first', () => {
    const both = { HTTPS_PROXY: 'http://a:1', HTTP_PROXY: 'http://b:2' };
    expect(proxied('https://api.podio.com', both)).toBe('http://a:1');
    expect(proxied('http://api.podio.test', both)).toBe('http://b:2');
    expect(proxied('https://api.podio.com', { HTTP_PROXY: 'http://b:2' })).toBe('http://b:2');
    expect(proxied('http://api.podio.test', { HTTPS_PROXY: 'http://a:1' })).toBeUndefined();
    const lowerFirst = { https_proxy: 'http://lo:1', HTTPS_PROXY: 'http://up:1' };
    expect(proxied('https://api.podio.com', lowerFirst)).toBe('http://lo:1');
    expect(proxied('https://api.podio.com', { https_proxy: '', HTTPS_PROXY: 'http://up:1' })).toBe('http://up:1');
    expect(proxied('https://api.podio.com', { HTTPS_PROXY: 'proxy.corp:3128' })).toBe('http://proxy.corp:3128');
    expect(proxied('https://api.podio.com', {})).toBeUndefined();
  });

  it('never shows proxy credentials, and refuses a proxy it cannot use', () => {
    const setting = proxyFor(new URL('https://api.podio.com'), { HTTPS_PROXY: 'http://user:pa%40ss@proxy:3128/' });
    expect(setting?.display).toBe('http://***@proxy:3128');
    expect(setting?.variable).toBe('HTTPS_PROXY');
    const bads = ['socks5://u:hunter2@proxy:1080', 'http://u:hunter2@[bad', 'http://u:hun@t:er2@[x', 'http://u:%zz@p'];
    for (const bad of bads) {
      let error: unknown;
      try {
        proxyFor(new URL('https://api.podio.com'), { HTTPS_PROXY: bad });
      } catch (caught) {
        error = caught;
      }
      expect(error, bad).toMatchObject({ code: 'usage' });
      expect((error as Error).message).toContain('HTTPS_PROXY');
      expect((error as Error).message).not.toMatch(/hun|er2|zz/);
    }
  });

  it('honours NO_PROXY: a comma list of names, domains (with or without a leading dot), IPs, ports, and *', () => {
    const matches = (url: string, noProxy: string) => matchesNoProxy(new URL(url), noProxy);
    expect(matches('https://api.podio.com', '*')).toBe(true);
    expect(matches('https://api.podio.com', 'podio.com')).toBe(true);
    expect(matches('https://api.podio.com', '.podio.com')).toBe(true);
    expect(matches('https://api.podio.com', '*.podio.com')).toBe(true);
    expect(matches('https://podio.com', '.podio.com')).toBe(true);
    expect(matches('https://notpodio.com', 'podio.com')).toBe(false);
    expect(matches('https://api.podio.com', 'example.org, API.Podio.com')).toBe(true);
    expect(matches('https://api.podio.com', 'example.org,,other.net')).toBe(false);
    expect(matches('https://api.podio.com', 'api.podio.com:443')).toBe(true);
    expect(matches('https://api.podio.com', 'api.podio.com:8443')).toBe(false);
    expect(matches('https://api.podio.com:8443', 'api.podio.com:8443')).toBe(true);
    expect(matches('http://10.1.2.3:8080', '10.1.2.3')).toBe(true);
    expect(matches('http://[2001:db8::1]:8080', '2001:db8::1')).toBe(true);
    expect(matches('http://[2001:db8::1]:8080', '[2001:db8::1]:8080')).toBe(true);
    expect(matches('http://[2001:db8::1]:8080', '[2001:db8::1]:80')).toBe(false);
    expect(matches('https://api.podio.com.', 'podio.com')).toBe(true);
    const env = { HTTPS_PROXY: 'http://proxy:3128', no_proxy: 'podio.com' };
    expect(proxied('https://api.podio.com', env)).toBeUndefined();
    expect(proxied('https://api.podio.example', env)).toBe('http://proxy:3128');
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

describe('the CLI behind a proxy', () => {
  it('`token` refreshes through HTTPS_PROXY, with one CONNECT', async () => {
    const { podio, sandbox } = await startSandbox();
    sandbox.storeLogin(new Date(Date.now() - 60_000));
    sandbox.editProfile('default', { api_url: 'https://api.podio.example', auth_url: 'https://podio.example' });
    const podioPort = Number(new URL(podio.url).port);
    const proxy = await started(new RecordingProxy({ 'api.podio.example:443': { port: podioPort, tls: true } }));
    const ca = join(sandbox.root, 'test-ca.pem');
    writeFileSync(ca, TEST_TLS.cert);
    const env = sandbox.env({ PODIO_API_URL: undefined, PODIO_AUTH_URL: undefined, HTTPS_PROXY: proxy.url });
    const result = await runCli(['token'], { ...env, NODE_EXTRA_CA_CERTS: ca });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(podio.isValidAccessToken(result.stdout.trim())).toBe(true);
    expect(proxy.seen).toEqual(['CONNECT api.podio.example:443']);
  });

  for (const [signal, code] of [
    ['SIGTERM', 143],
    ['SIGINT', 130],
  ] as const) {
    it(`one ${signal} while the proxy has not answered CONNECT ends \`token\` at once with ${code}; no lock left`, async () => {
      const { sandbox } = await startSandbox();
      const before = sandbox.storeLogin(new Date(Date.now() - 60_000));
      sandbox.editProfile('default', { api_url: 'https://api.podio.example', auth_url: 'https://podio.example' });
      const proxy = await started(new FaultyProxy('never-answer'));
      const env = sandbox.env({ PODIO_API_URL: undefined, PODIO_AUTH_URL: undefined, HTTPS_PROXY: proxy.url });
      const cli = startCli(['token'], { ...env, PODIO_AUTH_HTTP_TIMEOUT: '60' });
      expect(await proxy.nextRequest()).toBe('CONNECT api.podio.example:443 HTTP/1.1');
      const signalledAt = Date.now();
      cli.child.kill(signal);
      const result = await cli.done;
      // Nothing reached Podio: no waiting for an answer (which here would end only at the 60 s deadline).
      expect(Date.now() - signalledAt).toBeLessThan(5_000);
      expect(result.code).toBe(code);
      expect(result.stdout).toBe('');
      expect(result.stderr).not.toMatch(/already sent/);
      expect(errorLines(result)).toEqual(['✗ Interrupted before the token request was sent; nothing changed.']);
      expect(existsSync(`${sandbox.configFile}.lock`)).toBe(false);
      expect(sandbox.readConfig().profiles['default']).toMatchObject({
        access_token: before.access_token,
        refresh_token: before.refresh_token,
      });
    });
  }

  it('`login --app` too: one Ctrl-C while the proxy has not answered CONNECT ends it at once, nothing stored', async () => {
    const { sandbox } = await startSandbox();
    const proxy = await started(new FaultyProxy('never-answer'));
    const env = sandbox.env({
      PODIO_API_URL: 'https://api.podio.example',
      PODIO_AUTH_URL: 'https://podio.example',
      HTTPS_PROXY: proxy.url,
      PODIO_APP_TOKEN: APP.app_token,
      PODIO_AUTH_HTTP_TIMEOUT: '60',
    });
    const cli = startCli(['login', '--app', APP.app_id], env);
    expect(await proxy.nextRequest()).toBe('CONNECT api.podio.example:443 HTTP/1.1');
    const signalledAt = Date.now();
    cli.child.kill('SIGINT');
    const result = await cli.done;
    expect(Date.now() - signalledAt).toBeLessThan(5_000);
    expect(result.code).toBe(130);
    expect(result.stderr).not.toMatch(/already sent/);
    expect(errorLines(result)).toEqual(['✗ Interrupted before the token request was sent; nothing changed.']);
    expect(existsSync(sandbox.configFile)).toBe(false);
  });

  it('once the token request went through the tunnel, a first Ctrl-C waits for the answer and stores it', async () => {
    const { podio, sandbox } = await startSandbox({ tokenDelayMs: 800 });
    const before = sandbox.storeLogin(new Date(Date.now() - 60_000));
    sandbox.editProfile('default', { api_url: 'https://api.podio.example', auth_url: 'https://podio.example' });
    const podioPort = Number(new URL(podio.url).port);
    const proxy = await started(new RecordingProxy({ 'api.podio.example:443': { port: podioPort, tls: true } }));
    const ca = join(sandbox.root, 'test-ca.pem');
    writeFileSync(ca, TEST_TLS.cert);
    const env = sandbox.env({ PODIO_API_URL: undefined, PODIO_AUTH_URL: undefined, HTTPS_PROXY: proxy.url });
    const cli = startCli(['token'], { ...env, NODE_EXTRA_CA_CERTS: ca });
    await podio.nextTokenRequestArrives();
    cli.child.kill('SIGINT');
    const result = await cli.done;
    expect(result.code).toBe(130);
    expect(result.stderr).toMatch(/Podio is answering a token request already sent: waiting for its answer/);
    expect(result.stderr).toMatch(/the token Podio had already sent was stored first/);
    const stored = sandbox.readConfig().profiles['default'] ?? {};
    expect(stored['refresh_token']).not.toBe(before.refresh_token);
    expect(podio.isLiveRefreshToken(String(stored['refresh_token']))).toBe(true);
    expect(existsSync(`${sandbox.configFile}.lock`)).toBe(false);
  });

  it('`token` behind one that closes after CONNECT: exit 1 within 10 s, the proxy named, no lock left', async () => {
    const { sandbox } = await startSandbox();
    sandbox.storeLogin(new Date(Date.now() - 60_000));
    sandbox.editProfile('default', { api_url: 'https://api.podio.example', auth_url: 'https://podio.example' });
    const proxy = await started(new FaultyProxy('close-after-connect'));
    const startedAt = Date.now();
    const env = sandbox.env({ PODIO_API_URL: undefined, PODIO_AUTH_URL: undefined, HTTPS_PROXY: proxy.url });
    const result = await runCli(['token'], { ...env, PODIO_AUTH_HTTP_TIMEOUT: '3' });
    expect(Date.now() - startedAt).toBeLessThan(10_000);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    const lines = errorLines(result);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`The proxy ${proxy.url} closed the connection after CONNECT.`);
    expect(proxy.connections).toBeGreaterThanOrEqual(1);
    expect(proxy.connections).toBeLessThan(20);
    expect(existsSync(`${sandbox.configFile}.lock`)).toBe(false);
    expect(result.stderr).not.toContain(sandbox.podio.options.clientSecret);
  });
});
