import type { ProfileRecord } from '../../domain/profile.js';
import { sanitizeForTerminal } from '../../domain/terminal-text.js';
import { envValue } from '../../env.js';
import { PodioAuthError } from '../../errors.js';
import type { ConfigDocument } from '../../store/file/config-file.js';
import {
  configKey,
  hasLegacyEntryName,
  isLegacyAccount,
  KEYRING_SERVICE,
  keyringAccount,
  profileOfAccount,
} from '../../store/keyring/entries.js';
import type { SecretVault } from '../../store/port.js';
import type { TokenDeps } from '../get-token.js';
import { type Check, check } from './check.js';

/** What doctor needs of the OS keyring: the accounts under service `podio-auth`, and removing one. */
export type KeyringEntries = Pick<SecretVault, 'list' | 'delete'>;

export interface KeyringDeps {
  /** The OS keyring, opened only when a profile keeps its secrets there or PODIO_AUTH_STORE=keyring. */
  openKeyring?: (() => Promise<KeyringEntries>) | undefined;
}

const shown = (names: string[]) => names.map((name) => `"${sanitizeForTerminal(name, 100)}"`).join(', ');

/**
 * The keyring, checked only where it matters (a profile keeps its secrets there, or PODIO_AUTH_STORE=keyring), so
 * that doctor never starts the keyring helper for file profiles: whether it answers, whether each keyring profile
 * has its entry, and this config file's entries that no keyring profile owns (left by a crash between the two
 * writes of a move, or by a profile removed by hand). `fix` removes those, under the store's lock. An entry is this
 * config file's only if its account ends in this file's key (store/keyring/entries.ts): entries of other config dirs, of
 * podio-auth 0.2.0 (which may belong to any config dir) and of other programs are counted and left alone.
 */
export async function checkKeyring(
  config: ConfigDocument | undefined,
  file: string,
  fix: boolean,
  deps: TokenDeps & KeyringDeps,
): Promise<Check[]> {
  const profiles = config?.profiles ?? new Map<string, ProfileRecord>();
  const keyringProfiles = [...profiles].filter(([, profile]) => profile.store === 'keyring').map(([name]) => name);
  const forNewLogins = envValue(deps.env, 'PODIO_AUTH_STORE') === 'keyring';
  if (deps.store.kind !== 'file' || (keyringProfiles.length === 0 && !forNewLogins)) return [];
  const why =
    keyringProfiles.length > 0
      ? `used by ${keyringProfiles.map((name) => `"${name}"`).join(', ')}`
      : 'PODIO_AUTH_STORE=keyring';
  if (!deps.openKeyring) return [check('keyring', 'warn', `OS keyring (${why}): not checked in this build.`)];
  let keyring: KeyringEntries;
  let accounts: string[];
  try {
    keyring = await deps.openKeyring();
    accounts = await keyring.list(deps.signal);
  } catch (error) {
    if (!(error instanceof PodioAuthError) || error.code === 'interrupted') throw error;
    return [check('keyring', 'fail', `${error.message.replace(/\.$/, '')} (${why}).`, error.hint)];
  }
  const key = configKey(file);
  const ours = accounts.filter((account) => profileOfAccount(account, key) !== undefined);
  const checks = [
    check(
      'keyring',
      'ok',
      `OS keyring reachable (${why}): ${accounts.length} entr${accounts.length === 1 ? 'y' : 'ies'} ` +
        `under service ${KEYRING_SERVICE}, ${ours.length} of this config directory (key ${key})`,
    ),
  ];
  const pendingLegacy: string[] = [];
  for (const name of keyringProfiles) {
    const profile = profiles.get(name);
    const loggedIn = Boolean(profile?.expires_at || profile?.obtained_at);
    if (!loggedIn || accounts.includes(keyringAccount(name, key))) continue;
    if (hasLegacyEntryName(profile) && accounts.includes(name)) pendingLegacy.push(name);
    checks.push(missingEntry(name, profile, key, accounts));
  }
  checks.push(...othersLeftAlone(accounts, ours, pendingLegacy));
  const orphans = orphansIn(profiles, ours, key);
  if (orphans.length > 0) checks.push(fix ? await removeOrphans(keyring, orphans, key, deps) : orphansFound(orphans));
  return checks;
}

