import { CliError, ExitCode, interrupted, PodioAuthError } from './errors.js';
import type { Env } from './output.js';

/**
 * The one way this tool talks HTTP to Podio. Kept apart from Podio's response parsing so tests can hand the
 * parsers canned answers, and so undici is loaded only by commands that go to the network.
 */

export interface HttpRequest {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  url: string;
  headers: Record<string, string>;
  body?: string;
  signal: AbortSignal;
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string>;
  text: string;
}

export type HttpClient = (request: HttpRequest) => Promise<HttpResponse>;

export const DEFAULT_HTTP_TIMEOUT_SECONDS = 30;
const MAX_BODY_BYTES = 1024 * 1024;

/** `PODIO_AUTH_HTTP_TIMEOUT` (seconds) lets slow networks wait longer and tests give up sooner. */
export function httpTimeoutMs(env: Env): number {
  const raw = env['PODIO_AUTH_HTTP_TIMEOUT'];
  const seconds = raw === undefined || raw === '' ? NaN : Number(raw);
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : DEFAULT_HTTP_TIMEOUT_SECONDS * 1000;
}

/**
 * An undici client that honours HTTPS_PROXY/HTTP_PROXY/NO_PROXY from `env`, never follows redirects (a token
 * request's body holds the client secret, and must not be replayed to wherever a 3xx points), and gives up
 * after `timeoutMs` in total, whatever part of the exchange stalls.
 */
export function createHttpClient(env: Env, timeoutMs: number): HttpClient {
  let dispatcherPromise: Promise<import('undici').Dispatcher> | undefined;
  const dispatcher = async () => {
    dispatcherPromise ??= import('undici').then(({ EnvHttpProxyAgent }) => {
      const proxy = (name: string) => env[name.toLowerCase()] ?? env[name] ?? undefined;
      const options: ConstructorParameters<typeof EnvHttpProxyAgent>[0] = {
        connect: { timeout: timeoutMs },
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      };
      const httpProxy = proxy('HTTP_PROXY');
      const httpsProxy = proxy('HTTPS_PROXY');
      const noProxy = proxy('NO_PROXY');
      if (httpProxy) options.httpProxy = httpProxy;
      if (httpsProxy) options.httpsProxy = httpsProxy;
      if (noProxy) options.noProxy = noProxy;
      return new EnvHttpProxyAgent(options);
    });
    return dispatcherPromise;
  };

  return async (request) => {
    const { request: undiciRequest } = await import('undici');
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = AbortSignal.any([request.signal, timeout]);
    const origin = new URL(request.url).host;
    try {
      const response = await undiciRequest(request.url, {
        method: request.method,
        headers: request.headers,
        body: request.body ?? null,
        signal,
        dispatcher: await dispatcher(),
      });
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of response.body) {
        size += (chunk as Buffer).length;
        if (size > MAX_BODY_BYTES) {
          response.body.destroy();
          throw new CliError('bad_response', ExitCode.failure, `${origin} sent an answer larger than 1 MiB.`);
        }
        chunks.push(chunk as Buffer);
      }
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(response.headers)) {
        if (value !== undefined) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
      }
      return { status: response.statusCode, headers, text: Buffer.concat(chunks).toString('utf8') };
    } catch (error) {
      if (error instanceof PodioAuthError) throw error;
      if (request.signal.aborted) throw interrupted();
      throw networkError(origin, error, timeout.aborted, timeoutMs);
    }
  };
}

function networkError(origin: string, error: unknown, timedOut: boolean, timeoutMs: number): CliError {
  const code = findCode(error);
  const isTimeout = timedOut || (code !== undefined && /TIMEOUT/i.test(code));
  if (isTimeout) {
    return new CliError('timeout', ExitCode.failure, `${origin} did not answer within ${Math.round(timeoutMs / 1000)} s.`, {
      hint: 'Check your network or proxy settings (HTTPS_PROXY), then try again.',
      cause: error,
    });
  }
  const reason = describeNetworkCode(code);
  return new CliError('network', ExitCode.failure, `Could not reach ${origin}: ${reason}.`, {
    hint: 'Check your network or proxy settings (HTTPS_PROXY, NO_PROXY), then try again.',
    cause: error,
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
    case 'UND_ERR_SOCKET':
      return 'the connection was closed before an answer came';
    case 'ECONNREFUSED':
      return 'the connection was refused';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'the host name could not be resolved';
    case 'UND_ERR_CLOSED':
      return 'the connection was closed';
    case undefined:
      return 'the request failed';
    default:
      return `the request failed (${code})`;
  }
}
