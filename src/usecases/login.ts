import { hostname } from 'node:os';
import type { Deps } from '../deps.js';
import type { ProfileRecord } from '../domain/profile.js';
import { envValue } from '../env.js';
import { isErrorCode, PodioAuthError, usageError } from '../errors.js';
import { type BrowserPlan, browserLogin } from '../login/browser-login.js';
import { detectEnvironment } from '../platform/environment.js';
import { API_KEY_PAGE, apiOriginFor, authOriginFor, isLoopbackHost } from '../podio/origins.js';
import { sendGrant } from '../podio/send-grant.js';
import type { ClientCredentials, Grant, TokenAnswer, TokenSet } from '../podio/token-client.js';
import { describeUser, fetchUserStatus } from '../podio/user-api.js';
import { closingOpened, redisLocationOf, type StoreChoice } from '../store/open-store.js';
import type { ProfileStore } from '../store/port.js';
import { resolveProfileName } from '../store/profile-names.js';
import type { Messages } from '../ui/messages.js';
import { withRefreshToken, withTokens } from './token-policy.js';

/**
 * Logging in: through the browser (Podio's server-side flow), as an app (app grant) or with a password. Works out
 * everything that can fail before anyone is sent to a browser or asked for a secret: the config, the store being
 * writable, the redirect host resolving to this machine, whether a browser can open at all.
 */

export type LoginMethod =
  | {
      kind: 'browser';
      scope?: string | undefined;
      redirectHost: string;
      port: number;
      openBrowser: boolean;
      timeoutSeconds: number;
      /** Whether the address the browser ended on may be pasted on standard input. */
      acceptPaste: boolean;
    }
  | { kind: 'app'; appId: string; appTokenFromStdin: boolean }
  | { kind: 'password'; username?: string | undefined; passwordFromStdin: boolean };

export interface LoginInput {
  profile?: string | undefined;
  clientId?: string | undefined;
  /** Given by a library caller; the CLI never takes a secret as an argument. */
  clientSecret?: string | undefined;
  clientSecretFromStdin?: boolean | undefined;
  /** Where the profile's secrets go (`--store`); default: where they are now, else PODIO_AUTH_STORE. */
  store?: StoreChoice | undefined;
  method: LoginMethod;
}

export interface LoginResult {
  profile: string;
  /** Who logged in, as Podio says (undefined when that could not be asked). */
  who: string | undefined;
  /** Why `who` is unknown. */
  whoError: string | undefined;
  storedIn: string;
}

export type LoginDeps = Pick<
  Deps,
  | 'env'
  | 'stdin'
  | 'stderr'
  | 'signal'
  | 'forceSignal'
  | 'critical'
  | 'now'
  | 'monotonic'
  | 'sleep'
  | 'http'
  | 'store'
  | 'openRedis'
  | 'openBrowser'
  | 'prompter'
  | 'resolve'
  | 'secrets'
> & { ui: () => Promise<Messages> };

/**
 * Whether to open a browser, decided before anything else so that a CI job without one fails at once instead of
 * waiting out the timeout. --no-browser always prints. Over SSH without a display nothing is opened, not even
 * BROWSER: it would open on this machine, not in front of the user. Elsewhere BROWSER is honoured.
 */
export function planBrowser(open: boolean, deps: Pick<Deps, 'env' | 'stdin'>): BrowserPlan {
  const where = detectEnvironment(deps.env);
  const sshHint = where.ssh ? { sshHint: sshTarget(deps.env) } : {};
  if (!open) return { open: false, ...sshHint };
  if (where.ssh && !where.canOpenBrowser) return { open: false, reason: where.reason, ...sshHint };
  if (deps.env['BROWSER']?.trim()) return { open: true };
  if (where.ci && !deps.stdin.isTTY) {
    throw usageError(
      'The browser login needs a browser, and this is a CI job (CI is set, no terminal, no BROWSER).',
      'In CI use env-only mode (the variables from `podio-auth export`) or an app login (`podio-auth login --app <app_id>`).',
    );
  }
  if (!where.canOpenBrowser) return { open: false, reason: where.reason, ...sshHint };
  return { open: true };
}

