import { type Command, Option } from '@commander-js/extra-typings';
import { PodioAuthError, usageError } from '../errors.js';
import { type App, integer } from './shared.js';

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

/**
 * Serves a local Podio until Ctrl-C. The values to export go to stdout (they are the output asked for; the
 * client secret is the emulator's own demo secret), the rest to stderr.
 */
export function registerEmulator(program: Command, app: App): void {
  program
    .command('emulator')
    .description('serve a local Podio (authorize page, token endpoints, API) for trying podio-auth and for tests')
    .option('--host <address>', 'loopback address to listen on', '127.0.0.1')
    .addOption(new Option('--port <n>', 'port').argParser(integer('--port', 0, 65535)).default(0, 'any free port'))
    .addOption(
      new Option('--decision <decision>', 'what the authorize page does')
        .choices(['ask', 'grant', 'deny'] as const)
        .default('ask' as const),
    )
    .option('--no-echo-state', 'leave state out of the redirect, as Podio might')
    .option('--no-rotate', 'keep refresh tokens valid after a refresh')
    .option('--domain <host>', "the demo API key's domain: redirect URIs must be on this host", 'localhost')
    .addOption(
      new Option(
        '--expires-in <seconds>',
        'lifetime of access tokens (0: the first token of each login is born expired; refreshed ones live 8 h)',
      )
        .argParser(integer('--expires-in', 0, 86_400 * 30))
        .default(28_800),
    )
    .addOption(
      new Option('--rate-limit <n>', 'API calls allowed per access token per hour')
        .argParser(integer('--rate-limit', 1, 1_000_000))
        .default(1000),
    )
    .option('--rate-limited', 'answer every token and API request with HTTP 420')
    .addOption(
      new Option(
        '--clock-offset <seconds>',
        'start the emulated clock this far ahead (POST /__emulator/clock moves it later)',
      )
        .argParser(integer('--clock-offset', 0, 86_400 * 3650))
        .default(0),
    )
    .action((options) =>
      app.run(async () => {
        if (!LOOPBACK.has(options.host)) {
          throw usageError(
            `--host must be a loopback address (127.0.0.1, ::1 or localhost), not "${options.host.slice(0, 60)}".`,
          );
        }
        if (!/^[a-z0-9.:[\]-]{1,253}$/i.test(options.domain)) {
          throw usageError(
            `--domain must be a host name such as localhost or localtest.me, not "${options.domain.slice(0, 60)}".`,
          );
        }
        const { APP, DEMO_CLIENT, PodioEmulator, TWO_FACTOR_USER, USER } = await import(
          '../emulator/podio-emulator.js'
        );
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
            throw new PodioAuthError(
              error.code === 'EADDRINUSE' ? 'port_in_use' : 'listen_failed',
              `Could not listen on ${options.host}:${options.port} (${error.code ?? error.message}).`,
            );
          });
        const ui = await app.ui();
        const { signal } = app.deps;
        ui.success(`Podio emulator listening on ${emulator.url}`);
        await app.out(
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
      }),
    );
}
