import type { Env } from '../../env.js';
import { PodioAuthError } from '../../errors.js';
import { keyringTimeoutMs, redisLeaseMs } from '../../store/open-store.js';
import { type Check, check } from './check.js';
import type { DoctorProbes } from './probes.js';

/** Where podio-auth runs (SSH, WSL, CI) and how login would open a browser there: the usual reason a login hangs. */

export type EnvironmentProbes = Pick<DoctorProbes, 'detectEnvironment' | 'findOnPath' | 'platform'>;

export function checkEnvironment(env: Env, probes: EnvironmentProbes): Check[] {
  const where = probes.detectEnvironment(env);
  const detected = [where.ssh && 'SSH', where.wsl && 'WSL', where.ci && 'CI'].filter(Boolean).join(', ');
  let opener: string;
  if (where.ssh && !where.canOpenBrowser) {
    opener = `none: ${where.reason}; login prints the address and an \`ssh -L\` line`;
  } else if (env['BROWSER']) opener = `BROWSER (${env['BROWSER'].split(/\s+/)[0]})`;
  else if (!where.canOpenBrowser) opener = `none: ${where.reason}; login prints the address to open elsewhere`;
  else if (where.wsl) {
    opener = probes.findOnPath('wslview', env) ? 'wslview' : 'the Windows browser, through PowerShell';
  } else if (probes.platform === 'linux') {
    opener = probes.findOnPath('xdg-open', env) ? 'xdg-open' : "the `open` package's own xdg-open";
  } else opener = 'the system opener';
  return [
    check('environment', 'info', detected ? `Detected: ${detected}` : 'No SSH, WSL or CI detected'),
    check('browser', 'info', `Browser opener: ${opener}`),
  ];
}

/**
 * Settings read only by the store that uses them (the keyring's timeout, the Redis lease): a command on another
 * store never meets a wrong one, and doctor says so before one does. (The others stop every command at its start.)
 */
export function checkSettings(env: Env): Check[] {
  const failures: Check[] = [];
  for (const read of [keyringTimeoutMs, redisLeaseMs]) {
    try {
      read(env);
    } catch (error) {
      if (!(error instanceof PodioAuthError)) throw error;
      failures.push(check('settings', 'fail', error.message, error.hint));
    }
  }
  return failures;
}
