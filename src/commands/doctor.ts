import { chmodSync, existsSync, readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { lookup } from 'node:dns/promises';
import { createServer } from 'node:net';
import type { Deps } from '../deps.js';
import { httpTimeoutMs } from '../http.js';
import { detectEnvironment, findOnPath } from '../login/environment.js';
import { DEFAULT_API_URL, DEFAULT_AUTH_URL } from '../podio.js';
import { readConfig, type ConfigData, type ProfileRecord } from '../store/config-file.js';
import { resolveProfileName } from '../store/store.js';
import type { CommandContext } from './context.js';
import { describeExpiry } from './status.js';

/**
 * A checklist of everything a login and a refresh depend on, with a hint under each failure. Exit 0 when nothing
 * failed (warnings and notes do not count), 1 otherwise.
 */

export interface DoctorOptions {
  json?: boolean;
  fix?: boolean;
  port?: number;
}

export type CheckStatus = 'ok' | 'warn' | 'fail' | 'info';

export interface Check {
  name: string;
  status: CheckStatus;
  detail: string;
  hint?: string;
}

const REFRESH_TOKEN_DAYS = 28;

function check(name: string, status: CheckStatus, detail: string, hint?: string): Check {
  return hint === undefined ? { name, status, detail } : { name, status, detail, hint };
}

function mode(path: string): number {
  return statSync(path).mode & 0o777;
}

function octal(value: number): string {
  return `0${value.toString(8).padStart(3, '0')}`;
}

export function checkNode(version: string): Check {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  const ok = major > 20 || (major === 20 && minor >= 19);
  return check('node', ok ? 'ok' : 'fail', `Node.js ${version}`, ok ? undefined : 'podio-auth needs Node.js 20.19 or newer.');
}

/** Directory 0700 and file 0600; with `fix`, tightens them first. */
function checkFiles(dir: string, file: string, fix: boolean): { checks: Check[]; config: ConfigData | undefined } {
  const checks: Check[] = [];
  if (!existsSync(dir)) {
    checks.push(check('config', 'info', `No config directory yet (${dir}): nobody has logged in here.`));
    return { checks, config: undefined };
  }
  const fixed: string[] = [];
  if (fix && process.platform !== 'win32') {
    if (mode(dir) !== 0o700) {
      chmodSync(dir, 0o700);
      fixed.push(dir);
    }
    if (existsSync(file) && mode(file) !== 0o600) {
      chmodSync(file, 0o600);
      fixed.push(file);
    }
  }
  const dirMode = mode(dir);
  checks.push(
    dirMode === 0o700
      ? check('config-dir', 'ok', `Config directory ${dir} (${octal(dirMode)})${fixed.includes(dir) ? ', fixed' : ''}`)
      : check('config-dir', 'fail', `Config directory ${dir} has mode ${octal(dirMode)}: others can look inside.`, `Run \`chmod 700 ${dir}\`, or \`podio-auth doctor --fix\`.`),
  );
  if (!existsSync(file)) {
    checks.push(check('config-file', 'info', `No config file yet (${file}).`));
    return { checks, config: undefined };
  }
  const fileMode = mode(file);
  checks.push(
    fileMode === 0o600
      ? check('config-file', 'ok', `Config file ${file} (${octal(fileMode)})${fixed.includes(file) ? ', fixed' : ''}`)
      : check('config-file', 'fail', `Config file ${file} has mode ${octal(fileMode)}: others can read your tokens.`, `Run \`chmod 600 ${file}\`, or \`podio-auth doctor --fix\`.`),
  );
  try {
    const config = readConfig(file);
    checks.push(check('config-parse', 'ok', `Config file parses (${Object.keys(config.profiles).length} profile(s))`));
    const lock = `${file}.lock`;
    if (existsSync(lock) && Date.now() - statSync(lock).mtimeMs > 120_000) {
      checks.push(check('lock', 'warn', `A lock file has been left behind: ${lock}`, 'If no podio-auth is running, delete it.'));
    }
    return { checks, config };
  } catch (error) {
    checks.push(check('config-parse', 'fail', (error as Error).message, 'Fix the file, or move it aside and log in again.'));
    return { checks, config: undefined };
  }
}

export function checkProfiles(config: ConfigData, now: Date): Check[] {
  const checks: Check[] = [];
  for (const [name, profile] of Object.entries(config.profiles)) {
    const label = `profile "${name}"`;
    if (!profile.client_id || !profile.client_secret) {
      checks.push(check(`profile:${name}`, 'fail', `${label} has no client id or secret.`, `Log in again: \`podio-auth login --profile ${name}\`.`));
      continue;
    }
    const expires = profile.expires_at ? Date.parse(profile.expires_at) : NaN;
    const access = Number.isFinite(expires)
      ? `access token ${expires > now.getTime() ? 'expires' : 'expired'} ${describeExpiry(profile.expires_at as string, now)}`
      : 'no access token';
    const redoable = Boolean(profile.app_id && profile.app_token);
    if (!profile.refresh_token) {
      const status = redoable || expires > now.getTime() ? 'ok' : 'fail';
      checks.push(check(`profile:${name}`, status, `${label}: ${access}, no refresh token${redoable ? ' (the app grant is redone when needed)' : ''}`, status === 'fail' ? `Log in again: \`podio-auth login --profile ${name}\`.` : undefined));
      continue;
    }
    const since = profile.refresh_obtained_at ?? profile.obtained_at;
    const ageDays = since ? (now.getTime() - Date.parse(since)) / 86_400_000 : NaN;
    const age = Number.isFinite(ageDays) ? `refresh token ${Math.floor(ageDays)} of ${REFRESH_TOKEN_DAYS} days old` : 'refresh token of unknown age';
    if (ageDays >= REFRESH_TOKEN_DAYS && !redoable) {
      checks.push(check(`profile:${name}`, 'fail', `${label}: ${access}, ${age}: Podio no longer accepts it.`, `Log in again: \`podio-auth login --profile ${name}\`.`));
    } else if (ageDays >= REFRESH_TOKEN_DAYS - 5 && !redoable) {
      checks.push(check(`profile:${name}`, 'warn', `${label}: ${access}, ${age}.`, 'It will expire soon; a refresh that rotates it, or a new login, starts it over.'));
    } else {
      checks.push(check(`profile:${name}`, 'ok', `${label}: ${access}, ${age}`));
    }
  }
  if (checks.length === 0) checks.push(check('profiles', 'info', 'No profiles: run `podio-auth login`.'));
  return checks;
}

function listen(host: string, port: number): Promise<NodeJS.ErrnoException | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', (error: NodeJS.ErrnoException) => resolve(error));
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(undefined)));
  });
}

