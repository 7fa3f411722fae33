import { CliError, ExitCode, usageError } from '../errors.js';
import { browserLogin } from '../login/browser-login.js';
import type { Messages } from '../output.js';
import { API_KEY_PAGE, DEFAULT_API_URL, DEFAULT_AUTH_URL, describeUser, fetchUserStatus, parseOrigin, type ClientCredentials, type TokenSet } from '../podio.js';
import { prompt, readAllStdin } from '../prompt.js';
import { resolveProfileName, withTokens, type ProfileRecord } from '../store/store.js';
import type { CommandContext } from './context.js';

export interface LoginOptions {
  profile?: string;
  clientId?: string;
  clientSecretStdin?: boolean;
  scope?: string;
  redirectHost: string;
  port: number;
  browser: boolean;
  timeout: number;
}

/**
 * The host of the redirect URI. Podio matches only the host of the API key's domain, so it is configurable
 * (`localtest.me` where the key form refuses `localhost`); it must still resolve to this machine.
 */
export function parseRedirectHost(value: string): string {
  const host = value.toLowerCase();
  const name = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/;
  if (host === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host)) return host;
  if (!name.test(host) || /^\d+(\.\d+){3}$/.test(host)) {
    throw usageError(
      `--redirect-host must be a host name that resolves to this machine (or 127.0.0.1, [::1]), not "${value.slice(0, 100)}".`,
    );
  }
  return host;
}

async function resolveClient(options: LoginOptions, stored: ProfileRecord | undefined, ctx: CommandContext): Promise<ClientCredentials> {
  const { env, stdin, stderr, signal } = ctx.deps;
  const canPrompt = Boolean(stdin.isTTY && stderr.isTTY);
  let clientId = options.clientId ?? env['PODIO_CLIENT_ID'] ?? stored?.client_id;
  if (!clientId) {
    if (!canPrompt) {
      throw new CliError('no_client_id', ExitCode.usage, 'No Podio client id: set PODIO_CLIENT_ID or pass --client-id.', {
        hint: `Create an API key at ${API_KEY_PAGE} (domain: localhost), then set PODIO_CLIENT_ID and PODIO_CLIENT_SECRET.`,
      });
    }
    (await ctx.ui()).info(`podio-auth needs a Podio API key. Create one at ${API_KEY_PAGE} with "localhost" as its domain.`);
    clientId = await prompt('Client id: ', { stdin, stderr, signal });
    if (!clientId) throw usageError('No client id given.');
  }

  let clientSecret: string | undefined;
  if (options.clientSecretStdin && !stdin.isTTY) clientSecret = (await readAllStdin(stdin, signal)).trim();
  clientSecret ||= env['PODIO_CLIENT_SECRET'] || undefined;
  // A stored secret belongs to the stored client id only.
  if (!clientSecret && stored?.client_id === clientId) clientSecret = stored.client_secret;
  if (!clientSecret) {
    if (!canPrompt) {
      throw new CliError('no_client_secret', ExitCode.usage, 'No Podio client secret: set PODIO_CLIENT_SECRET or use --client-secret-stdin.', {
        hint: `The secret is shown beside the client id at ${API_KEY_PAGE}.`,
      });
    }
    clientSecret = await prompt('Client secret (hidden): ', { stdin, stderr, signal }, { hidden: true });
    if (!clientSecret) throw usageError('No client secret given.');
  }
  return { clientId, clientSecret };
}

export async function runLogin(options: LoginOptions, ctx: CommandContext): Promise<void> {
  const { deps, store } = ctx;
  // Read first: a config file that cannot be parsed stops the login before anyone opens a browser.
  const config = store.read();
  const profileName = resolveProfileName(options.profile, deps.env, config);
  const stored = config.profiles[profileName];
  const authUrl = parseOrigin('PODIO_AUTH_URL', deps.env['PODIO_AUTH_URL'] || stored?.auth_url || DEFAULT_AUTH_URL);
  const apiUrl = parseOrigin('PODIO_API_URL', deps.env['PODIO_API_URL'] || stored?.api_url || DEFAULT_API_URL);
  const redirectHost = parseRedirectHost(options.redirectHost);
  const client = await resolveClient(options, stored, ctx);
  const ui = await ctx.ui();

  const save = (tokens: TokenSet) =>
    store.locked(deps.signal, async (data, write) => {
      const record: ProfileRecord = withTokens(
        { client_id: client.clientId, client_secret: client.clientSecret, auth_url: authUrl, api_url: apiUrl, redirect_host: redirectHost },
        tokens,
      );
      record.obtained_at = deps.now().toISOString();
      await write({ ...data, profiles: { ...data.profiles, [profileName]: record } });
    });

  const tokens = await browserLogin(
    {
      client,
      scope: options.scope,
      redirectHost,
      port: options.port,
      openBrowser: options.browser,
      timeoutSeconds: options.timeout,
      authUrl,
      apiUrl,
    },
    deps,
    ui,
    save,
  );
  await announce(tokens, profileName, apiUrl, ctx, ui);
}

/** The login already succeeded; who it was is a courtesy, and its failure only a warning. */
async function announce(tokens: TokenSet, profileName: string, apiUrl: string, ctx: CommandContext, ui: Messages): Promise<void> {
  const where = ui.paint('dim', `(profile "${profileName}", stored in ${ctx.store.file})`);
  try {
    const user = await fetchUserStatus(ctx.deps.http, apiUrl, tokens.accessToken, ctx.deps.signal);
    ui.success(`Logged in to Podio as ${describeUser(user)} ${where}`);
  } catch (error) {
    ui.success(`Logged in to Podio ${where}`);
    const reason = error instanceof CliError ? error.message : 'the request failed';
    ui.warn(`Could not look up who you are: ${reason}`);
  }
}
