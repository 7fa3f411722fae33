import { usageError } from '../errors.js';
import { checkProfileName, DEFAULT_PROFILE, resolveProfileName } from '../store/store.js';
import type { ProfileRecord } from '../store/store.js';
import type { CommandContext } from './context.js';
import { describeExpiry } from './status.js';

export interface ProfilesOptions {
  json?: boolean;
}

function who(profile: ProfileRecord): string | null {
  if (profile.user_name) return profile.user_name;
  if (profile.ref) return `${profile.ref.type} ${profile.ref.id}`;
  return null;
}

/** Lists the stored profiles from the file alone: no network, so it is quick and works offline. */
export async function runProfilesList(options: ProfilesOptions, ctx: CommandContext): Promise<void> {
  const { deps, store } = ctx;
  const config = store.read();
  const current = resolveProfileName(undefined, deps.env, config);
  const rows = Object.entries(config.profiles)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, profile]) => ({
      name,
      default: name === current,
      who: who(profile),
      grant: profile.grant ?? null,
      expires_at: profile.expires_at ?? null,
      has_refresh_token: Boolean(profile.refresh_token),
    }));
  if (options.json) {
    deps.stdout.write(`${JSON.stringify({ default: current, config_file: store.file, profiles: rows }, null, 2)}\n`);
    return;
  }
  if (rows.length === 0) {
    (await ctx.ui()).info(`No profiles in ${store.file}. Run \`podio-auth login\` to create one.`);
    return;
  }
  const now = deps.now();
  const lines = rows.map((row) => {
    const expiry = row.expires_at ? `token ${Date.parse(row.expires_at) > now.getTime() ? 'expires' : 'expired'} ${describeExpiry(row.expires_at, now)}` : 'no token';
    return [`${row.default ? '*' : ' '} ${row.name}`, row.who ?? '(unknown user)', expiry];
  });
  const widths = [0, 1].map((i) => Math.max(...lines.map((line) => (line[i] as string).length)));
  deps.stdout.write(lines.map((line) => `${line[0]!.padEnd(widths[0]!)}  ${line[1]!.padEnd(widths[1]!)}  ${line[2]}`).join('\n') + '\n');
}

/** Makes `name` the profile used when neither --profile nor PODIO_PROFILE says otherwise. */
export async function runProfilesUse(name: string, ctx: CommandContext): Promise<void> {
  const profileName = checkProfileName(name);
  const ui = await ctx.ui();
  const missing = () => usageError(`There is no profile "${profileName}".`, `Log in to it first: \`podio-auth login --profile ${profileName}\`.`);
  if (!(profileName in ctx.store.read().profiles)) throw missing();
  await ctx.store.locked(ctx.deps.signal, async (data, save) => {
    if (!(profileName in data.profiles)) throw missing();
    const next = { ...data };
    if (profileName === DEFAULT_PROFILE) delete next.default_profile;
    else next.default_profile = profileName;
    await save(next);
  });
  ui.success(`Profile "${profileName}" is now the default.`);
  if (ctx.deps.env['PODIO_PROFILE']) ui.warn(`PODIO_PROFILE=${ctx.deps.env['PODIO_PROFILE']} is set and still takes precedence.`);
}
