import { usageError } from '../errors.js';
import { APP, DEMO_CLIENT, PodioEmulator, TWO_FACTOR_USER, USER } from '../emulator/podio-emulator.js';
import type { CommandContext } from './context.js';

export interface EmulatorCommandOptions {
  host: string;
  port: number;
  decision: 'ask' | 'grant' | 'deny';
  echoState: boolean;
  rotate: boolean;
  expiresIn: number;
  domain: string;
  rateLimit: number;
  rateLimited?: boolean;
  clockOffset: number;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

/**
 * Serves a local Podio until Ctrl-C. The values to export go to stdout (they are the output asked for; the
 * client secret is the emulator's own demo secret), the rest to stderr.
 */
export async function runEmulator(options: EmulatorCommandOptions, ctx: CommandContext): Promise<void> {
  if (!LOOPBACK.has(options.host)) {
    const host = options.host.slice(0, 60);
    throw usageError(`--host must be a loopback address (127.0.0.1, ::1 or localhost), not "${host}".`);
  }
  if (!/^[a-z0-9.:[\]-]{1,253}$/i.test(options.domain)) {
    const domain = options.domain.slice(0, 60);
    throw usageError(`--domain must be a host name such as localhost or localtest.me, not "${domain}".`);
  }
  // With localhost it also names itself localhost: podio-js drops the first label of the API host for the
  // authorize page, which leaves nothing of an IP address.
  const emulator = await new PodioEmulator({
    host: options.host,
    port: options.port,
    decision: options.decision,
    echoState: options.echoState,
    rotateRefreshTokens: options.rotate,
    expiresIn: options.expiresIn,
    domain: options.domain,
    rateLimit: options.rateLimit,
    rateLimited: Boolean(options.rateLimited),
    clockOffsetMs: options.clockOffset * 1000,
  })
    .start()
    .catch((error: NodeJS.ErrnoException) => {
      const reason = error.code ?? error.message;
      throw usageError(`Could not listen on ${options.host}:${options.port} (${reason}).`, 'Choose another --port.');
    });
  const ui = await ctx.ui();
  const { stdout, signal } = ctx.deps;
  ui.success(`Podio emulator listening on ${emulator.url}`);
  stdout.write(
    [
      `export PODIO_AUTH_URL=${emulator.url}`,
      `export PODIO_API_URL=${emulator.url}`,
      `export PODIO_CLIENT_ID=${DEMO_CLIENT.clientId}`,
      `export PODIO_CLIENT_SECRET=${DEMO_CLIENT.clientSecret}`,
      '',
    ].join('\n'),
  );
  ui.info(ui.paint('dim', 'Run the lines above in another shell, then `podio-auth login`.'));
  ui.info(ui.paint('dim', `Demo user: ${USER.mail} / ${USER.password} (two-factor: ${TWO_FACTOR_USER.mail}).`));
  ui.info(ui.paint('dim', `App ${APP.app_id} with token ${APP.app_token}.`));
  ui.info(ui.paint('dim', `Redirect URIs must be on ${options.domain}. Ctrl-C stops it.`));
  await new Promise<void>((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
  await emulator.stop();
  ui.info('Emulator stopped.');
}
