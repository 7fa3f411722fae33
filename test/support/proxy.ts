import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo, LookupFunction } from 'node:net';
import { connect, createServer as createTcpServer, isIP, type Socket, type Server as TcpServer } from 'node:net';
import { TLSSocket } from 'node:tls';

/**
 * Loopback fakes for everything between podio-auth and Podio: a working forward proxy, proxies that fail in each
 * way a real one can, a resolver for made-up host names, and a certificate for `api.podio.example`.
 */

/**
 * A self-signed certificate (its own CA) for api.podio.example and *.podio.example, valid 2020–2120, made for these
 * tests only: a client given it as `ca`, or a CLI given it through NODE_EXTRA_CA_CERTS, trusts a fake Podio there.
 */
export const TEST_TLS = {
  key: `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQguS71dZfB9m+R2luj
WSb1uGdy7S23hCyo1Err8aoqW3KhRANCAAR/16CZGpa8ZEfjZEYZfLX1gBXaM0+L
KIbZawoql7ayLhECOEMtNRmimBYxkNSLSQhPC4KeqamBIpQ37NTMvBv9
-----END PRIVATE KEY-----
`,
  cert: `-----BEGIN CERTIFICATE-----
MIIBojCCAUigAwIBAgIBATAKBggqhkjOPQQDAjAgMR4wHAYDVQQDDBVwb2Rpby5l
eGFtcGxlIHRlc3QgQ0EwIBcNMjAwMTAxMDAwMDAwWhgPMjEyMDAxMDEwMDAwMDBa
MCAxHjAcBgNVBAMMFXBvZGlvLmV4YW1wbGUgdGVzdCBDQTBZMBMGByqGSM49AgEG
CCqGSM49AwEHA0IABH/XoJkalrxkR+NkRhl8tfWAFdozT4sohtlrCiqXtrIuEQI4
Qy01GaKYFjGQ1ItJCE8Lgp6pqYEilDfs1My8G/2jcTBvMC0GA1UdEQQmMCSCEWFw
aS5wb2Rpby5leGFtcGxlgg8qLnBvZGlvLmV4YW1wbGUwDwYDVR0TAQH/BAUwAwEB
/zAOBgNVHQ8BAf8EBAMCAoQwHQYDVR0OBBYEFGOmBeWhugEnnJbxPsS2fTBVIiNp
MAoGCCqGSM49BAMCA0gAMEUCIH837ehcutPqL6u23vw9EbUCTxlfsh6y3N81lzIY
rZ7UAiEAwWFqbhNx58JyN+VH2HCGuYL7U27cTvGd50xk7HD1Fx8=
-----END CERTIFICATE-----
`,
};

/**
 * A resolver that knows only `names` (each to 127.0.0.1) and fails for anything else as DNS would (ENOTFOUND),
 * so a test of a made-up host name never reaches real DNS. Records every name it was asked for.
 */
export function fakeLookup(names: readonly string[]): LookupFunction & { asked: string[] } {
  const asked: string[] = [];
  const lookup = ((hostname, options, callback) => {
    asked.push(hostname);
    if (!names.includes(hostname)) {
      const error = Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND', hostname });
      process.nextTick(() => callback(error, '', 4));
      return;
    }
    if (options.all) process.nextTick(() => callback(null, [{ address: '127.0.0.1', family: 4 }]));
    else process.nextTick(() => callback(null, '127.0.0.1', 4));
  }) as LookupFunction;
  return Object.assign(lookup, { asked });
}

/** Where a proxy sends a host it is asked for, instead of resolving the name. */
export interface ProxyRoute {
  port: number;
  /** Terminate TLS for the client with TEST_TLS and forward plain HTTP to `port` (an http fake Podio behind it). */
  tls?: boolean;
}

/**
 * A forward proxy on 127.0.0.1:0 that handles CONNECT tunnels and absolute-form requests, and counts both. Hosts
 * named in `routes` ("host:port") go to the loopback port given; loopback IP literals are reached directly; any
 * other host gets a 502, so no made-up name is ever resolved.
 */
