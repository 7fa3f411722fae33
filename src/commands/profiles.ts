import { Argument, type Command, Option } from '@commander-js/extra-typings';
import { completeAs } from '../completion/program.js';
import { sanitizeForTerminal } from '../domain/terminal-text.js';
import { configKey, KEYRING_SERVICE, keyringAccount } from '../store/keyring/entries.js';
import { describeExpiry } from '../ui/format.js';
import { listProfiles, moveProfile, useProfile } from '../usecases/profiles.js';
import { type App, jsonOption } from './shared.js';

export function registerProfiles(program: Command, app: App): void {
  const profiles = program
    .command('profiles')
    .description(
      'list the stored profiles (which is the default, who, expiry, store); `profiles use <name>` sets the default',
    )
    .addOption(jsonOption('the list'))
    .action((options) =>
      app.run(async () => {
        const { current, location, profiles: rows } = await listProfiles(app.deps);
        if (options.json) {
          await app.out(`${JSON.stringify({ default: current, location, profiles: rows }, null, 2)}\n`);
          return;
        }
        if (rows.length === 0) {
          (await app.ui()).info(
            `No profile is stored yet (looked in ${location}). Run \`podio-auth login\` to create one.`,
          );
          return;
        }
        const now = app.deps.now();
        const lines = rows.map((row) => {
          const expiry = row.expires_at ? describeExpiry(row.expires_at, now) : undefined;
          const state = !row.logged_in
            ? 'logged out'
            : expiry
              ? `token ${Date.parse(row.expires_at ?? '') > now.getTime() ? 'expires' : 'expired'} ${expiry}`
              : 'no token';
          // Names and users come from config.json or Redis, which anyone with write access there can fill.
          return [
            `${row.default ? '*' : ' '} ${sanitizeForTerminal(row.name, 80)}`,
            row.who === null ? '(unknown user)' : sanitizeForTerminal(row.who, 120),
            row.store === 'file' ? state : `${state} (${row.store})`,
          ];
        });
        const width = (i: number) => Math.max(...lines.map((line) => (line[i] ?? '').length));
        const [first, second] = [width(0), width(1)];
        await app.out(
          `${lines.map(([a = '', b = '', c = '']) => `${a.padEnd(first)}  ${b.padEnd(second)}  ${c}`).join('\n')}\n`,
        );
      }),
    );
  profiles
    .command('use')
    .addArgument(completeAs(new Argument('<name>', 'the profile'), 'profile'))
    .description('make <name> the profile used when neither --profile nor PODIO_PROFILE is given')
    .action((name) =>
      app.run(async () => {
        await useProfile(name, app.deps);
        const ui = await app.ui();
        ui.success(`Profile "${name}" is now the default.`);
        const fromEnv = app.deps.env['PODIO_PROFILE'];
        if (fromEnv) ui.warn(`PODIO_PROFILE=${fromEnv} is set and still takes precedence.`);
      }),
    );
  profiles
    .command('move')
    .addArgument(completeAs(new Argument('<name>', 'the profile'), 'profile'))
    .addOption(
      new Option('--to <store>', 'where its secrets go: keyring (the OS credential store) or file (config.json)')
        .choices(['keyring', 'file'] as const)
        .makeOptionMandatory(),
    )
    .description("move a profile's secrets to the OS keyring or into config.json, leaving no copy behind")
    .action((name, options) =>
      app.run(async () => {
        const result = await moveProfile({ name, to: options.to }, app.deps);
        const ui = await app.ui();
        const where =
          result.to === 'keyring'
            ? `the OS keyring (service ${KEYRING_SERVICE}, account "${keyringAccount(result.profile, configKey(result.location))}"); ` +
              `${result.location} keeps its metadata`
            : result.location;
        if (!result.moved)
          ui.info(
            `Profile "${sanitizeForTerminal(result.profile)}" already keeps its secrets in ${where}; nothing to do.`,
          );
        else ui.success(`Profile "${sanitizeForTerminal(result.profile)}" moved: its secrets are now in ${where}.`);
      }),
    );
}
