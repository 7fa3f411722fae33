/**
 * Text that came from outside (Podio's error descriptions, a callback's query, a profile name from the file) is
 * shown in the terminal only through this: control characters could otherwise rewrite the screen, and a very
 * long value drowns the message.
 */
export function sanitizeForTerminal(text: string, maxLength = 200): string {
  // Controls (C0, C1), zero-width and bidi overrides.
  const unsafe = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069]/g;
  const clean = text.replace(unsafe, ' ').trim();
  return clean.length > maxLength ? `${clean.slice(0, maxLength)}…` : clean;
}
