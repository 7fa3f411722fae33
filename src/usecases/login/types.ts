import type { Deps } from '../../deps.js';
import type { StoreChoice } from '../../store/open-store.js';
import type { Messages } from '../../ui/messages.js';

/** What a login is asked for and what it answers, shared by the login use case and its grants. */

export type LoginMethod =
  | {
      kind: 'browser';
      scope?: string | undefined;
      redirectHost: string;
      port: number;
      openBrowser: boolean;
      timeoutSeconds: number;
      /** Whether the address the browser ended on may be pasted on standard input. */
      acceptPaste: boolean;
    }
  | { kind: 'app'; appId: string; appTokenFromStdin: boolean }
  | { kind: 'password'; username?: string | undefined; passwordFromStdin: boolean };

export interface LoginInput {
  profile?: string | undefined;
  clientId?: string | undefined;
  /** Given by a library caller; the CLI never takes a secret as an argument. */
  clientSecret?: string | undefined;
  clientSecretFromStdin?: boolean | undefined;
  /** Where the profile's secrets go (`--store`); default: where they are now, else PODIO_AUTH_STORE. */
  store?: StoreChoice | undefined;
  method: LoginMethod;
}

export interface LoginResult {
  profile: string;
  /** Who logged in, as Podio says (undefined when that could not be asked). */
  who: string | undefined;
  /** Why `who` is unknown. */
  whoError: string | undefined;
  storedIn: string;
  /** Whose login the profile held before, when it was another user's or app's. */
  replaced?: string;
}

export type LoginDeps = Pick<
  Deps,
  | 'env'
  | 'stdin'
  | 'stderr'
  | 'signal'
  | 'forceSignal'
  | 'critical'
  | 'now'
  | 'monotonic'
  | 'sleep'
  | 'http'
  | 'store'
  | 'openRedis'
  | 'openBrowser'
  | 'prompter'
  | 'resolve'
  | 'secrets'
> & { ui: () => Promise<Messages> };
