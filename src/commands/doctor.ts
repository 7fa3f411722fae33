import type { Command } from '@commander-js/extra-typings';
import { sanitizeForTerminal } from '../domain/terminal-text.js';
import { PodioAuthError } from '../errors.js';
import { httpTimeoutMs } from '../http.js';
import type { KeyringVault } from '../store/keyring/vault.js';
import { openKeyringVault } from '../store/open-store.js';
import { type CheckStatus, LEFT_ALONE } from '../usecases/doctor/check.js';
import { type App, integer, jsonOption, tokenDeps } from './shared.js';

const MARKS: Record<CheckStatus, string> = { ok: '✓', warn: '!', fail: '✗', info: '·' };

export function registerDoctor(program: Command, app: App): void {
  program
    .command('doctor')
    .description('check everything a login and a refresh depend on, with a hint for each problem')
    .addOption(jsonOption('the checks'))
    .option(
      '--fix',
      "tighten loose modes of the config directory and file (yours, not links); remove this directory's keyring entries that no profile owns",
    )
    .option('--port <n>', 'also check that this callback port is free', integer('--port', 1, 65535))
    .action((options) =>
      app.run(async () => {
        const [{ runDoctor }, { realDoctorProbes }] = await Promise.all([
          import('../usecases/doctor/run-doctor.js'),
          import('../usecases/doctor/real-probes.js'),
        ]);
        let keyring: Promise<KeyringVault> | undefined;
        // Loaded and started only if doctor finds the keyring in use.
        const openKeyring = (): Promise<KeyringVault> => {
          keyring ??= openKeyringVault(app.deps.env);
          return keyring;
        };
        const deps = { ...tokenDeps(app), resolve: app.deps.resolve, monotonic: app.deps.monotonic, openKeyring };
        const report = await runDoctor(
          options,
          { ...deps, probes: realDoctorProbes() },
          httpTimeoutMs(app.deps.env),
        ).finally(async () => (await keyring?.catch(() => undefined))?.close());
        if (options.json) {
          await app.out(
            `${JSON.stringify({ ok: report.ok, http_timeout_ms: report.httpTimeoutMs, checks: report.checks }, null, 2)}\n`,
          );
        } else {
          // What --fix left alone is a message to the person, not part of the checklist.
          const skipped = report.checks.filter((item) => item.name === LEFT_ALONE);
          if (skipped.length > 0) {
            const ui = await app.ui();
            for (const item of skipped) {
              const detail = sanitizeForTerminal(item.detail, 2_000);
              ui.warn(item.hint ? `${detail}\n    ${sanitizeForTerminal(item.hint, 2_000)}` : detail);
            }
          }
          // A detail may name a profile, a path or a server's answer: each is one line, escaped.
          const lines = report.checks
            .filter((item) => item.name !== LEFT_ALONE)
            .flatMap((item) => [
              `${MARKS[item.status]} ${sanitizeForTerminal(item.detail, 2_000)}`,
              ...(item.hint ? [`    ${sanitizeForTerminal(item.hint, 2_000)}`] : []),
            ]);
          await app.out(`${lines.join('\n')}\n`);
        }
        const failures = report.checks.filter((item) => item.status === 'fail').length;
        if (failures > 0) {
          throw new PodioAuthError('checks_failed', `${failures} check(s) failed.`, {
            hint: 'See the hint under each ✗ above.',
          });
        }
      }),
    );
}
