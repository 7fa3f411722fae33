import type { LookupFunction, Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { sanitizeForTerminal } from './domain/terminal-text.js';
import { type Env, secondsSetting } from './env.js';
import { interrupted, PodioAuthError, usageError } from './errors.js';

/**
 * The one way this tool talks HTTP to Podio. Kept apart from Podio's response parsing so tests can hand the
 * parsers canned answers, and so the network modules are loaded only by commands that go to the network.
 *
 * Built on node:net, node:tls and node:http rather than undici. undici 7 (the last line that runs on Node 20)
 * cannot be made to give up on a bad proxy: when a proxy closes the connection after `CONNECT`, its ProxyAgent
 * treats the socket error as recoverable and reconnects in a tight loop, thousands of times a second, and
 * neither the request's abort signal nor any timeout option ends it (nodejs/undici#3897, fixed only in undici 8,
 * which needs Node 22); a proxy that never answers `CONNECT` is waited for until the proxy client's own
 * 300 s headers timeout, whatever `connect.timeout` says (nodejs/undici#3944). Here every request opens exactly
 * one connection (to the origin, or to the proxy), and a hard deadline destroys every socket the request opened.
 */

export interface HttpRequest {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  url: string;
  headers: Record<string, string>;
  body?: string;
  signal: AbortSignal;
  /**
   * Also ends the request, but only until it has been written (connected, the proxy's tunnel open, the body
   * flushed): from then on Podio may be acting on it, and only `signal` ends it.
   */
  abortUntilSent?: AbortSignal;
  /** Called once the request has been written, as above. */
  onSent?: () => void;
  /** The largest answer taken (default 1 MiB: a token or a user's status), and what to do about a larger one. */
  answerLimit?: { bytes: number; hint: string };
}

export interface HttpResponse {
  status: number;
  /** Names in lower case; repeated headers joined with ", ". */
  headers: Record<string, string>;
  text: string;
}

/** Sends one request: all that code which only talks to Podio needs (and all that tests' canned answers provide). */
export type HttpSend = (request: HttpRequest) => Promise<HttpResponse>;

/** Sends one request. `close()` resolves once the requests in flight have ended; nothing is left open after it. */
export type HttpClient = HttpSend & { close(): Promise<void> };

export interface HttpClientOptions {
  /**
   * Resolves host names (the origin's when there is no proxy, the proxy's otherwise), as `dns.lookup` does; Node
   * calls it with `all: true` when it tries every address. Tests pass one so made-up names never reach real DNS.
   */
  lookup?: LookupFunction;
  /** Certificate authorities to trust instead of Node's (tests, with a made-up CA); users have NODE_EXTRA_CA_CERTS. */
  ca?: string | string[];
}

export const DEFAULT_HTTP_TIMEOUT_SECONDS = 30;
const MIN_HTTP_TIMEOUT_SECONDS = 1;
const MAX_HTTP_TIMEOUT_SECONDS = 3600;
const MAX_BODY_BYTES = 1024 * 1024;
function describeBytes(bytes: number): string {
  return bytes % (1024 * 1024) === 0 ? `${bytes / 1024 / 1024} MiB` : `${bytes} bytes`;
}
/** A proxy's answer to `CONNECT` is a status line and a few headers; anything longer is not a proxy we can use. */
const MAX_CONNECT_ANSWER_BYTES = 16 * 1024;
/** Offered in TLS so that no server answers in HTTP/2, which this client does not speak. */
const HTTP_1_1 = ['http/1.1'];

/**
 * `PODIO_AUTH_HTTP_TIMEOUT` (seconds) lets slow networks wait longer and tests give up sooner. A value that is not
 * a plain number in range is a usage error: ignoring it would leave a CI job waiting for the default instead.
 */
export function httpTimeoutMs(env: Env): number {
  return secondsSetting(env, 'PODIO_AUTH_HTTP_TIMEOUT', {
    min: MIN_HTTP_TIMEOUT_SECONDS,
    max: MAX_HTTP_TIMEOUT_SECONDS,
    defaultMs: DEFAULT_HTTP_TIMEOUT_SECONDS * 1000,
  });
}

/** A proxy to go through: where it is, how to name it in messages (no credentials), and which variable set it. */
export interface ProxySetting {
  url: URL;
  /** The URL without user name or password, safe to show. */
  display: string;
  /** The environment variable it came from, for hints. */
  variable: string;
  /** `Basic …` from the URL's user name and password, sent to the proxy only. */
  authorization: string | undefined;
}

/**
 * The proxy for `target`, or undefined to connect directly. Lower-case variables win over upper-case ones (as in
 * curl); an https origin falls back to HTTP_PROXY when HTTPS_PROXY is unset (undici's rule, which existing set-ups
 * rely on). Loopback origins never use a proxy, whatever NO_PROXY says (as in Go's net/http): plain http is allowed
 * only to loopback, so a proxy would otherwise see a local emulator's client secret and refresh token in the clear.
 */
export function proxyFor(target: URL, env: Env): ProxySetting | undefined {
  if (isLoopbackHost(target.hostname)) return undefined;
  const noProxy = setting(env, 'NO_PROXY');
  if (noProxy && matchesNoProxy(target, noProxy.value)) return undefined;
  const proxy = (target.protocol === 'https:' ? setting(env, 'HTTPS_PROXY') : undefined) ?? setting(env, 'HTTP_PROXY');
  return proxy && parseProxyUrl(proxy.variable, proxy.value);
}

function setting(env: Env, upperName: string): { variable: string; value: string } | undefined {
  for (const variable of [upperName.toLowerCase(), upperName]) {
    const value = env[variable]?.trim();
    if (value) return { variable, value };
  }
  return undefined;
}

/** localhost, *.localhost, 127.0.0.0/8, ::1, IPv4-mapped loopback, and 0.0.0.0 / :: (which reach this host too). */
export function isLoopbackHost(hostname: string): boolean {
  const host = bareHost(hostname);
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  if (/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host) || host === '0.0.0.0') return true;
  if (host === '::1' || host === '::') return true;
  // new URL() writes [::ffff:127.0.0.1] as [::ffff:7f00:1].
  return /^::ffff:(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|7f[0-9a-f]{2}:[0-9a-f]{1,4})$/.test(host);
}

