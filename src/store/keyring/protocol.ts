/**
 * What the vault and its helper process say to each other: one JSON line per request on the helper's stdin, one
 * per answer on its stdout, so that a secret never appears in an argument list. Types only, and the parse of an
 * answer: the helper's bundle takes nothing from here at run time.
 */

/** One keyring call, as the vault asks it. */
export type HelperOperation =
  | { op: 'get'; account: string }
  | { op: 'set'; account: string; value: string }
  | { op: 'delete'; account: string }
  | { op: 'list' };

/** A request on the wire: the operation and its number, which the answer repeats. */
export type HelperRequest = HelperOperation & { id: number };

/** `load`: the native module could not be loaded; `call`: the platform refused or failed the call. */
export type HelperReply =
  | { id: number; ok: true; result: unknown }
  | { id: number; ok: false; stage: 'load' | 'call'; message: string };

/** An answer line, or undefined for anything that is not one (the vault then waits for the real one). */
export function parseReply(line: string): HelperReply | undefined {
  try {
    const reply = JSON.parse(line) as HelperReply;
    return typeof reply === 'object' && reply !== null && typeof reply.id === 'number' ? reply : undefined;
  } catch {
    return undefined;
  }
}
