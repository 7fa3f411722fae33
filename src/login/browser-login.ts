import { randomBytes } from 'node:crypto';
import type { Deps } from '../deps.js';
import { CliError, ExitCode } from '../errors.js';
import { sanitizeForTerminal, type Messages } from '../output.js';
import { authorizeUrl, requestToken, type ClientCredentials, type TokenSet } from '../podio.js';
import { startCallbackServer } from './callback-server.js';
import { pages } from './pages.js';

/**
 * Podio's server-side flow from a terminal: a loopback callback server, the browser at the authorize page,
 * one code exchange. Returns the tokens and lets the caller store them through `save` before the browser is
 * told it worked.
 */

export interface BrowserLoginInput {
  client: ClientCredentials;
  scope: string | undefined;
  redirectHost: string;
  port: number;
  openBrowser: boolean;
  timeoutSeconds: number;
  authUrl: string;
  apiUrl: string;
}

/** 256 bits, URL-safe: for `state` and the callback path nonce. */
export function randomToken(): string {
  return randomBytes(32).toString('base64url');
}

export async function browserLogin(
  input: BrowserLoginInput,
  deps: Pick<Deps, 'http' | 'now' | 'signal' | 'openBrowser'>,
  ui: Messages,
  save: (tokens: TokenSet) => Promise<void>,
): Promise<TokenSet> {
  const state = randomToken();
  const server = await startCallbackServer({ redirectHost: input.redirectHost, port: input.port, nonce: randomToken(), state });
  try {
    const url = authorizeUrl(input.authUrl, {
      clientId: input.client.clientId,
      redirectUri: server.redirectUri,
      state,
      scope: input.scope,
    });
    if (input.openBrowser) {
      ui.info('Opening your browser at Podio\'s login page. If it does not open, visit:');
    } else {
      ui.info('Open this address in your browser to log in to Podio:');
    }
    ui.info(`  ${ui.paint('cyan', url)}`);
    if (input.openBrowser) {
      try {
        await deps.openBrowser(url);
      } catch (error) {
        ui.warn(`Could not open a browser (${sanitizeForTerminal(String((error as Error).message ?? error), 120)}). Open the address above yourself.`);
      }
    }
    ui.info(ui.paint('dim', `Waiting up to ${input.timeoutSeconds} s for the browser to come back on port ${server.port}. Press Ctrl-C to cancel.`));

    const result = await server.result(input.timeoutSeconds * 1000, deps.signal);
    if (result.kind === 'error') {
      const description = result.description ? sanitizeForTerminal(result.description) : undefined;
      if (result.error === 'access_denied') {
        await result.respond(pages.denied(result.description));
        throw new CliError('login_denied', ExitCode.loginNotCompleted, `The login was denied in the browser${description ? ` (${description})` : ''}.`, {
          hint: 'Run `podio-auth login` again and choose to grant access.',
        });
      }
      await result.respond(pages.authorizeError(result.error, result.description));
      const error = sanitizeForTerminal(result.error, 60);
      throw new CliError('authorize_error', ExitCode.failure, `Podio refused the authorization (${error}${description ? `: ${description}` : ''}).`, {
        hint: 'Check the client id, the scope and the API key\'s domain, then run `podio-auth login` again.',
      });
    }

    try {
      // Exactly once: the code is single-use, and a failed exchange is reported, never retried.
      const tokens = await requestToken(
        deps.http,
        input.apiUrl,
        input.client,
        { grant_type: 'authorization_code', code: result.code, redirect_uri: server.redirectUri },
        deps.now(),
        deps.signal,
      );
      await save(tokens);
      await result.respond(pages.success());
      return tokens;
    } catch (error) {
      await result.respond(pages.failed());
      throw error;
    }
  } finally {
    await server.close();
  }
}