/** Who to `ssh -L` to: the address the SSH client connected to, as the server saw it, else this host's name. */
function sshTarget(env: Deps['env']): { user: string; host: string } {
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

/** The browser comes back to the redirect host: it must resolve, and only to loopback, or the login cannot end. */
async function checkRedirectHostResolves(host: string, deps: Pick<Deps, 'resolve'>): Promise<void> {
  if (isLoopbackHost(host) || host === 'localhost') return;
  let addresses: string[];
  try {
    addresses = await deps.resolve(host);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw new PodioAuthError('redirect_host_unusable', `--redirect-host ${host} does not resolve here (${code}).`, {
      hint: 'Check the name (localtest.me needs working DNS), or use --redirect-host localhost if your API key allows it.',
    });
  }
  const foreign = addresses.filter((address) => !(address === '::1' || address.startsWith('127.')));
  if (addresses.length === 0 || foreign.length > 0) {
    throw new PodioAuthError(
      'redirect_host_unusable',
      `--redirect-host ${host} resolves to ${addresses.join(', ') || 'nothing'}, not to this machine's loopback.`,
      { hint: 'The browser must come back to this machine: use a name that resolves to 127.0.0.1.' },
    );
  }
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
async function resolveSecret(source: SecretSource, deps: LoginDeps): Promise<string> {
  const { env, stdin, stderr } = deps;
  let secret: string | undefined;
  if (source.fromStdin && !stdin.isTTY) secret = (await deps.prompter.readAll()).trim() || undefined;
  secret ??= envValue(env, source.envName) ?? source.stored;
  if (secret) return secret;
  if (!(stdin.isTTY && stderr.isTTY)) {
    throw usageError(`No ${source.what}: set ${source.envName} or use ${source.stdinFlag}.`, source.hint);
  }
  const label = `${source.what[0]?.toUpperCase()}${source.what.slice(1)} (hidden): `;
  secret = await deps.prompter.ask(label, { hidden: true });
  if (!secret) throw usageError(`No ${source.what} given.`);
  return secret;
}

async function resolveClient(
  input: LoginInput,
  stored: ProfileRecord | undefined,
  deps: LoginDeps,
): Promise<ClientCredentials> {
  const { env, stdin, stderr } = deps;
  let clientId = input.clientId ?? envValue(env, 'PODIO_CLIENT_ID') ?? stored?.client_id;
  if (!clientId) {
    if (!(stdin.isTTY && stderr.isTTY)) {
      throw new PodioAuthError('no_client_id', 'No Podio client id: set PODIO_CLIENT_ID or pass --client-id.', {
        hint: `Create an API key at ${API_KEY_PAGE} (domain: localhost), then set PODIO_CLIENT_ID and PODIO_CLIENT_SECRET.`,
      });
    }
    (await deps.ui()).info(
      `podio-auth needs a Podio API key. Create one at ${API_KEY_PAGE} with "localhost" as its domain.`,
    );
    clientId = await deps.prompter.ask('Client id: ');
    if (!clientId) throw usageError('No client id given.');
  }
  const clientSecret =
    input.clientSecret ??
    (await resolveSecret(
      {
        what: 'client secret',
        fromStdin: Boolean(input.clientSecretFromStdin),
        envName: 'PODIO_CLIENT_SECRET',
        // A stored secret belongs to the stored client id only.
        stored: stored?.client_id === clientId ? stored.client_secret : undefined,
        stdinFlag: '--client-secret-stdin',
        hint: `The secret is shown beside the client id at ${API_KEY_PAGE}.`,
      },
      deps,
    ));
  deps.secrets.add(clientSecret);
  return { clientId, clientSecret };
}

function checkInput(input: LoginInput): void {
  const { method } = input;
  const readers = [
    input.clientSecretFromStdin && '--client-secret-stdin',
    method.kind === 'app' && method.appTokenFromStdin && '--app-token-stdin',
    method.kind === 'password' && method.passwordFromStdin && '--password-stdin',
  ].filter(Boolean);
  if (readers.length > 1)
    throw usageError(`Only one secret can come from standard input; got ${readers.join(' and ')}.`);
  if (method.kind === 'app' && !/^\d{1,20}$/.test(method.appId)) {
    // Not repeated: the app token pasted in the wrong place is a common slip.
    throw usageError('--app takes a numeric app id.', 'The app token goes in PODIO_APP_TOKEN or --app-token-stdin.');
  }
}

/**
 * Where a login goes: `--store`, else where the profile is now, else PODIO_AUTH_STORE. A Redis login made while
 * the profiles live in config.json leaves a pointer there (the server, never its password).
 */
async function targetFor(
  input: LoginInput,
  name: string,
  deps: LoginDeps,
): Promise<{ store: ProfileStore; secrets: 'file' | 'keyring'; pointer: ProfileRecord | undefined }> {
  const current = await deps.store.storeFor(name, deps.signal);
  const choice = input.store;
  if (choice?.kind === 'redis') {
    if (deps.store.kind === 'redis') return { store: deps.store, secrets: 'file', pointer: undefined };
    return {
      store: deps.openRedis(choice.url),
      secrets: 'file',
      pointer: { store: 'redis', redis_url: redisLocationOf(choice.url) },
    };
  }
  if (choice === undefined && current !== deps.store) {
    const pointer = (await deps.store.read(deps.signal)).profiles.get(name);
    return { store: current, secrets: 'file', pointer };
  }
  if (deps.store.kind === 'redis') {
    if (choice?.kind === 'keyring')
      throw usageError('PODIO_AUTH_STORE names a Redis server: its profiles live there, not in the keyring.');
    return { store: deps.store, secrets: 'file', pointer: undefined };
  }
  const stored = (await deps.store.read(deps.signal)).profiles.get(name);
  const kind =
    choice?.kind ??
    (stored?.store === 'keyring'
      ? 'keyring'
      : envValue(deps.env, 'PODIO_AUTH_STORE') === 'keyring'
        ? 'keyring'
        : 'file');
  return { store: deps.store, secrets: kind === 'keyring' ? 'keyring' : 'file', pointer: undefined };
}

export async function login(input: LoginInput, deps: LoginDeps): Promise<LoginResult> {
  return closingOpened(deps, (withClosing) => loginOnce(input, withClosing));
}

async function loginOnce(input: LoginInput, deps: LoginDeps): Promise<LoginResult> {
  checkInput(input);
  const { method } = input;
  // Read first: a config that cannot be used stops the login before anyone opens a browser.
  const snapshot = await deps.store.read(deps.signal);
  const name = resolveProfileName(input.profile, deps.env, snapshot.defaultProfile);
  const target = await targetFor(input, name, deps);
  const stored =
    snapshot.profiles.has(name) || target.store !== deps.store
      ? await target.store.getProfile(name, deps.signal).catch((error: unknown) => {
          // `login --store file` is the way out of a keyring that is gone: its metadata is enough to log in again.
          const leavingKeyring = target.secrets === 'file' && snapshot.profiles.get(name)?.store === 'keyring';
          if (leavingKeyring && isErrorCode(error, 'keyring_unavailable')) return snapshot.profiles.get(name);
          throw error;
        })
      : undefined;
  deps.secrets.addProfile(stored);
  const authUrl = authOriginFor(stored, deps.env);
  const apiUrl = apiOriginFor(stored, deps.env);
  const storeKind = target.secrets;
  let plan: BrowserPlan | undefined;
  let redirectHost: string | undefined;
  if (method.kind === 'browser') {
    redirectHost = parseRedirectHost(method.redirectHost);
    plan = planBrowser(method.openBrowser, deps);
  }
  // A store that cannot be written is found now, not after the browser step has spent the code.
  await target.store.checkWritable(deps.signal, storeKind);
  if (target.pointer) await deps.store.checkWritable(deps.signal, 'file');
  if (redirectHost !== undefined) await checkRedirectHostResolves(redirectHost, deps);
  const client = await resolveClient(input, stored, deps);

  // A fresh login replaces the profile whole: nothing of an earlier login (another app's token, say) survives.
  const base: ProfileRecord = {
    client_id: client.clientId,
    client_secret: client.clientSecret,
    auth_url: authUrl,
    api_url: apiUrl,
  };
  if (storeKind === 'keyring') base.store = 'keyring';
  const write = async (profile: string, record: ProfileRecord) => {
    await target.store.transact(deps.forceSignal, (tx) => tx.writeProfile(profile, record));
    const { pointer } = target;
    if (pointer) await deps.store.transact(deps.forceSignal, (tx) => tx.writeProfile(profile, pointer));
  };
  const save = async (answer: TokenAnswer, extra: ProfileRecord): Promise<TokenSet> => {
    const now = deps.now();
    const record = { ...base, ...extra };
    if (answer.kind === 'unusable') {
      if (answer.refreshToken !== undefined) {
        deps.secrets.add(answer.refreshToken);
        await write(name, withRefreshToken(record, answer.refreshToken, now));
      }
      throw answer.error;
    }
    deps.secrets.add(answer.tokens.accessToken);
    deps.secrets.add(answer.tokens.refreshToken);
    await write(name, withTokens(record, answer.tokens, now));
    if (deps.signal.aborted)
      throw new PodioAuthError('interrupted', 'Interrupted; the login Podio had already granted was stored first.');
    return answer.tokens;
  };
  const exchange = async (grant: Grant, extra: ProfileRecord) => {
    const now = deps.now();
    const answer = await sendGrant(deps, apiUrl, client, grant, now);
    return save(answer, extra);
  };

  let tokens: TokenSet | undefined;
  if (method.kind === 'app') {
    const appToken = await resolveSecret(
      {
        what: 'app token',
        fromStdin: method.appTokenFromStdin,
        envName: 'PODIO_APP_TOKEN',
        stored: stored?.app_id === method.appId ? stored.app_token : undefined,
        stdinFlag: '--app-token-stdin',
        hint: "The app token is on the app's page in Podio: wrench icon, Developer.",
      },
      deps,
    );
    deps.secrets.add(appToken);
    // The app token is kept so that the app grant can be redone, unattended, when the refresh token is gone.
    tokens = await exchange(
      { grant_type: 'app', app_id: method.appId, app_token: appToken },
      { grant: 'app', app_id: method.appId, app_token: appToken },
    );
  } else if (method.kind === 'password') {
    const username =
      method.username ?? envValue(deps.env, 'PODIO_USERNAME') ?? (await askUsername(deps, stored?.username));
    const password = await resolveSecret(
      {
        what: 'password',
        fromStdin: method.passwordFromStdin,
        envName: 'PODIO_PASSWORD',
        stored: undefined,
        stdinFlag: '--password-stdin',
        hint: 'The password grant is a last resort; the browser login (`podio-auth login`) needs no password here.',
      },
      deps,
    );
    deps.secrets.add(password);
    // The password itself is never stored: when the refresh token is gone, the user logs in again.
    tokens = await exchange({ grant_type: 'password', username, password }, { grant: 'password', username });
  } else {
    await browserLogin(
      {
        client,
        scope: method.scope,
        redirectHost: redirectHost as string,
        port: method.port,
        browser: plan ?? { open: false },
        pasteFrom: method.acceptPaste ? deps.stdin : undefined,
        timeoutSeconds: method.timeoutSeconds,
        authUrl,
        apiUrl,
      },
      deps,
      await deps.ui(),
      async (answer) => {
        tokens = await save(answer, { grant: 'authorization_code', redirect_host: redirectHost as string });
      },
    );
  }
  const storedIn = storeKind === 'keyring' ? 'the OS keyring' : target.store.location;
  if (tokens === undefined) return { profile: name, who: undefined, whoError: 'no token', storedIn };
  if (tokens.ref?.type === 'app') return { profile: name, who: `app ${tokens.ref.id}`, whoError: undefined, storedIn };
  return { profile: name, ...(await lookUpWho(name, tokens, apiUrl, { ...deps, store: target.store })), storedIn };
}

async function askUsername(deps: LoginDeps, stored: string | undefined): Promise<string> {
  if (stored) return stored;
  const { stdin, stderr } = deps;
  if (!(stdin.isTTY && stderr.isTTY)) throw usageError('No Podio user name: pass --username or set PODIO_USERNAME.');
  const username = await deps.prompter.ask('Podio user name (e-mail): ');
  if (!username) throw usageError('No user name given.');
  return username;
}

/**
 * The login already succeeded; who it was is a courtesy, and its failure only a warning. The name is kept in the
 * profile for `profiles`, if the profile still holds these tokens.
 */
async function lookUpWho(
  name: string,
  tokens: TokenSet,
  apiUrl: string,
  deps: LoginDeps,
): Promise<{ who: string | undefined; whoError: string | undefined }> {
  let who: string;
  try {
    who = describeUser(await fetchUserStatus(deps.http, apiUrl, tokens.accessToken, deps.signal));
  } catch (error) {
    return { who: undefined, whoError: error instanceof PodioAuthError ? error.message : 'the request failed' };
  }
  await deps.store
    .transact(deps.signal, async (tx) => {
      const profile = await tx.getProfile(name);
      if (profile?.access_token !== tokens.accessToken) return;
      await tx.writeProfile(name, { ...profile, user_name: who });
    })
    .catch(() => {
      // Only a label for `profiles`; the login itself is stored.
    });
  return { who, whoError: undefined };
}
