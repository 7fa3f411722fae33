import { accessSync, constants, readFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { Env } from '../env.js';

/**
 * Where the tool runs, as far as opening a browser goes. The usual reasons a login "just hangs" are a browser that
 * cannot open (SSH, a container, a server with no display) or one that opens on another machine; knowing which
 * lets login print the address and the fix instead of waiting in vain.
 */
export interface RunEnvironment {
  ssh: boolean;
  wsl: boolean;
  ci: boolean;
  display: boolean;
  /** Whether the system's opener can show a browser to the user. */
  canOpenBrowser: boolean;
  /** Why not, when it cannot. */
  reason: string;
}

function isTruthy(value: string | undefined): boolean {
  return value !== undefined && value !== '' && value !== '0' && value.toLowerCase() !== 'false';
}

function readProcVersion(): string {
  try {
    return readFileSync('/proc/version', 'utf8');
  } catch {
    return '';
  }
}

export function detectEnvironment(
  env: Env,
  platform: NodeJS.Platform = process.platform,
  procVersion: () => string = readProcVersion,
): RunEnvironment {
  const ssh = Boolean(env['SSH_CONNECTION'] || env['SSH_TTY'] || env['SSH_CLIENT']);
  const wsl =
    platform === 'linux' && Boolean(env['WSL_DISTRO_NAME'] || env['WSL_INTEROP'] || /microsoft/i.test(procVersion()));
  const ci = isTruthy(env['CI']);
  const x11 = Boolean(env['DISPLAY'] || env['WAYLAND_DISPLAY']);
  const display = x11 || wsl || (!ssh && (platform === 'darwin' || platform === 'win32'));
  let reason = '';
  // Over SSH, a browser would open (if at all) on the remote machine, not in front of the user.
  if (ssh && !x11) reason = 'an SSH session without a display';
  else if (!display) reason = 'no DISPLAY or WAYLAND_DISPLAY, so only a text browser could open';
  return { ssh, wsl, ci, display, canOpenBrowser: reason === '', reason };
}

/** The full path of an executable on PATH, if there is one. */
export function findOnPath(name: string, env: Env): string | undefined {
  for (const dir of (env['PATH'] ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}
