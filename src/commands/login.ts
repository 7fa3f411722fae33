import { hostname } from 'node:os';
import { CliError, ExitCode, usageError, PodioAuthError } from '../errors.js';
import { browserLogin, type BrowserPlan } from '../login/browser-login.js';
import { detectEnvironment } from '../login/environment.js';
import {
  API_KEY_PAGE,
  DEFAULT_API_URL,
  DEFAULT_AUTH_URL,
  describeUser,
  fetchUserStatus,
  parseOrigin,
  requestToken,
  type ClientCredentials,
  type TokenSet,
} from '../podio.js';
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
  /** `--app <app_id>`: the app grant instead of the browser. */
  app?: string;
  appTokenStdin?: boolean;
  /** `--password`: the password grant instead of the browser. */
  password?: boolean;
  username?: string;
  passwordStdin?: boolean;
  /** Whether the address the browser ended on may be pasted on standard input. Default: true (the library: false). */
  acceptPaste?: boolean;
}

/**
 * Whether to open a browser, decided before anything else so that a CI job without one fails at once instead of
 * waiting out the timeout. --no-browser always prints. Over SSH without a display nothing is opened, not even
 * BROWSER: it would open on this machine, not in front of the user. Elsewhere BROWSER is honoured.
 */
export function planBrowser(options: Pick<LoginOptions, 'browser'>, deps: Pick<CommandContext['deps'], 'env' | 'stdin'>): BrowserPlan {
  const where = detectEnvironment(deps.env);
  const sshHint = where.ssh ? { sshHint: sshTarget(deps.env) } : {};
  if (!options.browser) return { open: false, ...sshHint };
  if (where.ssh && !where.canOpenBrowser) return { open: false, reason: where.reason, ...sshHint };
  if (deps.env['BROWSER']?.trim()) return { open: true };
  if (where.ci && !deps.stdin.isTTY) {
    throw new CliError('usage', ExitCode.usage, 'The browser login needs a browser, and this is a CI job (CI is set, no terminal, no BROWSER).', {
      hint: 'In CI use env-only mode (the variables from `podio-auth export`) or an app login (`podio-auth login --app <app_id>`).',
    });
  }
  if (!where.canOpenBrowser) return { open: false, reason: where.reason, ...sshHint };
  return { open: true };
}

