import type { Command } from '@commander-js/extra-typings';
import { type FreshToken, getToken } from '../usecases/get-token.js';
import { type App, maskInGitHubActions, tokenDeps, withTableOptions } from './shared.js';

/** A token for the caller, with the GitHub Actions mask first and any warning after it. */
export async function tokenForCaller(
  app: App,
  input: { profile?: string | undefined; minTtl?: number | undefined },
): Promise<FreshToken> {
  const warnings: string[] = [];
  const fresh = await getToken(
    { profile: input.profile, minTtlSeconds: input.minTtl },
    { ...tokenDeps(app), warn: (text) => warnings.push(text) },
  );
  maskInGitHubActions(app.deps, fresh.tokens.accessToken);
  if (warnings.length > 0) {
    const ui = await app.ui();
    for (const warning of warnings) ui.warn(warning);
  }
  return fresh;
}

/** The JSON `token --json` prints: what podio-js's `setAccessToken` and other clients need, nothing secret else. */
export function tokenJson(fresh: FreshToken, now: Date): Record<string, unknown> {
  const { tokens, source } = fresh;
  const expires = tokens.expiresAt ? Date.parse(tokens.expiresAt) : NaN;
  return {
    access_token: tokens.accessToken,
    token_type: tokens.tokenType,
    expires_at: tokens.expiresAt || null,
    expires_in: Number.isFinite(expires) ? Math.max(0, Math.floor((expires - now.getTime()) / 1000)) : null,
    // podio-js's setAccessToken requires the key. The refresh token itself stays with podio-auth: a client that
    // refreshed it would rotate it away from under the store's lock.
    refresh_token: null,
    profile: source.kind === 'profile' ? source.name : null,
    ref: tokens.ref ?? null,
  };
}

export function registerToken(program: Command, app: App): void {
  withTableOptions(
    program.command('token').description('print a valid access token on stdout, refreshing it first if needed'),
    'token',
  ).action((options) =>
    app.run(async () => {
      const fresh = await tokenForCaller(app, options);
      if (options.json) await app.out(`${JSON.stringify(tokenJson(fresh, app.deps.now()), null, 2)}\n`);
      else await app.out(`${fresh.tokens.accessToken}\n`);
    }),
  );
}