/**
 * NO_PROXY as curl, Go and Python read it: a comma (or space) separated list of host names, domains (a leading
 * `.` or `*.` is the same as none: the name and every name under it), IP addresses, each with an optional
 * `:port`; `*` alone means no proxy for anything.
 */
export function matchesNoProxy(target: URL, noProxy: string): boolean {
  const host = bareHost(target.hostname);
  const port = target.port || (target.protocol === 'https:' ? '443' : '80');
  for (const rawEntry of noProxy.split(/[\s,]+/)) {
    const entry = rawEntry.trim().toLowerCase();
    if (entry === '') continue;
    if (entry === '*') return true;
    const { name, port: entryPort } = splitHostPort(entry);
    if (entryPort !== undefined && entryPort !== port) continue;
    const domain = name.replace(/^\*?\.+/, '').replace(/\.$/, '');
    if (domain === '') continue;
    if (host === domain || host.endsWith(`.${domain}`)) return true;
  }
  return false;
}

function splitHostPort(entry: string): { name: string; port: string | undefined } {
  const bracketed = /^\[([^\]]*)\](?::(\d+))?$/.exec(entry);
  if (bracketed) return { name: bracketed[1] ?? '', port: bracketed[2] };
  const withPort = /^([^:]*):(\d+)$/.exec(entry);
  if (withPort) return { name: withPort[1] ?? '', port: withPort[2] };
  // A bare IPv6 address (several colons) has no port.
  return { name: entry, port: undefined };
}

