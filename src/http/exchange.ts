import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Network } from './connection.js';
import { answerLimitBytes, answerTooLarge, proxyCredentialsRefused } from './failures.js';
import type { RequestInFlight } from './in-flight.js';

/**
 * The request and its answer over a connection that is up, through node:http: the request written (which is when
 * `onSent` is called), then the answer read up to its size limit. Redirects are never followed.
 */

/** Sends the request on `socket`; `throughProxy` when the socket goes to the proxy (absolute form, for http://). */
export function exchange(flight: RequestInFlight, network: Network, socket: Socket, throughProxy: boolean): void {
  const { request, target, proxy } = flight.plan;
  flight.stage = 'request';
  const path = `${throughProxy ? target.url.origin : ''}${target.url.pathname}${target.url.search}`;
  const authorization = throughProxy ? proxy?.authorization : undefined;
  const headers = authorization
    ? { ...flight.plan.headers, 'proxy-authorization': authorization }
    : flight.plan.headers;
  const outgoing = network.http.request({ method: request.method, path, headers, createConnection: () => socket });
  flight.hold(outgoing);
  outgoing.on('error', flight.failOnSocketError);
  outgoing.on('response', (response) => readAnswer(flight, response, throughProxy));
  // The callback runs on 'finish': the whole request is handed to the socket.
  outgoing.end(request.body, () => flight.markSent());
}

function readAnswer(flight: RequestInFlight, response: IncomingMessage, throughProxy: boolean): void {
  flight.hold(response);
  flight.stage = 'answer';
  // Podio never asks for proxy credentials; on plain http a 407 can only be the proxy's.
  if (throughProxy && response.statusCode === 407) {
    flight.fail(proxyCredentialsRefused(flight.plan, 'refused the request: HTTP 407'));
    return;
  }
  const limit = answerLimitBytes(flight.plan);
  if (Number(response.headers['content-length']) > limit) {
    flight.fail(answerTooLarge(flight.plan));
    return;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  response.on('data', (chunk: Buffer) => {
    size += chunk.length;
    if (size > limit) return flight.fail(answerTooLarge(flight.plan));
    chunks.push(chunk);
  });
  response.on('error', flight.failOnSocketError);
  response.on('end', () => {
    const text = Buffer.concat(chunks).toString('utf8');
    flight.succeed({ status: response.statusCode ?? 0, headers: joinedHeaders(response.headers), text });
  });
}

/** Header names in lower case, repeated headers joined with ", ". */
export function joinedHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const joined: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) joined[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return joined;
}
