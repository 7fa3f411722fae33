import { getFreshToken } from '../token-source.js';
import type { CommandContext } from './context.js';

export interface TokenOptions {
  profile?: string;
  json?: boolean;
  minTtl?: number;
}

/**
 * Inside GitHub Actions, asks the runner to mask the token in the job's log. The runner reads workflow commands
 * from stderr as well as stdout, so the command goes to stderr and `$(podio-auth token)` captures only the token.
 */
export function maskInGitHubActions(ctx: CommandContext, secret: string): void {
  if (ctx.deps.env['GITHUB_ACTIONS'] === 'true' && secret) ctx.deps.stderr.write(`::add-mask::${secret}\n`);
}

/** Prints a valid access token and a newline on stdout, and nothing else there. */
export async function runToken(options: TokenOptions, ctx: CommandContext): Promise<void> {
  const { tokens, origin } = await getFreshToken({ profile: options.profile, minTtlSeconds: options.minTtl }, ctx.store, ctx.deps, ctx.ui);
  maskInGitHubActions(ctx, tokens.accessToken);
  if (options.json) {
    const out = {
      access_token: tokens.accessToken,
      token_type: tokens.tokenType,
      expires_at: tokens.expiresAt || null,
      profile: origin.kind === 'profile' ? origin.name : null,
      ref: tokens.ref ?? null,
    };
    ctx.deps.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
  } else {
    ctx.deps.stdout.write(`${tokens.accessToken}\n`);
  }
}
