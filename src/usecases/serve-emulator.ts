import type { Deps } from '../deps.js';
import { PodioAuthError, usageError } from '../errors.js';

/**
 * `podio-auth emulator`: a local Podio on a loopback address until the signal aborts. Only loopback: the emulator
 * hands out tokens to anyone who asks, and its demo secret is public.
 */

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

export interface ServeEmulatorInput {
  host: string;
  port: number;
  decision: 'ask' | 'grant' | 'deny';
  echoState: boolean;
  rotateRefreshTokens: boolean;
  expiresIn: number;
  domain: string;
  rateLimit: number;
  rateLimited: boolean;
  clockOffsetSeconds: number;
}

/** What a user needs to sign in to the emulator: where it is, and its demo accounts. */
export interface EmulatorWelcome {
  url: string;
  client: { clientId: string; clientSecret: string };
  user: { mail: string; password: string };
  twoFactorUser: { mail: string };
  app: { app_id: string; app_token: string };
}

export interface ServeEmulatorDeps extends Pick<Deps, 'signal'> {
  /** Called once the emulator listens. */
  onListening: (welcome: EmulatorWelcome) => Promise<void>;
}

/** Refuses a --host that is not loopback and a --domain that is not a host name. */
export function checkEmulatorInput(input: Pick<ServeEmulatorInput, 'host' | 'domain'>): void {
  if (!LOOPBACK.has(input.host)) {
    throw usageError(
      `--host must be a loopback address (127.0.0.1, ::1 or localhost), not "${input.host.slice(0, 60)}".`,
    );
  }
  if (!/^[a-z0-9.:[\]-]{1,253}$/i.test(input.domain)) {
    throw usageError(
      `--domain must be a host name such as localhost or localtest.me, not "${input.domain.slice(0, 60)}".`,
    );
  }
}

/** Serves until `deps.signal` aborts, then stops the emulator. */
export async function serveEmulator(input: ServeEmulatorInput, deps: ServeEmulatorDeps): Promise<void> {
  checkEmulatorInput(input);
  // Loaded only here: no other command pays for the emulator.
  const { APP, DEMO_CLIENT, PodioEmulator, TWO_FACTOR_USER, USER } = await import('../emulator/podio-emulator.js');
  // With localhost it also names itself localhost: podio-js drops the first label of the API host for the
  // authorize page, which leaves nothing of an IP address.
  const emulator = await new PodioEmulator({
    host: input.host,
    port: input.port,
    decision: input.decision,
    echoState: input.echoState,
    rotateRefreshTokens: input.rotateRefreshTokens,
    expiresIn: input.expiresIn,
    domain: input.domain,
    rateLimit: input.rateLimit,
    rateLimited: input.rateLimited,
    clockOffsetMs: input.clockOffsetSeconds * 1000,
  })
    .start()
    .catch((error: NodeJS.ErrnoException) => {
      throw new PodioAuthError(
        error.code === 'EADDRINUSE' ? 'port_in_use' : 'listen_failed',
        `Could not listen on ${input.host}:${input.port} (${error.code ?? error.message}).`,
      );
    });
  await deps.onListening({
    url: emulator.url,
    client: DEMO_CLIENT,
    user: USER,
    twoFactorUser: TWO_FACTOR_USER,
    app: APP,
  });
  await untilAborted(deps.signal);
  await emulator.stop();
}

function untilAborted(signal: AbortSignal): Promise<void> {
  return new Promise<void>((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
}
