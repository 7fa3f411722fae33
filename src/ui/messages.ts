import type { Writable } from 'node:stream';
import { escapeMessage } from '../domain/terminal-text.js';
import type { Env } from '../env.js';

/**
 * Everything the tool says to a person goes through here, to stderr. stdout is reserved for data (a token,
 * JSON) and is written by the commands themselves.
 */

/**
 * Colour only on a terminal. NO_COLOR (set and not empty) always wins, as no-color.org asks; then FORCE_COLOR
 * (anything but 0/false) turns it on off a terminal; TERM=dumb turns it off.
 */
export function useColour(env: Env, isTTY: boolean): boolean {
  if (env['NO_COLOR'] !== undefined && env['NO_COLOR'] !== '') return false;
  const force = env['FORCE_COLOR'];
  if (force !== undefined) return force !== '0' && force !== 'false';
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
    stderr.write(`${escapeMessage(text, colour)}\n`);
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
