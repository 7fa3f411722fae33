import { resolveProfileName } from '../store/store.js';
import { getFreshToken } from '../token-source.js';
import type { CommandContext } from './context.js';

export interface TokenOptions {
  profile?: string;
  json?: boolean;
}

/** Prints a valid access token and a newline on stdout, and nothing else there. */
export async function runToken(options: TokenOptions, ctx: CommandContext): Promise<void> {
  const profileName = resolveProfileName(options.profile, ctx.deps.env);
  const { tokens } = await getFreshToken(profileName, ctx.store, ctx.deps);
  if (options.json) {
    const out = {
      access_token: tokens.accessToken,
      token_type: tokens.tokenType,
      expires_at: tokens.expiresAt,
      profile: profileName,
      ref: tokens.ref ?? null,
    };
    ctx.deps.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
  } else {
    ctx.deps.stdout.write(`${tokens.accessToken}\n`);
  }
}
