import type { Env } from '../../env.js';
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