/** Which process listens on a TCP port, from Linux's /proc; undefined where the OS does not tell. */
export function processListeningOn(port: number): string | undefined {
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    if (!existsSync(table)) continue;
    for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      if (fields[3] === '0A' && parseInt(fields[1]?.split(':')[1] ?? '', 16) === port && fields[9]) inodes.add(fields[9]);
    }
  }
  if (inodes.size === 0) return undefined;
  for (const pid of readdirSync('/proc').filter((entry) => /^\d+$/.test(entry))) {
    try {
      for (const fd of readdirSync(`/proc/${pid}/fd`)) {
        const target = readlinkSync(`/proc/${pid}/fd/${fd}`);
        const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
        if (inode && inodes.has(inode)) return `${readFileSync(`/proc/${pid}/comm`, 'utf8').trim()} (pid ${pid})`;
      }
    } catch {
      // Not ours to look at, or gone.
    }
  }
  return undefined;
}

async function checkLoopback(port: number | undefined): Promise<Check[]> {
  const checks: Check[] = [];
  const v4 = await listen('127.0.0.1', 0);
  checks.push(v4 ? check('bind-ipv4', 'fail', `Cannot listen on 127.0.0.1 (${v4.code}).`, 'The login needs a loopback port for the browser to come back to.') : check('bind-ipv4', 'ok', 'Can listen on 127.0.0.1'));
  const v6 = await listen('::1', 0);
  checks.push(v6 ? check('bind-ipv6', 'warn', `Cannot listen on ::1 (${v6.code}).`, 'Fine if `localhost` resolves to 127.0.0.1 only.') : check('bind-ipv6', 'ok', 'Can listen on ::1'));
  if (port !== undefined) {
    const taken = await listen('127.0.0.1', port);
    if (!taken) checks.push(check('port', 'ok', `Port ${port} is free`));
    else {
      const holder = taken.code === 'EADDRINUSE' ? processListeningOn(port) : undefined;
      checks.push(check('port', 'fail', `Port ${port} is in use${holder ? ` by ${holder}` : ''} (${taken.code}).`, 'Choose another --port, or leave it out to use any free port.'));
    }
  }
  try {
    const addresses = (await lookup('localhost', { all: true })).map((entry) => entry.address);
    const loopback = addresses.every((address) => address === '::1' || address.startsWith('127.'));
    checks.push(
      loopback
        ? check('localhost', 'ok', `localhost resolves to ${addresses.join(', ')}`)
        : check('localhost', 'fail', `localhost resolves to ${addresses.join(', ')}, not only loopback.`, 'Fix /etc/hosts, or log in with --redirect-host 127.0.0.1 (and register that as the API key\'s domain).'),
    );
  } catch (error) {
    checks.push(check('localhost', 'fail', `localhost does not resolve (${(error as NodeJS.ErrnoException).code}).`, 'Add "127.0.0.1 localhost" to /etc/hosts.'));
  }
  return checks;
}

