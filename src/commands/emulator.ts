import { type Command, Option } from '@commander-js/extra-typings';
import { type EmulatorWelcome, serveEmulator } from '../usecases/serve-emulator.js';
import { type App, integer } from './shared.js';

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
        const input = {
          host: options.host,
          port: options.port,
          decision: options.decision,
          echoState: options.echoState,
          rotateRefreshTokens: options.rotate,
          expiresIn: options.expiresIn,
          domain: options.domain,
          rateLimit: options.rateLimit,
          rateLimited: Boolean(options.rateLimited),
          clockOffsetSeconds: options.clockOffset,
        };
        await serveEmulator(input, {
          signal: app.deps.signal,
          onListening: (welcome) => printWelcome(app, welcome, options.domain),
        });
        (await app.ui()).info('Emulator stopped.');
      }),
    );
}

async function printWelcome(app: App, welcome: EmulatorWelcome, domain: string): Promise<void> {
  const ui = await app.ui();
  ui.success(`Podio emulator listening on ${welcome.url}`);
  await app.out(emulatorExports(welcome));
  ui.info(ui.paint('dim', 'Run the lines above in another shell, then `podio-auth login`.'));
  const { user, twoFactorUser, app: demoApp } = welcome;
  ui.info(ui.paint('dim', `Demo user: ${user.mail} / ${user.password} (two-factor: ${twoFactorUser.mail}).`));
  ui.info(ui.paint('dim', `App ${demoApp.app_id} with token ${demoApp.app_token}.`));
  ui.info(ui.paint('dim', `Redirect URIs must be on ${domain}. Ctrl-C stops it.`));
}

/** The `export` lines that point podio-auth (and podio-js) at the emulator. */
export function emulatorExports({ url, client }: Pick<EmulatorWelcome, 'url' | 'client'>): string {
  return [
    `export PODIO_AUTH_URL=${url}`,
    `export PODIO_API_URL=${url}`,
    `export PODIO_CLIENT_ID=${client.clientId}`,
    `export PODIO_CLIENT_SECRET=${client.clientSecret}`,
    '',
  ].join('\n');
}