export class RecordingProxy {
  url = '';
  readonly seen: string[] = [];
  /** Proxy-Authorization headers received, in order (undefined when none was sent). */
  readonly authorizations: (string | undefined)[] = [];
  connections = 0;
  private readonly sockets = new Set<Socket>();
  private readonly server: Server = createServer((req, res) => {
    this.seen.push(`${req.method} ${req.url}`);
    this.authorizations.push(req.headers['proxy-authorization']);
    const target = new URL(req.url ?? '');
    const destination = this.destination(target.hostname, target.port || '80');
    if (!destination) {
      res.writeHead(502).end();
      return;
    }
    const headers = { ...req.headers };
    delete headers['proxy-authorization'];
    const path = `${target.pathname}${target.search}`;
    const upstream = httpRequest(
      { host: '127.0.0.1', port: destination.port, path, method: req.method, headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.writeHead(502).end());
    req.pipe(upstream);
  });

  constructor(private readonly routes: Record<string, ProxyRoute> = {}) {}

  private destination(hostname: string, port: string): ProxyRoute | undefined {
    const host = hostname.replace(/^\[(.*)\]$/, '$1');
    const routed = this.routes[`${host}:${port}`];
    if (routed) return routed;
    const loopback = isIP(host) !== 0 && (host.startsWith('127.') || host === '::1');
    return loopback ? { port: Number(port) } : undefined;
  }

  async start(): Promise<this> {
    this.server.on('connection', (socket: Socket) => {
      this.connections++;
      this.sockets.add(socket);
    });
    this.server.on('connect', (req, client: Socket) => {
      this.seen.push(`CONNECT ${req.url}`);
      this.authorizations.push(req.headers['proxy-authorization']);
      client.on('error', () => client.destroy());
      const authority = /^(.*):(\d+)$/.exec(req.url ?? '');
      const destination = authority && this.destination(authority[1] ?? '', authority[2] ?? '');
      if (!destination) {
        client.end('HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n');
        return;
      }
      const upstream = connect(destination.port, '127.0.0.1', () => {
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        const inside = destination.tls ? new TLSSocket(client, { isServer: true, ...TEST_TLS }) : client;
        inside.on('error', () => client.destroy());
        upstream.pipe(inside);
        inside.pipe(upstream);
      });
      this.sockets.add(upstream);
      upstream.on('error', () => client.destroy());
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** The ways a proxy fails a client that asked it for a tunnel. */
export type ProxyFault =
  /** Reads the CONNECT request, then closes the connection without a word. */
  | 'close-after-connect'
  /** Reads the CONNECT request and never answers. */
  | 'never-answer'
  /** Answers CONNECT with 407 Proxy Authentication Required. */
  | 'refuse-407'
  /** Answers CONNECT with 502 Bad Gateway and closes. */
  | 'refuse-502'
  /** Sends "HTTP/1.1 200 Connection established" one byte every half second. */
  | 'drip-answer'
  /** Resets the connection (TCP RST) on CONNECT. */
  | 'reset'
  /** Accepts the connection and never reads from it. */
  | 'accept-and-stall'
  /** Says 200 to CONNECT, then nothing goes through the tunnel. */
  | 'tunnel-then-stall'
  /** Says 200 to CONNECT, then closes the tunnel. */
  | 'tunnel-then-close';

/** A raw TCP "proxy" on 127.0.0.1:0 that fails in one way, and counts the connections it was offered. */
export class FaultyProxy {
  url = '';
  connections = 0;
  /** The first line of each request received. */
  readonly requestLines: string[] = [];
  private readonly sockets = new Set<Socket>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly requestWaiters: ((line: string) => void)[] = [];
  private requestsTaken = 0;
  private readonly server: TcpServer = createTcpServer((socket) => this.serve(socket));

  constructor(readonly fault: ProxyFault) {}

  /** Resolves with the first line of the next request this proxy reads (before it fails it), or one read already. */
  nextRequest(): Promise<string> {
    const read = this.requestLines[this.requestsTaken++];
    if (read !== undefined) return Promise.resolve(read);
    return new Promise((resolve) => this.requestWaiters.push(resolve));
  }

  private serve(socket: Socket): void {
    this.connections++;
    this.sockets.add(socket);
    socket.on('error', () => socket.destroy());
    socket.on('close', () => this.sockets.delete(socket));
    if (this.fault === 'accept-and-stall') {
      socket.pause();
      return;
    }
    let received = '';
    const onData = (chunk: Buffer) => {
      received += chunk.toString('latin1');
      if (!received.includes('\r\n\r\n')) return;
      socket.off('data', onData);
      const line = received.split('\r\n')[0] ?? '';
      this.requestLines.push(line);
      this.answer(socket);
      this.requestWaiters.shift()?.(line);
    };
    socket.on('data', onData);
  }

  private answer(socket: Socket): void {
    switch (this.fault) {
      case 'close-after-connect':
        socket.end();
        return;
      case 'never-answer':
        return;
      case 'refuse-407':
        // Keeps the connection open, as a proxy waiting for the client to retry with credentials would.
        socket.write('HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic\r\n\r\n');
        return;
      case 'refuse-502':
        socket.end('HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n');
        return;
      case 'drip-answer': {
        const bytes = [...'HTTP/1.1 200 Connection established\r\n\r\n'];
        const timer = setInterval(() => {
          const next = bytes.shift();
          if (next === undefined || socket.destroyed) {
            clearInterval(timer);
            return;
          }
          socket.write(next);
        }, 100);
        this.timers.add(timer);
        return;
      }
      case 'reset':
        socket.resetAndDestroy();
        return;
      case 'tunnel-then-stall':
        socket.write('HTTP/1.1 200 Connection established\r\n\r\n');
        return;
      case 'tunnel-then-close':
        socket.end('HTTP/1.1 200 Connection established\r\n\r\n');
        return;
      case 'accept-and-stall':
        return;
    }
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    for (const timer of this.timers) clearInterval(timer);
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