function checkBrowser(env: Deps['env']): Check[] {
  const where = detectEnvironment(env);
  const detected = [where.ssh && 'SSH', where.wsl && 'WSL', where.ci && 'CI'].filter(Boolean).join(', ');
  const checks = [check('environment', 'info', detected ? `Detected: ${detected}` : 'No SSH, WSL or CI detected')];
  let opener: string;
  if (where.ssh && !where.canOpenBrowser) opener = `none: ${where.reason}; login prints the address and an \`ssh -L\` line`;
  else if (env['BROWSER']) opener = `BROWSER (${env['BROWSER'].split(/\s+/)[0]})`;
  else if (!where.canOpenBrowser) opener = `none: ${where.reason}; login prints the address to open elsewhere`;
  else if (where.wsl) opener = findOnPath('wslview', env) ? 'wslview' : 'the Windows browser, through PowerShell';
  else if (process.platform === 'linux') opener = findOnPath('xdg-open', env) ? 'xdg-open' : "the `open` package's own xdg-open";
  else opener = 'the system opener';
  checks.push(check('browser', 'info', `Browser opener: ${opener}`));
  const proxies = ['HTTPS_PROXY', 'HTTP_PROXY', 'NO_PROXY']
    .map((name) => [name, env[name] ?? env[name.toLowerCase()]] as const)
    .filter(([, value]) => value)
    // A proxy URL may carry a password.
    .map(([name, value]) => `${name}=${String(value).replace(/\/\/[^@/]*@/, '//…@')}`);
  checks.push(check('proxy', 'info', proxies.length ? `Proxy: ${proxies.join(' ')}` : 'No proxy variables set'));
  return checks;
}

/** DNS, TLS, HTTP status and time for one origin, and the clock skew its Date header shows. */
async function checkOrigin(name: string, label: string, origin: string, deps: Deps): Promise<Check[]> {
  const url = new URL(origin);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  try {
    if (!/^[\d.]+$/.test(host) && !host.includes(':')) await lookup(host);
  } catch (error) {
    return [check(name, 'fail', `${label} ${origin}: the name does not resolve (${(error as NodeJS.ErrnoException).code}).`, 'Check your network and DNS, or the URL in PODIO_AUTH_URL / PODIO_API_URL.')];
  }
  const started = Date.now();
  try {
    const response = await deps.http({ method: 'GET', url: `${url.origin}/`, headers: { accept: '*/*' }, signal: deps.signal });
    const ms = Date.now() - started;
    const tls = url.protocol === 'https:' ? 'TLS ok, ' : '';
    const checks = [check(name, 'ok', `${label} ${origin}: ${tls}HTTP ${response.status} in ${ms} ms`)];
    const date = response.headers['date'] ? Date.parse(response.headers['date']) : NaN;
    if (Number.isFinite(date)) {
      const skew = Math.round((deps.now().getTime() - date) / 1000);
      if (Math.abs(skew) > 300) {
        checks.push(check(`${name}-clock`, 'warn', `This clock is ${Math.abs(skew)} s ${skew > 0 ? 'ahead of' : 'behind'} ${url.host}.`, 'Token expiry is judged by this clock: set it right (NTP).'));
      }
    }
    return checks;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return [check(name, 'fail', `${label} ${origin}: ${message}`, 'Check your network and proxy (HTTPS_PROXY, NO_PROXY), or the URL in PODIO_AUTH_URL / PODIO_API_URL.')];
  }
}

export async function runDoctor(options: DoctorOptions, ctx: CommandContext): Promise<number> {
  const { deps, store } = ctx;
  const { checks: fileChecks, config } = checkFiles(store.dir, store.file, Boolean(options.fix));
  let profile: ProfileRecord | undefined;
  try {
    profile = config ? config.profiles[resolveProfileName(undefined, deps.env, config)] : undefined;
  } catch {
    // A bad PODIO_PROFILE: the origins fall back to the environment and Podio's own.
  }
  const authUrl = deps.env['PODIO_AUTH_URL'] || profile?.auth_url || DEFAULT_AUTH_URL;
  const apiUrl = deps.env['PODIO_API_URL'] || profile?.api_url || DEFAULT_API_URL;
  const [loopback, auth, api] = await Promise.all([
    checkLoopback(options.port),
    checkOrigin('authorize-origin', 'Authorize page', authUrl, deps),
    checkOrigin('api-origin', 'API', apiUrl, deps),
  ]);
  const checks = [
    checkNode(process.versions.node),
    ...fileChecks,
    ...(config ? checkProfiles(config, deps.now()) : []),
    ...loopback,
    ...checkBrowser(deps.env),
    ...auth,
    ...api,
  ];
  const ok = checks.every((item) => item.status !== 'fail');
  if (options.json) {
    deps.stdout.write(`${JSON.stringify({ ok, http_timeout_ms: httpTimeoutMs(deps.env), checks }, null, 2)}\n`);
  } else {
    const ui = await ctx.ui();
    const marks: Record<CheckStatus, string> = { ok: '✓', warn: '!', fail: '✗', info: '·' };
    const lines = checks.flatMap((item) => [`${marks[item.status]} ${item.detail}`, ...(item.hint ? [`    ${item.hint}`] : [])]);
    deps.stdout.write(`${lines.join('\n')}\n`);
    const failures = checks.filter((item) => item.status === 'fail').length;
    if (failures) ui.error(`${failures} check(s) failed.`);
  }
  return ok ? 0 : 1;
}