/** A URL's hostname without IPv6 brackets or a trailing dot, lower case. */
function bareHost(hostname: string): string {
  return hostname
    .replace(/^\[(.*)\]$/, '$1')
    .replace(/\.$/, '')
    .toLowerCase();
}

function parseProxyUrl(variable: string, value: string): ProxySetting {
  // `proxy:3128` without a scheme is common in the wild (curl and Go read it as http://).
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `http://${value}`;
  // Everything up to the last @ may be credentials (a password may hold an unencoded @ or /).
  const shown = sanitizeForTerminal(withScheme.replace(/\/\/.*@/, '//***@'), 80);
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw usageError(`${variable} is not a proxy URL: "${shown}".`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw usageError(`${variable} must be an http:// or https:// proxy URL, not "${shown}".`);
  }
  const hasCredentials = url.username !== '' || url.password !== '';
  let authorization: string | undefined;
  if (hasCredentials) {
    try {
      const credentials = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
      authorization = `Basic ${Buffer.from(credentials).toString('base64')}`;
    } catch {
      throw usageError(`${variable} has a user name or password that is not valid percent-encoding.`);
    }
  }
  return { url, display: `${url.protocol}//${hasCredentials ? '***@' : ''}${url.host}`, variable, authorization };
}

/**
 * A client that honours HTTPS_PROXY/HTTP_PROXY/NO_PROXY from `env`, never follows redirects (a token request's
 * body holds the client secret, and must not be replayed to wherever a 3xx points), opens one connection per
 * request and never retries, and ends every request within `timeoutMs` whatever the proxy or server does.
 */
export function createHttpClient(env: Env, timeoutMs: number, options: HttpClientOptions = {}): HttpClient {
  const inFlight = new Set<Promise<unknown>>();
  let closed = false;
  const send = (request: HttpRequest): Promise<HttpResponse> => {
    if (closed) return Promise.reject(new Error('The HTTP client was used after close().'));
    const answer = sendOnce(request, env, timeoutMs, options);
    const settled = answer.then(
      () => undefined,
      () => undefined,
    );
    inFlight.add(settled);
    void settled.then(() => inFlight.delete(settled));
    return answer;
  };
  const close = async (): Promise<void> => {
    closed = true;
    // Each request destroys its sockets when it ends, and ends by its deadline at the latest.
    await Promise.all([...inFlight]);
  };
  return Object.assign(send, { close });
}

type NetModules = [typeof import('node:net'), typeof import('node:tls'), typeof import('node:http')];
let netModules: Promise<NetModules> | undefined;
function loadNetModules(): Promise<NetModules> {
  netModules ??= Promise.all([import('node:net'), import('node:tls'), import('node:http')]);
  return netModules;
}

/**
 * Where a request is, so a failure can be blamed on the right party: connecting to the proxy, waiting for its
 * answer to `CONNECT`, or talking to the origin (directly, through the tunnel, or through the proxy for http://).
 */
type Phase = 'proxy' | 'tunnel' | 'origin';

/** A deadline timer this late means the process was stopped, not busy. */
const SUSPENDED_MS = 1_000;
/** How long an answer gets after such a stop, at most. */
const SUSPENDED_GRACE_MS = 5_000;

