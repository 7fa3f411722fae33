import type { Socket } from 'node:net';
import type { ConnectionOptions, TLSSocket } from 'node:tls';
import type { RequestInFlight } from './in-flight.js';
import type { Endpoint } from './target.js';
import type { HttpClientOptions } from './types.js';

/**
 * Opening connections: one TCP connection (TLS when the endpoint is https), never retried, and TLS to the origin
 * inside a proxy's tunnel. Node's network modules are loaded on first use, so that commands which never go to the
 * network never pay for them.
 */

/** Node's network modules and the client's options for them. */
export interface Network {
  net: typeof import('node:net');
  tls: typeof import('node:tls');
  http: typeof import('node:http');
  options: HttpClientOptions;
}

/** Offered in TLS so that no server answers in HTTP/2, which this client does not speak. */
const HTTP_1_1 = ['http/1.1'];

type NetModules = Omit<Network, 'options'>;
let netModules: Promise<NetModules> | undefined;

export async function loadNetwork(options: HttpClientOptions): Promise<Network> {
  netModules ??= Promise.all([import('node:net'), import('node:tls'), import('node:http')]).then(
    ([net, tls, http]) => ({ net, tls, http }),
  );
  return { ...(await netModules), options };
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
    ? network.tls.connect({ host, port, ...lookup, ...tlsOptions(network, host) })
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
  const secured = flight.track(network.tls.connect({ socket: tunnel, ...tlsOptions(network, host) }));
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