/** Accounts of this config file that no keyring profile in `owners` owns. */
function orphansIn(owners: ReadonlyMap<string, ProfileRecord>, accounts: string[], key: string): string[] {
  return accounts.filter((account) => owners.get(profileOfAccount(account, key) ?? '')?.store !== 'keyring');
}

function orphansFound(orphans: string[]): Check {
  return check(
    'keyring-orphans',
    'warn',
    `Keyring entries of this config directory that no keyring profile owns: ${shown(orphans)}.`,
    'They hold secrets podio-auth no longer uses. Remove them: `podio-auth doctor --fix` ' +
      `(or, on Linux, \`secret-tool clear service ${KEYRING_SERVICE} username <account>\`).`,
  );
}

/** `--fix`: removes the orphans, judged again under the store's lock. */
async function removeOrphans(keyring: KeyringEntries, orphans: string[], key: string, deps: TokenDeps): Promise<Check> {
  try {
    // Under the lock, against config.json as it is now: a login or a move writes the entry before the profile
    // that owns it, and an entry is an orphan only if no such write is under way.
    const removed = await deps.store.transact(deps.signal, async (tx) => {
      const owners = (await tx.read()).profiles;
      const now = (await keyring.list(deps.signal)).filter((account) => profileOfAccount(account, key) !== undefined);
      const stale = orphansIn(owners, now, key);
      for (const account of stale) await keyring.delete(account, deps.signal);
      return stale;
    });
    return check(
      'keyring-orphans',
      'ok',
      removed.length === 0
        ? 'No keyring entries without a profile are left'
        : `Removed keyring entries of this config directory that no keyring profile owned: ${shown(removed)}`,
    );
  } catch (error) {
    if (!(error instanceof PodioAuthError) || error.code === 'interrupted') throw error;
    return check(
      'keyring-orphans',
      'fail',
      `Could not remove the keyring entries that no keyring profile owns (${shown(orphans)}): ${error.message}`,
      error.hint,
    );
  }
}

/** A logged-in keyring profile without its entry: gone, still under its 0.2.0 name, or stored from elsewhere. */
function missingEntry(name: string, profile: ProfileRecord | undefined, key: string, accounts: string[]): Check {
  const account = keyringAccount(name, key);
  const again = `Log in again: \`podio-auth login --profile ${name}\`.`;
  if (hasLegacyEntryName(profile) && accounts.includes(name)) {
    return check(
      `keyring-entry:${name}`,
      'info',
      `profile "${name}" (keyring) was stored by podio-auth 0.2.0, under account "${name}": the next use moves it ` +
        `to "${account}" if it matches the profile (it may be another config directory's).`,
    );
  }
  const stored = profile?.keyring_account;
  if (stored !== undefined && stored !== account) {
    return check(
      `keyring-entry:${name}`,
      'fail',
      `profile "${name}" (keyring) was stored under account "${sanitizeForTerminal(stored, 100)}", and this config ` +
        `file is now elsewhere (moved or copied), where its account is "${account}": the old entry is not used here.`,
      `${again} Then remove the old entry if no copy of this directory uses it: ` +
        `\`secret-tool clear service ${KEYRING_SERVICE} username ${sanitizeForTerminal(stored, 100)}\`.`,
    );
  }
  return check(
    `keyring-entry:${name}`,
    'fail',
    `profile "${name}" (keyring) has no entry in the keyring (account "${account}"): its secrets are gone.`,
    again,
  );
}

/** Entries not of this config file: said once, never touched. */
function othersLeftAlone(accounts: string[], ours: string[], pendingLegacy: string[]): Check[] {
  const others = accounts.filter((account) => !ours.includes(account) && !pendingLegacy.includes(account));
  if (others.length === 0) return [];
  const legacy = others.filter(isLegacyAccount).length;
  const parts = [
    others.length - legacy > 0 ? `${others.length - legacy} of other config directories or programs` : '',
    legacy > 0 ? `${legacy} named as podio-auth 0.2.0 named them, which may be any config directory's` : '',
  ].filter(Boolean);
  return [
    check(
      'keyring-others',
      'info',
      `Left alone: ${others.length} entr${others.length === 1 ? 'y' : 'ies'} under service ${KEYRING_SERVICE} ` +
        `that are not this config directory's (${parts.join('; ')}).`,
    ),
  ];
}
