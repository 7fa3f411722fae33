import { isTokenText } from '../../domain/guards.js';
import type { ProfileRecord } from '../../domain/profile.js';
import { envValue } from '../../env.js';
import { PodioAuthError, usageError } from '../../errors.js';
import { API_KEY_PAGE } from '../../podio/origins.js';
import type { ClientCredentials } from '../../podio/token-client.js';
import type { LoginDeps, LoginInput } from './types.js';

/**
 * Where a login's client id and secrets come from. A secret never comes from the command line: standard input
 * (when asked and it is not a terminal), the environment, the stored profile, or a hidden prompt on a terminal.
 */

export interface SecretSource {
  /** What it is, for messages: "client secret". */
  what: string;
  fromStdin: boolean;
  envName: string;
  stored: string | undefined;
  stdinFlag: string;
  hint: string;
}

/** A secret from its sources in order; without any of them: exit 2 with a hint. */
export async function resolveSecret(source: SecretSource, deps: LoginDeps): Promise<string> {
  const { env, stdin, stderr } = deps;
  let secret: string | undefined;
  if (source.fromStdin && !stdin.isTTY) {
    // As given, but for the line's end: a password may begin or end with a space. Given nothing, the option fails
    // rather than fall back to the environment (a secret store's read that failed would go unnoticed).
    secret = await deps.prompter.readAll();
    if (secret === '') throw usageError(`${source.stdinFlag} was given, but standard input was empty.`, source.hint);
  }
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

export async function resolveClient(
  input: LoginInput,
  stored: ProfileRecord | undefined,
  deps: LoginDeps,
): Promise<ClientCredentials> {
  const clientId =
    (input.clientId ?? envValue(deps.env, 'PODIO_CLIENT_ID') ?? stored?.client_id) || (await askClientId(deps));
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
  checkTokenText(clientId, 'client id', '--client-id, PODIO_CLIENT_ID');
  checkTokenText(clientSecret, 'client secret', 'PODIO_CLIENT_SECRET, --client-secret-stdin');
  return { clientId, clientSecret };
}

/**
 * A client id, client secret or app token goes into every token request and into the stored profile, where only
 * printable ASCII without spaces may stand: one with a space or a line break pasted along is refused here, before
 * anything is sent or stored, rather than stored and found unusable by every later command.
 */
export function checkTokenText(value: string, what: string, sources: string): void {
  if (isTokenText(value)) return;
  throw usageError(
    `The ${what} holds a space, a line break or a character outside printable ASCII (check ${sources} or what was typed).`,
    `Copy the ${what} again, without spaces or line breaks, from ${API_KEY_PAGE} or the app's page in Podio.`,
  );
}

async function askClientId(deps: LoginDeps): Promise<string> {
  if (!(deps.stdin.isTTY && deps.stderr.isTTY)) {
    throw new PodioAuthError('no_client_id', 'No Podio client id: set PODIO_CLIENT_ID or pass --client-id.', {
      hint: `Create an API key at ${API_KEY_PAGE} (domain: localhost), then set PODIO_CLIENT_ID and PODIO_CLIENT_SECRET.`,
    });
  }
  (await deps.ui()).info(
    `podio-auth needs a Podio API key. Create one at ${API_KEY_PAGE} with "localhost" as its domain.`,
  );
  const clientId = await deps.prompter.ask('Client id: ');
  if (!clientId) throw usageError('No client id given.');
  return clientId;
}

export async function askUsername(deps: LoginDeps, stored: string | undefined): Promise<string> {
  if (stored) return stored;
  const { stdin, stderr } = deps;
  if (!(stdin.isTTY && stderr.isTTY)) throw usageError('No Podio user name: pass --username or set PODIO_USERNAME.');
  const username = await deps.prompter.ask('Podio user name (e-mail): ');
  if (!username) throw usageError('No user name given.');
  return username;
}
