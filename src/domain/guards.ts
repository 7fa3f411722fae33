/** Checks on values that came from outside (a file, Redis, Podio's answers), shared by every layer. */

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Printable ASCII, no spaces: what an OAuth token (and anything put in a header) may be. */
export function isTokenText(value: string): boolean {
  return /^[\x21-\x7e]+$/.test(value);
}
