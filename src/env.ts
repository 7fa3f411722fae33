/** The environment as the tool reads it: passed in (never `process.env` read deep inside), so tests set it whole. */
export type Env = Readonly<Record<string, string | undefined>>;

/** A variable that is set to something (an empty value counts as unset, as most tools treat it). */
export function envValue(env: Env, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value === '' ? undefined : value;
}
