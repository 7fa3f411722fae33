import { resolveProfileName } from '../store/store.js';
import type { CommandContext } from './context.js';

export interface LogoutOptions {
  profile?: string;
}

/** Forgets the profile entirely: tokens and client secret alike, so nothing secret stays behind. */
export async function runLogout(options: LogoutOptions, ctx: CommandContext): Promise<void> {
  const config = ctx.store.read();
  const profileName = resolveProfileName(options.profile, ctx.deps.env, config);
  const ui = await ctx.ui();
  const known = profileName in config.profiles;
  const removed =
    known &&
    (await ctx.store.locked(ctx.deps.signal, async (data, save) => {
      if (!(profileName in data.profiles)) return false;
      const profiles = { ...data.profiles };
      delete profiles[profileName];
      await save({ ...data, profiles });
      return true;
    }));
  if (removed) ui.success(`Logged out of profile "${profileName}": its tokens and client secret are removed from ${ctx.store.file}.`);
  else ui.info(`Profile "${profileName}" was not logged in; nothing to do.`);
}
