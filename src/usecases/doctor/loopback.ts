import type { Deps } from '../../deps.js';
import { type Check, check } from './check.js';
import { type PortHolderProbes, processListeningOn } from './port-holder.js';
import type { DoctorProbes } from './probes.js';

/** What the login's callback needs: a loopback port to listen on, the --port asked for, and `localhost`. */

export type LoopbackProbes = PortHolderProbes & Pick<DoctorProbes, 'listen'>;

export async function checkLoopback(
  port: number | undefined,
  resolve: Deps['resolve'],
  probes: LoopbackProbes,
): Promise<Check[]> {
  const checks: Check[] = [];
  const v4 = await probes.listen('127.0.0.1', 0);
  checks.push(
    v4
      ? check(
          'bind-ipv4',
          'fail',
          `Cannot listen on 127.0.0.1 (${v4.code}).`,
          'The login needs a loopback port for the browser to come back to.',
        )
      : check('bind-ipv4', 'ok', 'Can listen on 127.0.0.1'),
  );
  const v6 = await probes.listen('::1', 0);
  checks.push(
    v6
      ? check(
          'bind-ipv6',
          'warn',
          `Cannot listen on ::1 (${v6.code}).`,
          'Fine if `localhost` resolves to 127.0.0.1 only.',
        )
      : check('bind-ipv6', 'ok', 'Can listen on ::1'),
  );
  if (port !== undefined) checks.push(await checkPort(port, probes, v6 === undefined));
  checks.push(await checkLocalhost(resolve));
  return checks;
}

/**
 * A --port in use names its holder, so the user knows what to stop. The login listens on 127.0.0.1 and, where there
 * is IPv6 (`ipv6`), on ::1 too: a holder on either takes the port from it.
 */
export async function checkPort(port: number, probes: LoopbackProbes, ipv6 = true): Promise<Check> {
  const taken = (await probes.listen('127.0.0.1', port)) ?? (ipv6 ? await probes.listen('::1', port) : undefined);
  if (!taken) return check('port', 'ok', `Port ${port} is free`);
  const holder = taken.code === 'EADDRINUSE' ? processListeningOn(port, probes) : undefined;
  return check(
    'port',
    'fail',
    `Port ${port} is in use${holder ? ` by ${holder}` : ''} (${taken.code}).`,
    'Choose another --port, or leave it out to use any free port.',
  );
}

/** The browser comes back to `localhost`: it must lead to this machine. */
async function checkLocalhost(resolve: Deps['resolve']): Promise<Check> {
  try {
    const addresses = await resolve('localhost');
    const loopback = addresses.every((address) => address === '::1' || address.startsWith('127.'));
    return loopback
      ? check('localhost', 'ok', `localhost resolves to ${addresses.join(', ')}`)
      : check(
          'localhost',
          'fail',
          `localhost resolves to ${addresses.join(', ')}, not only loopback.`,
          "Fix /etc/hosts, or log in with --redirect-host 127.0.0.1 (and register that as the API key's domain).",
        );
  } catch (error) {
    return check(
      'localhost',
      'fail',
      `localhost does not resolve (${(error as NodeJS.ErrnoException).code}).`,
      'Add "127.0.0.1 localhost" to /etc/hosts.',
    );
  }
}
