import type { Socket } from 'node:net';
import { proxyCredentialsRefused, proxyFailed } from './failures.js';
import type { RequestInFlight } from './in-flight.js';

/**
 * The tunnel through a proxy for an https origin: `CONNECT host:port` on the connection to the proxy, then the
 * proxy's answer, read here so that its size is bounded and nothing but the answer comes before our TLS hello.
 */

/** A proxy's answer to `CONNECT` is a status line and a few headers; anything longer is not a proxy we can use. */
const MAX_CONNECT_ANSWER_BYTES = 16 * 1024;

/** The `CONNECT` request for `target`, with the proxy's credentials when it has some. */
export function connectRequest(target: URL, port: number, authorization: string | undefined): string {
  const authority = `${target.hostname}:${port}`;
  const lines = [`CONNECT ${authority} HTTP/1.1`, `Host: ${authority}`];
  if (authorization) lines.push(`Proxy-Authorization: ${authorization}`);
  return `${lines.join('\r\n')}\r\n\r\n`;
}

/** What the bytes a proxy has sent so far say about the tunnel. */
export type ConnectAnswer =
  | { state: 'incomplete' }
  | { state: 'open' }
  /** `what` the proxy did, for a message; `credentials` when it asked for a (valid) user name and password. */
  | { state: 'failed'; what: string; credentials: boolean };

export function readConnectAnswer(bytes: Buffer): ConnectAnswer {
  const failed = (what: string, credentials = false): ConnectAnswer => ({ state: 'failed', what, credentials });
  const end = bytes.indexOf('\r\n\r\n');
  if (end === -1) {
    return bytes.length > MAX_CONNECT_ANSWER_BYTES
      ? failed('sent an oversized answer to CONNECT')
      : { state: 'incomplete' };
  }
  const status = /^HTTP\/1\.[01] (\d{3})[ \r]/.exec(bytes.subarray(0, end + 2).toString('latin1'))?.[1];
  if (status === undefined) return failed('answered CONNECT with something that is not HTTP');
  if (status === '407') return failed('refused the tunnel: HTTP 407', true);
  if (status !== '200') return failed(`refused the tunnel: HTTP ${status}`);
  // The origin speaks first only after our TLS hello; bytes already here did not come from it.
  if (bytes.length > end + 4) return failed('sent data before the tunnel was open');
  return { state: 'open' };
}

/** Asks the proxy on `socket` for a tunnel to the origin, and hands the raw tunnel to `onOpen` once it is open. */
export function openTunnel(flight: RequestInFlight, socket: Socket, onOpen: (tunnel: Socket) => void): void {
  const { target, proxy } = flight.plan;
  flight.stage = 'tunnel';
  socket.write(connectRequest(target.url, target.port, proxy?.authorization));
  let received = Buffer.alloc(0);
  const onData = flight.guarded((chunk: Buffer) => {
    received = Buffer.concat([received, chunk]);
    const answer = readConnectAnswer(received);
    if (answer.state === 'incomplete') return;
    socket.off('data', onData);
    if (answer.state === 'open') return onOpen(socket);
    flight.fail(
      answer.credentials ? proxyCredentialsRefused(flight.plan, answer.what) : proxyFailed(flight.plan, answer.what),
    );
  });
  socket.on('data', onData);
}
