import { resolveProfileName } from '../store/store.js';
import type { CommandContext } from './context.js';

export interface LogoutOptions {
  profile?: string;
  all?: boolean;
}

/** Forgets a profile entirely (or all of them): tokens and client secret alike, so nothing secret stays behind. */
export async function runLogout(options: LogoutOptions, ctx: CommandContext): Promise<void> {
  const config = ctx.store.read();
  const ui = await ctx.ui();
  if (options.all) {
    const names = Object.keys(config.profiles);
    if (names.length > 0) {
      await ctx.store.locked(ctx.deps.signal, async (data, save) => {
        const next = { ...data, profiles: {} };
        delete next.default_profile;
        await save(next);
      });
    }
    ui.success(names.length > 0 ? `Logged out of ${names.length} profile(s): ${names.join(', ')}.` : 'No profile was logged in; nothing to do.');
    return;
  }
  const profileName = resolveProfileName(options.profile, ctx.deps.env, config);
  const known = profileName in config.profiles;
  const removed =
    known &&
    (await ctx.store.locked(ctx.deps.signal, async (data, save) => {
      if (!(profileName in data.profiles)) return false;
      const next = { ...data, profiles: { ...data.profiles } };
      delete next.profiles[profileName];
      if (next.default_profile === profileName) delete next.default_profile;
      await save(next);
      return true;
    }));
  if (removed) ui.success(`Logged out of profile "${profileName}": its tokens and client secret are removed from ${ctx.store.file}.`);
  else ui.info(`Profile "${profileName}" was not logged in; nothing to do.`);
}
