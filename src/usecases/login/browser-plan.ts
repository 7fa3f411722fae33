import { hostname } from 'node:os';
import type { Deps } from '../../deps.js';
import { usageError } from '../../errors.js';
import type { BrowserPlan } from '../../login/browser-login.js';
import { detectEnvironment } from '../../platform/environment.js';

/**
 * Whether to open a browser, decided before anything else so that a CI job without one fails at once instead of
 * waiting out the timeout. --no-browser always prints. Over SSH without a display nothing is opened, not even
 * BROWSER: it would open on this machine, not in front of the user. Elsewhere BROWSER is honoured.
 */
export function planBrowser(open: boolean, deps: Pick<Deps, 'env' | 'stdin'>): BrowserPlan {
  const where = detectEnvironment(deps.env);
  const sshHint = where.ssh ? { sshHint: sshTarget(deps.env) } : {};
  if (!open) return { open: false, ...sshHint };
  if (where.ssh && !where.canOpenBrowser) return { open: false, reason: where.reason, ...sshHint };
  if (deps.env['BROWSER']?.trim()) return { open: true };
  if (where.ci && !deps.stdin.isTTY) {
    throw usageError(
      'The browser login needs a browser, and this is a CI job (CI is set, no terminal, no BROWSER).',
      'In CI use env-only mode (the variables from `podio-auth export`) or an app login (`podio-auth login --app <app_id>`).',
    );
  }
  if (!where.canOpenBrowser) return { open: false, reason: where.reason, ...sshHint };
  return { open: true };
}

/** Who to `ssh -L` to: the address the SSH client connected to, as the server saw it, else this host's name. */
function sshTarget(env: Deps['env']): { user: string; host: string } {
  const serverAddress = env['SSH_CONNECTION']?.trim().split(/\s+/)[2];
  return { user: env['USER'] || env['LOGNAME'] || 'you', host: serverAddress || hostname() };
}
