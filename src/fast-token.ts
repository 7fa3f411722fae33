/**
 * `podio-auth token` with a valid stored token: the call scripts make in loops. The launcher tries this before
 * loading anything else (commander, undici, chalk stay unloaded), using the same functions as the full command.
 * Anything it does not handle itself (another command or option, env-only credentials, GitHub Actions, another
 * store, a token that needs a refresh, debris of a crashed write, any error) it leaves to the full command by
 * returning undefined.
 */
import type { Env } from './env.js';
import { tempFilesOf } from './store/atomic-write.js';
import { configFileIn, defaultConfigDir, readConfigFile } from './store/config-file.js';
import { resolveProfileName } from './store/profile-names.js';
import { envCredentials } from './usecases/env-credentials.js';
import { DEFAULT_MIN_TTL_SECONDS, hasTimeLeft, tokensOf } from './usecases/token-policy.js';

/** `token`, `token --profile <name>`, `token --profile=<name>`: the profile flag, or null for another command line. */
function parseTokenArgs(argv: readonly string[]): { profile: string | undefined } | null {
  if (argv[0] !== 'token') return null;
  if (argv.length === 1) return { profile: undefined };
  if (argv.length === 2 && argv[1]?.startsWith('--profile=')) return { profile: argv[1].slice('--profile='.length) };
  if (argv.length === 3 && argv[1] === '--profile' && argv[2] && !argv[2].startsWith('-')) return { profile: argv[2] };
  return null;
}

export function fastToken(argv: readonly string[], env: Env, now: Date): string | undefined {
  const args = parseTokenArgs(argv);
  if (!args) return undefined;
  if (env['GITHUB_ACTIONS'] === 'true' || env['PODIO_AUTH_STORE']?.startsWith('redis')) return undefined;
  if (args.profile === undefined && envCredentials(env)) return undefined;
  try {
    const file = configFileIn(defaultConfigDir(env));
    const config = readConfigFile(file);
    const profile = config.profiles.get(resolveProfileName(args.profile, env, config.defaultProfile));
    const tokens = tokensOf(profile);
    if (!profile || (profile.store !== undefined && profile.store !== 'file')) return undefined;
    if (!tokens || !hasTimeLeft(profile, now, DEFAULT_MIN_TTL_SECONDS)) return undefined;
    if (tempFilesOf(file).length > 0) return undefined;
    return tokens.accessToken;
  } catch {
    // The full command reports it.
    return undefined;
  }
}
