import type { Env } from '../env.js';
import { interrupted } from '../errors.js';
import { connectTo, loadNetwork, type Network, secureTunnel } from './connection.js';
import { startDeadline } from './deadline.js';
import { exchange } from './exchange.js';
import { deadlineError } from './failures.js';
import { createRequestInFlight, type RequestInFlight } from './in-flight.js';
import { type RequestPlan, requestHeaders } from './plan.js';
import { proxyFor } from './proxy-setting.js';
import { endpointOf, parseTarget } from './target.js';
import { openTunnel } from './tunnel.js';
import type { HttpClientOptions, HttpRequest, HttpResponse } from './types.js';

/**
 * One request, as named steps: plan it (target, proxy, headers), then connect (directly, or to the proxy and through
 * its tunnel), exchange, and read the answer, all within one deadline and ended by the request's signals.
 */

export async function sendOnce(
  request: HttpRequest,
  env: Env,
  timeoutMs: number,
  options: HttpClientOptions,
): Promise<HttpResponse> {
  const target = parseTarget(request.url);
  const proxy = proxyFor(target.url, env);
  throwIfAbortedBeforeSending(request);
  const network = loadNetwork(options);
  const check = (name: string, value: string) => {
    network.http.validateHeaderName(name);
    network.http.validateHeaderValue(name, value);
  };
  const plan: RequestPlan = { request, target, proxy, headers: requestHeaders(request, target, check), timeoutMs };
  return fly(plan, network);
}

function throwIfAbortedBeforeSending(request: HttpRequest): void {
  // The signal's reason is the signal that aborted it: SIGTERM and SIGHUP end with their own exit codes.
  if (request.signal.aborted) throw interrupted(undefined, request.signal.reason);
  if (request.abortUntilSent?.aborted === true) throw interrupted(undefined, request.abortUntilSent.reason);
}

/** Starts the request on its way; it ends by its answer, a failure, its deadline or a signal, whichever comes first. */
function fly(plan: RequestPlan, network: Network): Promise<HttpResponse> {
  const { signal, abortUntilSent } = plan.request;
  const flight = createRequestInFlight(plan, plan.proxy ? 'to-proxy' : 'to-origin');
  const deadline = startDeadline(plan.timeoutMs, () => flight.fail(deadlineError(plan, flight.stage)));
  const onAbort = () => flight.fail(interrupted(undefined, signal.reason));
  const onAbortUnsent = () => {
    if (!flight.sent) flight.fail(interrupted(undefined, abortUntilSent?.reason));
  };
  signal.addEventListener('abort', onAbort, { once: true });
  abortUntilSent?.addEventListener('abort', onAbortUnsent, { once: true });
  flight.whenEnded(() => {
    deadline.clear();
    signal.removeEventListener('abort', onAbort);
    abortUntilSent?.removeEventListener('abort', onAbortUnsent);
  });
  flight.guarded(() => connectAndExchange(flight, network))();
  return flight.answer;
}

function connectAndExchange(flight: RequestInFlight, network: Network): void {
  const { target, proxy } = flight.plan;
  if (!proxy) {
    connectTo(flight, network, target, (socket) => exchange(flight, network, socket, false));
    return;
  }
  connectTo(flight, network, endpointOf(proxy.url), (proxySocket) => {
    // Plain http goes to the proxy in absolute form (no tunnel); loopback origins never get here.
    if (!target.secure) return exchange(flight, network, proxySocket, true);
    openTunnel(flight, proxySocket, (tunnel) => {
      flight.stage = 'to-origin';
      secureTunnel(flight, network, tunnel, target.host, (secured) => exchange(flight, network, secured, false));
    });
  });
}