/** Who to `ssh -L` to: the address the SSH client connected to, as the server saw it, else this host's name. */
function sshTarget(env: CommandContext['deps']['env']): { user: string; host: string } {
  const serverAddress = env['SSH_CONNECTION']?.trim().split(/\s+/)[2];
  return { user: env['USER'] || env['LOGNAME'] || 'you', host: serverAddress || hostname() };
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

interface SecretSource {
  /** What it is, for messages: "client secret". */
  what: string;
  fromStdin: boolean;
  envName: string;
  stored: string | undefined;
  stdinFlag: string;
  hint: string;
}

/**
 * A secret from standard input (when asked and it is not a terminal), the environment, the stored profile, or a
 * hidden prompt on a terminal; never from the command line. Without any of them: exit 2 with a hint.
 */
async function resolveSecret(source: SecretSource, ctx: CommandContext): Promise<string> {
  const { env, stdin, stderr, signal } = ctx.deps;
  let secret: string | undefined;
  if (source.fromStdin && !stdin.isTTY) secret = (await readAllStdin(stdin, signal)).trim() || undefined;
  secret ??= env[source.envName] || source.stored || undefined;
  if (secret) return secret;
  if (!(stdin.isTTY && stderr.isTTY)) {
    throw usageError(`No ${source.what}: set ${source.envName} or use ${source.stdinFlag}.`, source.hint);
  }
  secret = await prompt(`${source.what[0]?.toUpperCase()}${source.what.slice(1)} (hidden): `, { stdin, stderr, signal }, { hidden: true });
  if (!secret) throw usageError(`No ${source.what} given.`);
  return secret;
}

async function resolveClient(options: LoginOptions, stored: ProfileRecord | undefined, ctx: CommandContext): Promise<ClientCredentials> {
  const { env, stdin, stderr, signal } = ctx.deps;
  let clientId = options.clientId ?? env['PODIO_CLIENT_ID'] ?? stored?.client_id;
  if (!clientId) {
    if (!(stdin.isTTY && stderr.isTTY)) {
      throw new CliError('no_client_id', ExitCode.usage, 'No Podio client id: set PODIO_CLIENT_ID or pass --client-id.', {
        hint: `Create an API key at ${API_KEY_PAGE} (domain: localhost), then set PODIO_CLIENT_ID and PODIO_CLIENT_SECRET.`,
      });
    }
    (await ctx.ui()).info(`podio-auth needs a Podio API key. Create one at ${API_KEY_PAGE} with "localhost" as its domain.`);
    clientId = await prompt('Client id: ', { stdin, stderr, signal });
    if (!clientId) throw usageError('No client id given.');
  }
  const clientSecret = await resolveSecret(
    {
      what: 'client secret',
      fromStdin: Boolean(options.clientSecretStdin),
      envName: 'PODIO_CLIENT_SECRET',
      // A stored secret belongs to the stored client id only.
      stored: stored?.client_id === clientId ? stored.client_secret : undefined,
      stdinFlag: '--client-secret-stdin',
      hint: `The secret is shown beside the client id at ${API_KEY_PAGE}.`,
    },
    ctx,
  );
  return { clientId, clientSecret };
}

function checkOneStdinReader(options: LoginOptions): void {
  const readers = [options.clientSecretStdin && '--client-secret-stdin', options.appTokenStdin && '--app-token-stdin', options.passwordStdin && '--password-stdin'].filter(Boolean);
  if (readers.length > 1) throw usageError(`Only one secret can come from standard input; got ${readers.join(' and ')}.`);
  if (options.app !== undefined && options.password) throw usageError('--app and --password are two different logins: choose one.');
}

/** What every kind of login shares, worked out before any secret is asked for. */
interface LoginSetup {
  profileName: string;
  stored: ProfileRecord | undefined;
  authUrl: string;
  apiUrl: string;
  client: ClientCredentials;
  /** Stores a fresh login, replacing the profile whole: nothing of an earlier login (another app's token, say) survives. */
  save: (tokens: TokenSet, extra: ProfileRecord) => Promise<void>;
}

export async function runLogin(options: LoginOptions, ctx: CommandContext): Promise<void> {
  const { deps, store } = ctx;
  checkOneStdinReader(options);
  if (options.app !== undefined && !/^\d{1,20}$/.test(options.app)) throw usageError(`--app takes a numeric app id, not "${options.app.slice(0, 40)}".`);
  // Read first: a config file that cannot be parsed stops the login before anyone opens a browser.
  const config = store.read();
  const profileName = resolveProfileName(options.profile, deps.env, config);
  const stored = config.profiles[profileName];
  const authUrl = parseOrigin('PODIO_AUTH_URL', deps.env['PODIO_AUTH_URL'] || stored?.auth_url || DEFAULT_AUTH_URL);
  const apiUrl = parseOrigin('PODIO_API_URL', deps.env['PODIO_API_URL'] || stored?.api_url || DEFAULT_API_URL);
  const redirectHost = parseRedirectHost(options.redirectHost);
  const browserPlan = options.app === undefined && !options.password ? planBrowser(options, deps) : undefined;
  const client = await resolveClient(options, stored, ctx);
  const save = (tokens: TokenSet, extra: ProfileRecord) =>
    store.locked(deps.signal, async (data, write) => {
      const base = { ...extra, client_id: client.clientId, client_secret: client.clientSecret, auth_url: authUrl, api_url: apiUrl };
      await write({ ...data, profiles: { ...data.profiles, [profileName]: withTokens(base, tokens, deps.now()) } });
    });
  const setup: LoginSetup = { profileName, stored, authUrl, apiUrl, client, save };

  if (options.app !== undefined) return appLogin(options.app, options, setup, ctx);
  if (options.password) return passwordLogin(options, setup, ctx);

  const tokens = await browserLogin(
    {
      client,
      scope: options.scope,
      redirectHost,
      port: options.port,
      browser: browserPlan ?? { open: false },
      pasteFrom: options.acceptPaste === false ? undefined : deps.stdin,
      timeoutSeconds: options.timeout,
      authUrl,
      apiUrl,
    },
    deps,
    await ctx.ui(),
    (tokens) => save(tokens, { grant: 'authorization_code', redirect_host: redirectHost }),
  );
  await announce(tokens, profileName, apiUrl, ctx);
}

async function appLogin(appId: string, options: LoginOptions, setup: LoginSetup, ctx: CommandContext): Promise<void> {
  const { deps, store } = ctx;
  const appToken = await resolveSecret(
    {
      what: 'app token',
      fromStdin: Boolean(options.appTokenStdin),
      envName: 'PODIO_APP_TOKEN',
      stored: setup.stored?.app_id === appId ? setup.stored.app_token : undefined,
      stdinFlag: '--app-token-stdin',
      hint: "The app token is on the app's page in Podio: wrench icon, Developer.",
    },
    ctx,
  );
  const tokens = await requestToken(deps.http, setup.apiUrl, setup.client, { grant_type: 'app', app_id: appId, app_token: appToken }, deps.now(), deps.signal);
  // The app token is kept so that the app grant can be redone, unattended, when the refresh token is gone.
  await setup.save(tokens, { grant: 'app', app_id: appId, app_token: appToken });
  const ui = await ctx.ui();
  ui.success(`Logged in to Podio as app ${appId} ${ui.paint('dim', `(profile "${setup.profileName}", stored in ${store.file})`)}`);
}

async function passwordLogin(options: LoginOptions, setup: LoginSetup, ctx: CommandContext): Promise<void> {
  const { deps } = ctx;
  const username = options.username ?? deps.env['PODIO_USERNAME'] ?? (await askUsername(ctx, setup.stored?.username));
  const password = await resolveSecret(
    {
      what: 'password',
      fromStdin: Boolean(options.passwordStdin),
      envName: 'PODIO_PASSWORD',
      stored: undefined,
      stdinFlag: '--password-stdin',
      hint: 'The password grant is a last resort; the browser login (`podio-auth login`) needs no password here.',
    },
    ctx,
  );
  const tokens = await requestToken(deps.http, setup.apiUrl, setup.client, { grant_type: 'password', username, password }, deps.now(), deps.signal);
  // The password itself is never stored: when the refresh token is gone, the user logs in again.
  await setup.save(tokens, { grant: 'password', username });
  await announce(tokens, setup.profileName, setup.apiUrl, ctx);
}

async function askUsername(ctx: CommandContext, stored: string | undefined): Promise<string> {
  if (stored) return stored;
  const { stdin, stderr, signal } = ctx.deps;
  if (!(stdin.isTTY && stderr.isTTY)) throw usageError('No Podio user name: pass --username or set PODIO_USERNAME.');
  const username = await prompt('Podio user name (e-mail): ', { stdin, stderr, signal });
  if (!username) throw usageError('No user name given.');
  return username;
}

/**
 * The login already succeeded; who it was is a courtesy, and its failure only a warning. The name is kept in the
 * profile for `profiles`, if the profile still holds these tokens.
 */
async function announce(tokens: TokenSet, profileName: string, apiUrl: string, ctx: CommandContext): Promise<void> {
  const ui = await ctx.ui();
  const where = ui.paint('dim', `(profile "${profileName}", stored in ${ctx.store.file})`);
  let name: string;
  try {
    name = describeUser(await fetchUserStatus(ctx.deps.http, apiUrl, tokens.accessToken, ctx.deps.signal));
  } catch (error) {
    ui.success(`Logged in to Podio ${where}`);
    ui.warn(`Could not look up who you are: ${error instanceof PodioAuthError ? error.message : 'the request failed'}`);
    return;
  }
  ui.success(`Logged in to Podio as ${name} ${where}`);
  await ctx.store
    .locked(ctx.deps.signal, async (data, write) => {
      const profile = data.profiles[profileName];
      if (profile?.access_token !== tokens.accessToken) return;
      await write({ ...data, profiles: { ...data.profiles, [profileName]: { ...profile, user_name: name } } });
    })
    .catch(() => {
      // Only a label for `profiles`; the login itself is stored.
    });
}
