/**
 * The one renderer for text bound for a terminal. Text that came from outside (Podio's answers, a callback's
 * query, a profile or user name from config.json or Redis) is shown only through these: control characters could
 * otherwise rewrite the screen (title changes, colours, cursor moves, fake lines), and a very long value drowns the
 * message.
 */

// Controls (C0, DEL, C1), zero-width characters and bidi overrides.
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069]/g;

/** One value (a name, a description) on one line: every control becomes a space; long values are cut. */
export function sanitizeForTerminal(text: string, maxLength = 200): string {
  const clean = text.replace(UNSAFE, ' ').trim();
  return clean.length > maxLength ? `${clean.slice(0, maxLength)}…` : clean;
}

/** Our own colour codes, as chalk writes them (SGR: ESC [ digits m). */
const OWN_COLOUR = '\u001b\\[[0-9;]*m';

/**
 * A whole message as it is written to stderr: its own line breaks and (when `colour`) colour codes stay; every other
 * control is a space. The last guard, behind the values each message escapes with `sanitizeForTerminal`: an escape
 * sequence that is not a colour (a title change, a cursor move) never gets through, colour or not.
 */
export function escapeMessage(text: string, colour: boolean): string {
  const pattern = new RegExp(`${colour ? `${OWN_COLOUR}|` : ''}[\\n]|${UNSAFE.source}`, 'g');
  return text.replace(pattern, (match) => (match.length > 1 || match === '\n' ? match : ' '));
}
