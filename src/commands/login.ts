import { type Command, Option } from '@commander-js/extra-typings';
import { sanitizeForTerminal as shown } from '../domain/terminal-text.js';
import { storeChoice } from '../store/open-store.js';
import type { LoginInput, LoginMethod } from '../usecases/login.js';
import { type App, integer, profileOption } from './shared.js';

interface LoginFlags {
  profile?: string | undefined;
  clientId?: string | undefined;
  clientSecretStdin?: true | undefined;
  scope?: string | undefined;
  redirectHost: string;
  port: number;
  browser: boolean;
  timeout: number;
  app?: string | undefined;
  appTokenStdin?: true | undefined;
  password?: true | undefined;
  username?: string | undefined;
  passwordStdin?: true | undefined;
  store?: string | undefined;
}

export function loginInput(flags: LoginFlags): LoginInput {
  let method: LoginMethod;
  if (flags.app !== undefined)
    method = { kind: 'app', appId: flags.app, appTokenFromStdin: Boolean(flags.appTokenStdin) };
  else if (flags.password)
    method = { kind: 'password', username: flags.username, passwordFromStdin: Boolean(flags.passwordStdin) };
  else {
    method = {
      kind: 'browser',
      scope: flags.scope,
      redirectHost: flags.redirectHost,
      port: flags.port,
      openBrowser: flags.browser,
      timeoutSeconds: flags.timeout,
      acceptPaste: true,
    };
  }
  return {
    profile: flags.profile,
    clientId: flags.clientId,
    clientSecretFromStdin: Boolean(flags.clientSecretStdin),
    store: flags.store === undefined ? undefined : storeChoice(flags.store, '--store'),
    method,
  };
}

export function registerLogin(program: Command, app: App): void {
  program
    .command('login')
    .description('log in to Podio in the browser (or as an app, or with a password) and store the tokens')
    .addOption(profileOption())
    .option('--client-id <id>', 'client id of your Podio API key (default: $PODIO_CLIENT_ID, then the profile)')
    .option(
      '--client-secret-stdin',
      'read the client secret from standard input (else $PODIO_CLIENT_SECRET, the profile, or a prompt)',
    )
    .option('--scope <scopes>', 'scopes to ask for, e.g. "global:read"')
    .option('--redirect-host <host>', "host of the redirect URI, as registered as the API key's domain", 'localhost')
    .addOption(
      new Option('--port <n>', 'callback port').argParser(integer('--port', 0, 65535)).default(0, 'any free port'),
    )
    .option('--no-browser', 'do not open a browser; print the URL only')
    .addOption(
      new Option('--timeout <seconds>', 'how long to wait for the browser')
        .argParser(integer('--timeout', 1, 86_400))
        .default(300),
    )
    .addOption(
      new Option('--app <app_id>', 'log in as a Podio app (app grant) instead of through the browser').conflicts(
        'password',
      ),
    )
    .option('--app-token-stdin', 'read the app token from standard input (else $PODIO_APP_TOKEN or a hidden prompt)')
    .option('--password', 'log in with a user name and password (password grant) instead of through the browser')
    .option('--username <email>', 'user name for --password (default: $PODIO_USERNAME, else a prompt)')
    .option('--password-stdin', 'read the password from standard input (else $PODIO_PASSWORD or a hidden prompt)')
    .option(
      '--store <store>',
      'where the secrets go: file, keyring or redis://host:port/db (default: $PODIO_AUTH_STORE, else file)',
    )
    .action((flags) =>
      app.run(async () => {
        const input = loginInput(flags);
        const { login } = await import('../usecases/login.js');
        const result = await login(input, { ...app.deps, ui: app.ui });
        const ui = await app.ui();
        const where = ui.paint('dim', `(profile "${shown(result.profile)}", stored in ${result.storedIn})`);
        ui.success(`Logged in to Podio${result.who ? ` as ${shown(result.who)}` : ''} ${where}`);
        if (result.whoError) ui.warn(`Could not look up who you are: ${shown(result.whoError)}`);
        if (result.replaced) {
          ui.warn(
            `Profile "${shown(result.profile)}" held the login of ${shown(result.replaced)}; this one replaced it.`,
          );
        }
      }),
    );
}
