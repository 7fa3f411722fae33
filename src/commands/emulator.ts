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
  rateLimited?: boolean;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

/**
 * Serves a local Podio until Ctrl-C. The values to export go to stdout (they are the output asked for; the
 * client secret is the emulator's own demo secret), the rest to stderr.
 */
export async function runEmulator(options: EmulatorCommandOptions, ctx: CommandContext): Promise<void> {
  if (!LOOPBACK.has(options.host)) throw usageError(`--host must be a loopback address (127.0.0.1, ::1 or localhost), not "${options.host.slice(0, 60)}".`);
  const emulator = await new PodioEmulator({
    host: options.host === 'localhost' ? '127.0.0.1' : options.host,
    port: options.port,
    decision: options.decision,
    echoState: options.echoState,
    rotateRefreshTokens: options.rotate,
    expiresIn: options.expiresIn,
    rateLimited: Boolean(options.rateLimited),
  })
    .start()
    .catch((error: NodeJS.ErrnoException) => {
      throw usageError(`Could not listen on ${options.host}:${options.port} (${error.code ?? error.message}).`, 'Choose another --port.');
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
  ui.info(ui.paint('dim', `Run the lines above in another shell, then \`podio-auth login\`. Demo user: ${USER.mail} / ${USER.password}`));
  ui.info(ui.paint('dim', `(two-factor: ${TWO_FACTOR_USER.mail}); app ${APP.app_id} with token ${APP.app_token}. Ctrl-C stops it.`));
  await new Promise<void>((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
  await emulator.stop();
  ui.info('Emulator stopped.');
}
