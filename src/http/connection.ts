import type { Socket } from 'node:net';
import type { ConnectionOptions, TLSSocket } from 'node:tls';
import type { RequestInFlight } from './in-flight.js';
import type { Endpoint } from './target.js';
import type { HttpClientOptions } from './types.js';

/**
 * Opening connections: one TCP connection (TLS when the endpoint is https), never retried, and TLS to the origin
 * inside a proxy's tunnel. Node's network modules are taken when a request is sent, so that commands which never go
 * to the network never pay for them; node:tls (with much of node:crypto) only for an https endpoint.
 */

/** Node's network modules and the client's options for them. */
export interface Network {
  net: typeof import('node:net');
  http: typeof import('node:http');
  options: HttpClientOptions;
}

const tls = (): typeof import('node:tls') => process.getBuiltinModule('node:tls');

/** Offered in TLS so that no server answers in HTTP/2, which this client does not speak. */
const HTTP_1_1 = ['http/1.1'];

/** The modules a request needs, with the client's options. */
export function loadNetwork(options: HttpClientOptions): Network {
  return { net: process.getBuiltinModule('node:net'), http: process.getBuiltinModule('node:http'), options };
}

/** Opens one connection to `endpoint`, tracked by `flight`; `onReady` once it is up (and TLS is set up). */
export function connectTo(
  flight: RequestInFlight,
  network: Network,
  endpoint: Endpoint,
  onReady: (socket: Socket) => void,
): void {
  const { host, port, secure } = endpoint;
  const lookup = network.options.lookup === undefined ? {} : { lookup: network.options.lookup };
  const socket = secure
    ? tls().connect({ host, port, ...lookup, ...tlsOptions(network, host) })
    : network.net.connect({ host, port, ...lookup });
  flight.track(socket);
  socket.once(
    secure ? 'secureConnect' : 'connect',
    flight.guarded(() => onReady(socket)),
  );
}

/** Sets up TLS with the origin `host` over a proxy's open tunnel; `onReady` once it is up. */
export function secureTunnel(
  flight: RequestInFlight,
  network: Network,
  tunnel: Socket,
  host: string,
  onReady: (secured: TLSSocket) => void,
): void {
  const secured = flight.track(tls().connect({ socket: tunnel, ...tlsOptions(network, host) }));
  secured.once(
    'secureConnect',
    flight.guarded(() => onReady(secured)),
  );
}

function tlsOptions(network: Network, host: string): ConnectionOptions {
  return {
    // SNI takes a name, never an IP address.
    ...(network.net.isIP(host) === 0 ? { servername: host } : {}),
    ...(network.options.ca === undefined ? {} : { ca: network.options.ca }),
    ALPNProtocols: HTTP_1_1,
  };
}
