import { randomBytes } from 'node:crypto';
import type { Deps, InputStream } from '../deps.js';
import { sanitizeForTerminal } from '../domain/terminal-text.js';
import { PodioAuthError } from '../errors.js';
import { authorizeUrl } from '../podio/authorize-url.js';
import { sendGrant } from '../podio/send-grant.js';
import type { ClientCredentials, TokenAnswer } from '../podio/token-client.js';
import type { Messages } from '../ui/messages.js';
import { type CallbackResult, type CallbackServer, startCallbackServer } from './callback-server.js';
import { pages } from './pages.js';
import { showWaiting } from './waiting.js';

/**
 * Podio's server-side flow from a terminal: a loopback callback server, the browser at the authorize page,
 * one code exchange. Lets the caller store Podio's answer through `save` before the browser is told how it went.
 */

/** How the user gets to the authorize page: we open it, or they do (and why we did not). */
export type BrowserPlan = { open: true } | { open: false; reason?: string; sshHint?: { user: string; host: string } };

export interface BrowserLoginInput {
  client: ClientCredentials;
  scope: string | undefined;
  redirectHost: string;
  port: number;
  browser: BrowserPlan;
  timeoutSeconds: number;
  authUrl: string;
  apiUrl: string;
  /** Where the user may paste the address the browser ended on, if anywhere. */
  pasteFrom: InputStream | undefined;
}

/** 256 bits, URL-safe: for `state` and the callback path nonce. */
export function randomToken(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * The --timeout on the wait for the browser, kept on the clock in `Deps` (a test's clock can make it pass at once,
 * or when the browser is done). `reached` rejects with login_timeout (exit 3); `stop` ends the wait.
 */
function browserTimeout(seconds: number, sleep: Deps['sleep']): { reached: Promise<never>; stop: () => void } {
  const stopped = new AbortController();
  const reached = sleep(seconds * 1000, stopped.signal).then(
    () => {
      throw new PodioAuthError('login_timeout', `No answer from the browser within ${Math.round(seconds)} s.`);
    },
    // Stopped: the wait ended some other way, and this promise is no longer raced.
    () => new Promise<never>(() => {}),
  );
  return { reached, stop: () => stopped.abort() };
}

type BrowserLoginDeps = Pick<
  Deps,
  'http' | 'now' | 'signal' | 'forceSignal' | 'critical' | 'openBrowser' | 'stderr' | 'monotonic' | 'sleep'
>;

export async function browserLogin(
  input: BrowserLoginInput,
  deps: BrowserLoginDeps,
  ui: Messages,
  save: (answer: TokenAnswer) => Promise<void>,
): Promise<void> {
  const state = randomToken();
  const server = await startCallbackServer({
    redirectHost: input.redirectHost,
    port: input.port,
    nonce: randomToken(),
    state,
  });
  try {
    const url = authorizeUrl(input.authUrl, {
      clientId: input.client.clientId,
      redirectUri: server.redirectUri,
      state,
      scope: input.scope,
    });
    showAuthorizePage(url, input, server.port, ui);
    if (input.browser.open) await openBrowser(url, deps, ui);
    const result = await waitForBrowser(server, input, deps, ui);
    if (result.kind === 'error') await refuse(result);
    else await exchangeCode(result, server.redirectUri, input, deps, save);
  } finally {
    await server.close();
  }
}

/** Where to go: the address to open (ours or the user's), and over SSH the port forward that brings it back. */
function showAuthorizePage(url: string, input: BrowserLoginInput, port: number, ui: Messages): void {
  if (input.browser.open) {
    ui.info("Opening your browser at Podio's login page. If it does not open, visit:");
  } else {
    ui.info(
      `Open this address in a browser to log in to Podio${input.browser.reason ? ` (not opening one here: ${input.browser.reason})` : ''}:`,
    );
  }
  ui.info(`  ${ui.paint('cyan', url)}`);
  if (!input.browser.open && input.browser.sshHint) {
    const { user, host } = input.browser.sshHint;
    ui.info(
      `Podio will send the browser back to ${input.redirectHost}:${port}. If the browser runs on another machine, forward that port there first:`,
    );
    ui.info(`  ${ui.paint('bold', `ssh -L ${port}:127.0.0.1:${port} ${user}@${host}`)}`);
  }
}

/** A browser that does not open is only a warning: the address is on the screen. */
async function openBrowser(url: string, deps: BrowserLoginDeps, ui: Messages): Promise<void> {
  try {
    await deps.openBrowser(url);
  } catch (error) {
    ui.warn(
      `Could not open a browser (${sanitizeForTerminal(String((error as Error).message ?? error), 120)}). Open the address above yourself.`,
    );
  }
}

/**
 * The first valid callback (or pasted address); ends on Ctrl-C (a signal, or a keypress at the paste prompt) or at
 * --timeout.
 */
async function waitForBrowser(
  server: CallbackServer,
  input: BrowserLoginInput,
  deps: BrowserLoginDeps,
  ui: Messages,
): Promise<CallbackResult> {
  const waiting = showWaiting({
    ui,
    stderr: deps.stderr,
    stdin: input.pasteFrom,
    timeoutMs: input.timeoutSeconds * 1000,
    monotonic: deps.monotonic,
    onPaste: (text) => server.submitPasted(text),
  });
  const timeout = browserTimeout(input.timeoutSeconds, deps.sleep);
  try {
    return await Promise.race([server.result(deps.signal), waiting.cancelled, timeout.reached]);
  } finally {
    timeout.stop();
    waiting.stop();
  }
}

/** Podio sent the browser back with an error instead of a code: the browser is told, then the login fails. */
async function refuse(result: Extract<CallbackResult, { kind: 'error' }>): Promise<never> {
  const description = result.description ? sanitizeForTerminal(result.description) : undefined;
  if (result.error === 'access_denied') {
    await result.respond(pages.denied(result.description));
    throw new PodioAuthError(
      'login_denied',
      `The login was denied in the browser${description ? ` (${description})` : ''}.`,
    );
  }
  await result.respond(pages.authorizeError(result.error, result.description));
  const error = sanitizeForTerminal(result.error, 60);
  throw new PodioAuthError(
    'authorize_error',
    `Podio refused the authorization (${error}${description ? `: ${description}` : ''}).`,
  );
}

/**
 * Exactly once: the code is single-use, and a failed exchange is reported, never retried. Once sent, the answer
 * is waited for and stored even through a first Ctrl-C; only then is the browser told how it went.
 */
async function exchangeCode(
  result: Extract<CallbackResult, { kind: 'code' }>,
  redirectUri: string,
  input: BrowserLoginInput,
  deps: BrowserLoginDeps,
  save: (answer: TokenAnswer) => Promise<void>,
): Promise<void> {
  try {
    const grant = { grant_type: 'authorization_code', code: result.code, redirect_uri: redirectUri } as const;
    const answer = await sendGrant(deps, input.apiUrl, input.client, grant, deps.now());
    await save(answer);
    await result.respond(pages.success());
  } catch (error) {
    await result.respond(pages.failed());
    throw error;
  }
}
