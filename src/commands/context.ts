import type { Deps } from '../deps.js';
import type { Messages } from '../output.js';
import { defaultConfigDir } from '../store/config-file.js';
import { openStore, type Store } from '../store/store.js';

/** What every command gets: the side effects, the store, and messages (created on first use). */
export interface CommandContext {
  deps: Deps;
  store: Store;
  ui: () => Promise<Messages>;
}

export function createContext(deps: Deps, ui: () => Promise<Messages>): CommandContext {
  return { deps, store: openStore(defaultConfigDir(deps.env)), ui };
}