async function sendOnce(
  request: HttpRequest,
  env: Env,
  timeoutMs: number,
  options: HttpClientOptions,
): Promise<HttpResponse> {
  const target = new URL(request.url);
  if (target.protocol !== 'https:' && target.protocol !== 'http:') {
    throw new Error(`Not an http(s) URL: ${target.protocol}`);
  }
  const proxy = proxyFor(target, env);
  const unsentAbort = request.abortUntilSent;
  const abortedEarly = () => request.signal.aborted || unsentAbort?.aborted === true;
  if (abortedEarly()) throw interrupted();
  const [net, tls, http] = await loadNetModules();
  if (abortedEarly()) throw interrupted();
  // Checked before any socket opens: node:http would otherwise throw from inside a socket callback.
  const requestHeaders: Record<string, string> = { ...request.headers, host: target.host };
  if (request.body !== undefined) requestHeaders['content-length'] = String(Buffer.byteLength(request.body));
  for (const [name, value] of Object.entries(requestHeaders)) {
    http.validateHeaderName(name);
    http.validateHeaderValue(name, value);
  }

  const targetHost = bareHost(target.hostname);
  const targetPort = Number(target.port || (target.protocol === 'https:' ? 443 : 80));
  const origin = target.host;
  const seconds = `${Number((timeoutMs / 1000).toFixed(3))} s`;
  const via = proxy ? ` through the proxy ${proxy.display}` : '';

  return new Promise<HttpResponse>((resolve, reject) => {
    const sockets = new Set<{ destroy(): unknown }>();
    let phase: Phase = proxy ? 'proxy' : 'origin';
    /** Set once node:http drives the connection: from then on it reports a closed socket itself. */
    let exchanging = false;
    /** Set once the answer's headers are in: a deadline or a hang-up then cuts the body short. */
    let answered = false;
    let settled = false;
    /** Set once the request is written: a signal that only counts until then is ignored from there on. */
    let sent = false;

    const finish = (error: Error | undefined, response?: HttpResponse) => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      request.signal.removeEventListener('abort', onAbort);
      unsentAbort?.removeEventListener('abort', onAbortUnsent);
      for (const socket of sockets) socket.destroy();
      if (error) reject(error);
      else if (response) resolve(response);
    };
    const fail = (error: Error) => finish(error);
    /** A callback whose throw fails this request instead of crashing the process. */
    const guarded =
      <A extends unknown[]>(callback: (...args: A) => void) =>
      (...args: A): void => {
        try {
          callback(...args);
        } catch (error) {
          fail(error instanceof Error ? error : new Error(String(error)));
        }
      };
    const onAbort = () => fail(interrupted());
    const onAbortUnsent = () => {
      if (!sent) fail(interrupted());
    };
    const due = performance.now() + timeoutMs;
    let graceGiven = false;
    const onDeadline = () => {
      if (!graceGiven && performance.now() - due > SUSPENDED_MS) {
        // The deadline passed while this process was not running (Ctrl-Z, SIGSTOP, a machine asleep): the answer
        // may have come meanwhile, or be on its way. A token answer may hold a refresh token Podio has rotated
        // already, so it gets a little more time rather than being thrown away unread.
        graceGiven = true;
        deadline = setTimeout(onDeadline, Math.min(timeoutMs, SUSPENDED_GRACE_MS));
        return;
      }
      // Timers run before I/O in each turn of the event loop: let an answer that has arrived be read first.
      setImmediate(() => fail(deadlineError()));
    };
    let deadline = setTimeout(onDeadline, timeoutMs);
    request.signal.addEventListener('abort', onAbort, { once: true });
    unsentAbort?.addEventListener('abort', onAbortUnsent, { once: true });

    function deadlineError(): PodioAuthError {
      if (proxy && phase === 'proxy') return proxyFailed(`did not accept a connection within ${seconds}`);
      if (proxy && phase === 'tunnel') return proxyFailed(`did not answer CONNECT within ${seconds}`);
      const what = answered ? 'finish its answer' : 'answer';
      return new PodioAuthError('timeout', `${origin} did not ${what} within ${seconds}${via}.`);
    }

    function proxyFailed(what: string, cause?: unknown, hint?: string): PodioAuthError {
      const shown = proxy?.display ?? '';
      return new PodioAuthError('proxy_failed', `The proxy ${shown} ${what}.`, {
        cause,
        hint: hint ?? `Check the proxy in ${proxy?.variable ?? 'HTTPS_PROXY'}, or add ${targetHost} to NO_PROXY.`,
      });
    }

    function socketError(error: unknown): PodioAuthError {
      const code = findCode(error);
      if (proxy && phase === 'proxy') return proxyFailed(`could not be reached: ${describeNetworkCode(code)}`, error);
      if (proxy && phase === 'tunnel') {
        // A reset arrives as `read ECONNRESET`; a plain hang-up as the 'close' below.
        const how = code === 'ECONNRESET' && (error as { syscall?: unknown }).syscall === 'read' ? 'reset' : 'closed';
        return proxyFailed(`${how} the connection after CONNECT`, error);
      }
      const reason = answered ? 'the connection was closed before the whole answer came' : describeNetworkCode(code);
      return new PodioAuthError('network', `Could not reach ${origin}${via}: ${reason}.`, { cause: error });
    }

    /** Every socket this request opens: destroyed when it ends, however it ends. */
    function track<T extends Socket>(socket: T): T {
      sockets.add(socket);
      socket.on('error', (error) => fail(socketError(error)));
      // A proxy that hangs up on CONNECT closes cleanly: no error is raised, only 'close'.
      socket.on('close', () => {
        if (exchanging) return;
        fail(socketError(Object.assign(new Error('The peer closed the connection.'), { code: 'ECONNRESET' })));
      });
      return socket;
    }

    const credentialsHint = `Check the user name and password in ${proxy?.variable ?? 'the proxy URL'}.`;
    const tlsOptions = options.ca === undefined ? {} : { ca: options.ca };
    const lookup = options.lookup === undefined ? {} : { lookup: options.lookup };
    const servername = (host: string) => (net.isIP(host) === 0 ? { servername: host } : {});

    /** One TCP connection (TLS when `secure`), no retry; `onReady` once it is up. */
    function connectTo(host: string, port: number, secure: boolean, onReady: (socket: Socket) => void): void {
      const socket = secure
        ? tls.connect({ host, port, ...servername(host), ...lookup, ...tlsOptions, ALPNProtocols: HTTP_1_1 })
        : net.connect({ host, port, ...lookup });
      track(socket);
      socket.once(
        secure ? 'secureConnect' : 'connect',
        guarded(() => onReady(socket)),
      );
    }

    /** Sends `CONNECT host:port` and hands over the raw tunnel once the proxy says 200. */
    function openTunnel(socket: Socket, onOpen: (tunnel: Socket) => void): void {
      phase = 'tunnel';
      const authority = `${target.hostname}:${targetPort}`;
      const lines = [`CONNECT ${authority} HTTP/1.1`, `Host: ${authority}`];
      if (proxy?.authorization) lines.push(`Proxy-Authorization: ${proxy.authorization}`);
      socket.write(`${lines.join('\r\n')}\r\n\r\n`);
      let answer = Buffer.alloc(0);
      const onData = guarded((chunk: Buffer) => {
        answer = Buffer.concat([answer, chunk]);
        const end = answer.indexOf('\r\n\r\n');
        if (end === -1) {
          if (answer.length > MAX_CONNECT_ANSWER_BYTES) fail(proxyFailed('sent an oversized answer to CONNECT'));
          return;
        }
        socket.off('data', onData);
        const status = /^HTTP\/1\.[01] (\d{3})[ \r]/.exec(answer.subarray(0, end + 2).toString('latin1'))?.[1];
        if (status === undefined) return fail(proxyFailed('answered CONNECT with something that is not HTTP'));
        if (status === '407') return fail(proxyFailed('refused the tunnel: HTTP 407', undefined, credentialsHint));
        if (status !== '200') return fail(proxyFailed(`refused the tunnel: HTTP ${status}`));
        // The origin speaks first only after our TLS hello; bytes already here did not come from it.
        if (answer.length > end + 4) return fail(proxyFailed('sent data before the tunnel was open'));
        onOpen(socket);
      });
      socket.on('data', onData);
    }

    /** Sends the request on `socket`; `throughProxy` when the socket goes to the proxy (absolute form, for http://). */
    function exchange(socket: Socket, throughProxy: boolean): void {
      phase = 'origin';
      exchanging = true;
      const path = `${throughProxy ? target.origin : ''}${target.pathname}${target.search}`;
      const authorization = throughProxy ? proxy?.authorization : undefined;
      const headers = authorization ? { ...requestHeaders, 'proxy-authorization': authorization } : requestHeaders;
      const outgoing = http.request({ method: request.method, path, headers, createConnection: () => socket });
      sockets.add(outgoing);
      outgoing.on('error', (error) => fail(socketError(error)));
      outgoing.on('response', (response) => {
        sockets.add(response);
        answered = true;
        // Podio never asks for proxy credentials; on plain http a 407 can only be the proxy's.
        if (throughProxy && response.statusCode === 407) {
          return fail(proxyFailed('refused the request: HTTP 407', undefined, credentialsHint));
        }
        const limit = request.answerLimit?.bytes ?? MAX_BODY_BYTES;
        const tooLarge = () =>
          new PodioAuthError('bad_response', `${origin} sent an answer larger than ${describeBytes(limit)}.`, {
            ...(request.answerLimit ? { hint: request.answerLimit.hint } : {}),
          });
        if (Number(response.headers['content-length']) > limit) return fail(tooLarge());
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > limit) return fail(tooLarge());
          chunks.push(chunk);
        });
        response.on('error', (error) => fail(socketError(error)));
        response.on('end', () => {
          const headers: Record<string, string> = {};
          for (const [name, value] of Object.entries(response.headers)) {
            if (value !== undefined) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
          }
          const text = Buffer.concat(chunks).toString('utf8');
          finish(undefined, { status: response.statusCode ?? 0, headers, text });
        });
      });
      // 'finish': the whole request is handed to the socket, so Podio may get it even if this process stops now.
      outgoing.end(request.body, () => {
        if (settled || sent) return;
        sent = true;
        request.onSent?.();
      });
    }

    if (!proxy) {
      connectTo(targetHost, targetPort, target.protocol === 'https:', (socket) => exchange(socket, false));
      return;
    }
    const proxyHost = bareHost(proxy.url.hostname);
    const proxyPort = Number(proxy.url.port || (proxy.url.protocol === 'https:' ? 443 : 80));
    connectTo(proxyHost, proxyPort, proxy.url.protocol === 'https:', (proxySocket) => {
      if (target.protocol === 'http:') {
        // Plain http goes to the proxy in absolute form (no tunnel); loopback origins never get here.
        exchange(proxySocket, true);
        return;
      }
      openTunnel(proxySocket, (tunnel) => {
        phase = 'origin';
        const secured: TLSSocket = tls.connect({
          socket: tunnel,
          ...servername(targetHost),
          ...tlsOptions,
          ALPNProtocols: HTTP_1_1,
        });
        track(secured);
        secured.once(
          'secureConnect',
          guarded(() => exchange(secured, false)),
        );
      });
    });
  });
}

function findCode(error: unknown): string | undefined {
  for (let e: unknown = error, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return undefined;
}

function describeNetworkCode(code: string | undefined): string {
  switch (code) {
    case 'ECONNRESET':
    case 'EPIPE':
      return 'the connection was closed before an answer came';
    case 'ECONNREFUSED':
      return 'the connection was refused';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_NONAME':
      return 'the host name could not be resolved';
    case 'ENETUNREACH':
    case 'EHOSTUNREACH':
    case 'ETIMEDOUT':
      return 'the network is unreachable';
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
    case 'CERT_HAS_EXPIRED':
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return `its TLS certificate is not trusted (${code})`;
    case undefined:
      return 'the request failed';
    default:
      if (code.startsWith('HPE_')) return 'the answer was not valid HTTP';
      return `the request failed (${code})`;
  }
}
