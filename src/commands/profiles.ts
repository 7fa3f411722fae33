import { Argument, type Command, Option } from '@commander-js/extra-typings';
import { completeAs } from '../completion/program.js';
import { sanitizeForTerminal } from '../domain/terminal-text.js';
import { configKey, KEYRING_SERVICE, keyringAccount } from '../store/keyring/entries.js';
import { profileTable } from '../ui/profile-table.js';
import { listProfiles, type MoveResult, moveProfile, useProfile } from '../usecases/profiles.js';
import { type App, jsonOption } from './shared.js';

/** `profiles` (the list), `profiles use <name>` and `profiles move <name> --to <store>`. */
export function registerProfiles(program: Command, app: App): void {
  const profiles = program
    .command('profiles')
    .description(
      'list the stored profiles (which is the default, who, expiry, store); `profiles use <name>` sets the default',
    )
    .addOption(jsonOption('the list'))
    .action((options) => app.run(() => printProfiles(app, Boolean(options.json))));
  profiles
    .command('use')
    .addArgument(completeAs(new Argument('<name>', 'the profile'), 'profile'))
    .description('make <name> the profile used when neither --profile nor PODIO_PROFILE is given')
    .action((name) => app.run(() => makeDefault(app, name)));
  profiles
    .command('move')
    .addArgument(completeAs(new Argument('<name>', 'the profile'), 'profile'))
    .addOption(
      new Option('--to <store>', 'where its secrets go: keyring (the OS credential store) or file (config.json)')
        .choices(['keyring', 'file'] as const)
        .makeOptionMandatory(),
    )
    .description("move a profile's secrets to the OS keyring or into config.json, leaving no copy behind")
    .action((name, options) => app.run(() => moveSecrets(app, name, options.to)));
}

async function printProfiles(app: App, json: boolean): Promise<void> {
  const { current, location, profiles: rows } = await listProfiles(app.deps);
  if (json) {
    await app.out(`${JSON.stringify({ default: current, location, profiles: rows }, null, 2)}\n`);
    return;
  }
  if (rows.length === 0) {
    (await app.ui()).info(`No profile is stored yet (looked in ${location}). Run \`podio-auth login\` to create one.`);
    return;
  }
  await app.out(profileTable(rows, app.deps.now()));
  const unread = rows.filter((row) => row.unread !== undefined);
  if (unread.length > 0) {
    const ui = await app.ui();
    for (const row of unread)
      ui.warn(`Profile "${sanitizeForTerminal(row.name, 64)}" could not be read: ${row.unread}`);
  }
}

async function makeDefault(app: App, name: string): Promise<void> {
  await useProfile(name, app.deps);
  const ui = await app.ui();
  ui.success(`Profile "${name}" is now the default.`);
  const fromEnv = app.deps.env['PODIO_PROFILE'];
  if (fromEnv) ui.warn(`PODIO_PROFILE=${fromEnv} is set and still takes precedence.`);
}

async function moveSecrets(app: App, name: string, to: 'keyring' | 'file'): Promise<void> {
  const result = await moveProfile({ name, to }, app.deps);
  const ui = await app.ui();
  const where = secretsHome(result);
  const profile = sanitizeForTerminal(result.profile);
  if (!result.moved) ui.info(`Profile "${profile}" already keeps its secrets in ${where}; nothing to do.`);
  else ui.success(`Profile "${profile}" moved: its secrets are now in ${where}.`);
}

function secretsHome(result: MoveResult): string {
  if (result.to !== 'keyring') return result.location;
  const account = keyringAccount(result.profile, configKey(result.location));
  return `the OS keyring (service ${KEYRING_SERVICE}, account "${account}"); ${result.location} keeps its metadata`;
}
