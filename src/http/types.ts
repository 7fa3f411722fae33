import type { LookupFunction } from 'node:net';

/** What the HTTP client takes and gives: all that code which only talks to Podio sees of it. */

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
