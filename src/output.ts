import type { Writable } from 'node:stream';

/**
 * Everything the tool says to a person goes through here, to stderr. stdout is reserved for data (a token,
 * JSON) and is written by the commands themselves.
 */

export type Env = Readonly<Record<string, string | undefined>>;

/** Colour only on a TTY, never under NO_COLOR; FORCE_COLOR wins over both (as chalk and most CLIs agree). */
export function useColour(env: Env, isTTY: boolean): boolean {
  const force = env['FORCE_COLOR'];
  if (force !== undefined) return force !== '0' && force !== 'false';
  if (env['NO_COLOR'] !== undefined && env['NO_COLOR'] !== '') return false;
  if (env['TERM'] === 'dumb') return false;
  return isTTY;
}

type Style = 'red' | 'green' | 'yellow' | 'bold' | 'dim' | 'cyan';

export interface Messages {
  readonly colour: boolean;
  paint(style: Style, text: string): string;
  /** A line for the person: progress, a URL, a hint. */
  info(text: string): void;
  success(text: string): void;
  warn(text: string): void;
  error(text: string, hint?: string): void;
}

/** Async because chalk is loaded only when there is something to say: `token`'s quiet path never pays for it. */
export async function createMessages(stderr: Writable, colour: boolean): Promise<Messages> {
  const { Chalk } = await import('chalk');
  const chalk = new Chalk({ level: colour ? 1 : 0 });
  const paint = (style: Style, text: string): string => chalk[style](text);
  const line = (text: string): void => {
    stderr.write(`${text}\n`);
  };
  return {
    colour,
    paint,
    info: line,
    success: (text) => line(`${paint('green', '✓')} ${text}`),
    warn: (text) => line(`${paint('yellow', '!')} ${text}`),
    error: (text, hint) => {
      line(`${paint('red', '✗')} ${text}`);
      if (hint) line(paint('dim', hint));
    },
  };
}

/**
 * Text that came from outside (Podio's error descriptions, a callback's query) is shown in the terminal only
 * through this: control characters could otherwise rewrite the screen, and a very long value drowns the message.
 */
export function sanitizeForTerminal(text: string, maxLength = 200): string {
  // eslint-disable-next-line no-control-regex
  const clean = text.replace(/[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069]/g, ' ').trim();
  return clean.length > maxLength ? `${clean.slice(0, maxLength)}…` : clean;
}

/** Environment variables that hold secrets: redacted from messages, never handed to child processes. */
export const SECRET_ENV_NAMES = ['PODIO_CLIENT_SECRET', 'PODIO_REFRESH_TOKEN', 'PODIO_ACCESS_TOKEN', 'PODIO_APP_TOKEN', 'PODIO_PASSWORD'] as const;

/** `env` without the secrets, for a child process that has no business with them (a browser). */
export function withoutSecrets(env: Env): Record<string, string | undefined> {
  const copy: Record<string, string | undefined> = { ...env };
  for (const name of SECRET_ENV_NAMES) delete copy[name];
  return copy;
}

/** Replaces every occurrence of each secret with a placeholder: the last guard before a message is printed. */
export function redact(text: string, secrets: Iterable<string | undefined>): string {
  let out = text;
  for (const secret of secrets) {
    if (secret && secret.length >= 4) out = out.split(secret).join('[redacted]');
  }
  return out;
}
