import type { ProfileRecord } from '../domain/profile.js';
import { sanitizeForTerminal } from '../domain/terminal-text.js';
import { envValue } from '../env.js';
import { usageError } from '../errors.js';
import { apiOriginFor, authOriginFor, parseOrigin, storedApiOrigin } from '../podio/origins.js';
import type { TokenSet } from '../podio/token-client.js';
import { closingOpened } from '../store/open-store.js';
import { resolveProfileName } from '../store/profile-names.js';
import { appLogin } from './login/app-grant.js';
import { type BrowserRoute, browserGrantLogin } from './login/browser-grant.js';
import { planBrowser } from './login/browser-plan.js';
import { resolveClient } from './login/credentials.js';
import { passwordLogin } from './login/password-grant.js';
import { checkRedirectHostResolves, parseRedirectHost } from './login/redirect-host.js';
import type { LoginSession } from './login/save-login.js';
import { storedProfile, targetFor } from './login/target.js';
import type { LoginDeps, LoginInput, LoginResult } from './login/types.js';
import { lookUpWho } from './login/who.js';
import { sameRef } from './token-policy.js';

/**
 * Logging in: through the browser (Podio's server-side flow), as an app (app grant) or with a password, each a
 * module of login/. Works out everything that can fail before anyone is sent to a browser or asked for a secret:
 * the config, the store being writable, the redirect host resolving to this machine, whether a browser can open.
 */

export type { LoginDeps, LoginInput, LoginMethod, LoginResult } from './login/types.js';

export async function login(input: LoginInput, deps: LoginDeps): Promise<LoginResult> {
  return closingOpened(deps, (withClosing) => loginOnce(input, withClosing));
}

async function loginOnce(input: LoginInput, deps: LoginDeps): Promise<LoginResult> {
  checkInput(input);
  const { session, stored, route } = await prepareLogin(input, deps);
  const { method } = input;
  let tokens: TokenSet | undefined;
  if (method.kind === 'app') tokens = await appLogin(method, session, stored, deps);
  else if (method.kind === 'password') tokens = await passwordLogin(method, session, stored, deps);
  else tokens = await browserGrantLogin(method, route as BrowserRoute, session, deps);
  const { name, target, apiUrl } = session;
  const storedIn = target.secrets === 'keyring' ? 'the OS keyring' : target.store.location;
  // The profile held another user's or app's login: it is replaced, and that is said.
  const replaced = stored?.ref && tokens?.ref && !sameRef(stored, tokens) ? whoseLogin(stored) : undefined;
  const base = { profile: name, storedIn, ...(replaced ? { replaced } : {}) };
  if (tokens === undefined) return { ...base, who: undefined, whoError: 'no token' };
  if (tokens.ref?.type === 'app') return { ...base, who: `app ${tokens.ref.id}`, whoError: undefined };
  return { ...base, ...(await lookUpWho(name, tokens, apiUrl, { ...deps, store: target.store })) };
}

function whoseLogin(profile: ProfileRecord): string {
  return profile.user_name ?? `${profile.ref?.type} ${profile.ref?.id}`;
}

interface PreparedLogin {
  session: LoginSession;
  /** The profile as stored before this login: its client, app token or user name may be reused. */
  stored: ProfileRecord | undefined;
  /** For a browser login: where the browser goes and comes back. */
  route: BrowserRoute | undefined;
}

/**
 * Everything that can fail before the browser or a secret is asked for, in this order: the config read, where the
 * login goes and what is there, the browser plan, the store being writable, the redirect host, the client.
 */
async function prepareLogin(input: LoginInput, deps: LoginDeps): Promise<PreparedLogin> {
  // Read first: a config that cannot be used stops the login before anyone opens a browser.
  const snapshot = await deps.store.read(deps.signal);
  const name = resolveProfileName(input.profile, deps.env, snapshot.defaultProfile);
  const target = await targetFor(input, name, deps);
  const stored = await storedProfile(name, snapshot, target, deps);
  deps.secrets.addProfile(stored);
  // A login at another origin than the stored one replaces it, and takes nothing of it: its client secret is not
  // sent to the new origin.
  const reusable = await sameOriginOnly(name, stored, deps);
  const authUrl = authOriginFor(reusable, deps.env);
  const apiUrl = apiOriginFor(reusable, deps.env);
  const { method } = input;
  const route: BrowserRoute | undefined =
    method.kind === 'browser'
      ? { redirectHost: parseRedirectHost(method.redirectHost), plan: planBrowser(method.openBrowser, deps) }
      : undefined;
  // A store that cannot be written is found now, not after the browser step has spent the code.
  await target.store.checkWritable(deps.signal, target.secrets);
  if (target.pointer) await deps.store.checkWritable(deps.signal, 'file');
  if (route) await checkRedirectHostResolves(route.redirectHost, deps);
  const client = await resolveClient(input, reusable, deps);
  const session: LoginSession = {
    name,
    target,
    client,
    authUrl,
    apiUrl,
    base: { client_id: client.clientId, client_secret: client.clientSecret, auth_url: authUrl, api_url: apiUrl },
  };
  if (target.secrets === 'keyring') session.base.store = 'keyring';
  return { session, stored: reusable, route };
}

/** The stored profile, if PODIO_API_URL leaves it at the origin it logged in at; else nothing, and a word. */
async function sameOriginOnly(
  name: string,
  stored: ProfileRecord | undefined,
  deps: LoginDeps,
): Promise<ProfileRecord | undefined> {
  if (stored === undefined) return undefined;
  const fromEnv = envValue(deps.env, 'PODIO_API_URL');
  if (fromEnv === undefined) return stored;
  const wanted = parseOrigin('PODIO_API_URL', fromEnv);
  const was = storedApiOrigin(stored);
  if (wanted === was) return stored;
  (await deps.ui()).warn(
    `Profile "${sanitizeForTerminal(name, 64)}" was logged in at ${was}; this login at ${wanted} replaces it, ` +
      'and uses none of its stored credentials.',
  );
  return undefined;
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
