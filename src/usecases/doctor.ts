import { existsSync, readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import type { Deps } from '../deps.js';
import type { ProfileRecord } from '../domain/profile.js';
import { PodioAuthError } from '../errors.js';
import { detectEnvironment, findOnPath } from '../platform/environment.js';
import { NODE_RELEASE_LINES, newestLts, TESTED_NODE_MAJORS } from '../platform/node-releases.js';
import { apiOriginFor, authOriginFor, REFRESH_TOKEN_DAYS } from '../podio/origins.js';
import { fetchGrantedScope } from '../podio/user-api.js';
import { realTarget } from '../store/atomic-write.js';
import { type ConfigDocument, configFileIn, defaultConfigDir, readConfigFile } from '../store/config-file.js';
import { isRedisStore, type RedisStoreHandle } from '../store/open-store.js';
import type { StoreSnapshot } from '../store/port.js';
import { resolveProfileName } from '../store/profile-names.js';
import type { LockState, Persistence } from '../store/redis/diagnostics.js';
import { describeExpiry } from '../ui/format.js';
import { type Check, type CheckStatus, check } from './doctor-check.js';
import { octal, tightenMode } from './doctor-files.js';
import { checkKeyring, type KeyringDeps } from './doctor-keyring.js';
import type { TokenDeps } from './get-token.js';

export type { KeyringEntries } from './doctor-keyring.js';
export type { Check, CheckStatus };

import { withToken } from './with-token.js';

/**
 * A checklist of everything a login and a refresh depend on, with a hint under each failure. The command exits 0
 * when nothing failed (warnings and notes do not count), 1 otherwise.
 */

export interface DoctorInput {
  fix?: boolean | undefined;
  port?: number | undefined;
}

export interface DoctorReport {
  ok: boolean;
  httpTimeoutMs: number;
  checks: Check[];
}

function mode(path: string): number {
  return statSync(path).mode & 0o777;
}

/**
 * The running Node: too old to run podio-auth (fail), past its end of life (warn, with the LTS to move to), or a
 * line the tests never ran on (a note).
 */
export function checkNode(version: string, now: Date): Check {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  const detail = `Node.js ${version}`;
  if (major < 20 || (major === 20 && minor < 19)) {
    return check('node', 'fail', detail, 'podio-auth needs Node.js 20.19 or newer.');
  }
  const line = NODE_RELEASE_LINES.find((known) => known.major === major);
  const day = now.toISOString().slice(0, 10);
  if (line && line.endOfLife <= day) {
    const lts = newestLts(now);
    const moveTo = lts ? `Move to Node.js ${lts.major}, the current LTS.` : 'Move to a current Node.js LTS.';
    return check('node', 'warn', `${detail}: this line reached its end of life on ${line.endOfLife}.`, moveTo);
  }
  if (!TESTED_NODE_MAJORS.includes(major)) {
    const tested = TESTED_NODE_MAJORS.join(', ');
    return check('node', 'info', `${detail}: podio-auth is not tested on Node.js ${major} (tested: ${tested}).`);
  }
  return check('node', 'ok', detail);
}

/** Directory 0700 and file 0600; with `fix`, tightens them first. */
function checkFiles(
  dir: string,
  file: string,
  fix: boolean,
  now: Date,
): { checks: Check[]; config: ConfigDocument | undefined } {
  const checks: Check[] = [];
  if (!existsSync(dir)) {
    checks.push(check('config', 'info', `No config directory yet (${dir}): nobody has logged in here.`));
    return { checks, config: undefined };
  }
  const fixed: string[] = [];
  if (fix && process.platform !== 'win32') {
    for (const [path, wanted, kind] of [
      [dir, 0o700, 'dir'],
      [file, 0o600, 'file'],
    ] as const) {
      const outcome = tightenMode(path, wanted, kind);
      if (outcome.fixed) fixed.push(path);
      checks.push(...outcome.checks);
    }
  }
  const dirMode = mode(dir);
  checks.push(
    dirMode === 0o700
      ? check('config-dir', 'ok', `Config directory ${dir} (${octal(dirMode)})${fixed.includes(dir) ? ', fixed' : ''}`)
      : check(
          'config-dir',
          'fail',
          `Config directory ${dir} has mode ${octal(dirMode)}: others can look inside.`,
          `Run \`chmod 700 ${dir}\`, or \`podio-auth doctor --fix\`.`,
        ),
  );
  if (!existsSync(file)) {
    checks.push(check('config-file', 'info', `No config file yet (${file}).`));
    return { checks, config: undefined };
  }
  if (!statSync(file).isFile()) {
    checks.push(
      check(
        'config-file',
        'fail',
        `Config file ${file} is not a regular file.`,
        'Move it aside, then run `podio-auth login` again.',
      ),
    );
    return { checks, config: undefined };
  }
  const fileMode = mode(file);
  checks.push(
    fileMode === 0o600
      ? check('config-file', 'ok', `Config file ${file} (${octal(fileMode)})${fixed.includes(file) ? ', fixed' : ''}`)
      : check(
          'config-file',
          'fail',
          `Config file ${file} has mode ${octal(fileMode)}: others can read your tokens.`,
          `Run \`chmod 600 ${file}\`, or \`podio-auth doctor --fix\`.`,
        ),
  );
  try {
    const config = readConfigFile(file);
    checks.push(check('config-parse', 'ok', `Config file parses (${config.profiles.size} profile(s))`));
    const lock = `${realTarget(file)}.lock`;
    // Holders touch the lock every second; one that has been still for a while is abandoned (and is broken by
    // the next refresh anyway).
    if (existsSync(lock)) {
      const still = now.getTime() - statSync(lock).mtimeMs;
      checks.push(
        still > 30_000
          ? check(
              'lock',
              'warn',
              `A lock file has been left behind: ${lock}`,
              'The next refresh takes it over; nothing to do.',
            )
          : check('lock', 'info', `Another podio-auth holds the lock right now (${lock}).`),
      );
    }
    return { checks, config };
  } catch (error) {
    checks.push(
      check('config-parse', 'fail', (error as Error).message, 'Fix the file, or move it aside and log in again.'),
    );
    return { checks, config: undefined };
  }
}

/** `inStore`: where the profiles were read from, when their records do not say (those kept in Redis). */
export function checkProfiles(profiles: ReadonlyMap<string, ProfileRecord>, now: Date, inStore?: string): Check[] {
  const checks: Check[] = [];
  for (const [name, profile] of profiles) {
    const label = `profile "${name}" (${inStore ?? profile.store ?? 'file'})`;
    if (profile.store === 'redis') {
      checks.push(check(`profile:${name}`, 'info', `${label}: kept in Redis at ${profile.redis_url ?? '(no URL)'}.`));
      continue;
    }
    if (!profile.expires_at && !profile.refresh_token && !profile.access_token) {
      checks.push(
        check(`profile:${name}`, 'info', `${label}: logged out.`, `Log in: \`podio-auth login --profile ${name}\`.`),
      );
      continue;
    }
    if (!profile.client_id || (!profile.client_secret && profile.store !== 'keyring')) {
      checks.push(
        check(
          `profile:${name}`,
          'fail',
          `${label} has no client id or secret.`,
          `Log in again: \`podio-auth login --profile ${name}\`.`,
        ),
      );
      continue;
    }
    const expires = profile.expires_at ? Date.parse(profile.expires_at) : NaN;
    const access = Number.isFinite(expires)
      ? `access token ${expires > now.getTime() ? 'expires' : 'expired'} ${describeExpiry(profile.expires_at ?? '', now) ?? ''}`
      : 'no access token';
    const redoable = Boolean(profile.app_id && (profile.app_token || profile.store === 'keyring'));
    if (!profile.refresh_token && profile.store !== 'keyring') {
      const status = redoable || expires > now.getTime() ? 'ok' : 'fail';
      checks.push(
        check(
          `profile:${name}`,
          status,
          `${label}: ${access}, no refresh token${redoable ? ' (the app grant is redone when needed)' : ''}`,
          status === 'fail' ? `Log in again: \`podio-auth login --profile ${name}\`.` : undefined,
        ),
      );
      continue;
    }
    const since = profile.refresh_obtained_at ?? profile.obtained_at;
    const ageDays = since ? (now.getTime() - Date.parse(since)) / 86_400_000 : NaN;
    const age = Number.isFinite(ageDays)
      ? `refresh token ${Math.max(0, Math.floor(ageDays))} of ${REFRESH_TOKEN_DAYS} days old`
      : 'refresh token of unknown age';
    // More than an hour ahead is no clock skew: the clock was put back, or the date written by hand.
    if (ageDays < -1 / 24) {
      checks.push(
        check(
          `profile:${name}`,
          'warn',
          `${label}: ${access}, refresh token dated ${since} (in the future).`,
          "Check this machine's clock; a new login dates it again.",
        ),
      );
    } else if (ageDays >= REFRESH_TOKEN_DAYS && !redoable) {
      checks.push(
        check(
          `profile:${name}`,
          'fail',
          `${label}: ${access}, ${age}: Podio no longer accepts it.`,
          `Log in again: \`podio-auth login --profile ${name}\`.`,
        ),
      );
    } else if (ageDays >= REFRESH_TOKEN_DAYS - 5 && !redoable) {
      checks.push(
        check(
          `profile:${name}`,
          'warn',
          `${label}: ${access}, ${age}.`,
          'It will expire soon; a refresh that rotates it, or a new login, starts it over.',
        ),
      );
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

/**
 * What a process runs: its executable, else the first word of its command line. Not `comm`: since Node 24 that is
 * the name of the main thread (`MainThread`), not of the program.
 */
function executableOf(pid: string): string {
  try {
    return readlinkSync(`/proc/${pid}/exe`);
  } catch {
    // Another user's process, where this one may not look: its command line is readable.
    const first = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0];
    return first || 'an unknown program';
  }
}

/** Which process listens on a TCP port, from Linux's /proc; undefined where the OS does not tell. */
export function processListeningOn(port: number): string | undefined {
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    if (!existsSync(table)) continue;
    for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      if (fields[3] === '0A' && parseInt(fields[1]?.split(':')[1] ?? '', 16) === port && fields[9])
        inodes.add(fields[9]);
    }
  }
  if (inodes.size === 0) return undefined;
  for (const pid of readdirSync('/proc').filter((entry) => /^\d+$/.test(entry))) {
    try {
      for (const fd of readdirSync(`/proc/${pid}/fd`)) {
        const target = readlinkSync(`/proc/${pid}/fd/${fd}`);
        const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
        if (inode && inodes.has(inode)) return `${executableOf(pid)} (pid ${pid})`;
      }
    } catch {
      // Not ours to look at, or gone.
    }
  }
  return undefined;
}

async function checkLoopback(port: number | undefined, resolve: Deps['resolve']): Promise<Check[]> {
  const checks: Check[] = [];
  const v4 = await listen('127.0.0.1', 0);
  checks.push(
    v4
      ? check(
          'bind-ipv4',
          'fail',
          `Cannot listen on 127.0.0.1 (${v4.code}).`,
          'The login needs a loopback port for the browser to come back to.',
        )
      : check('bind-ipv4', 'ok', 'Can listen on 127.0.0.1'),
  );
  const v6 = await listen('::1', 0);
  checks.push(
    v6
      ? check(
          'bind-ipv6',
          'warn',
          `Cannot listen on ::1 (${v6.code}).`,
          'Fine if `localhost` resolves to 127.0.0.1 only.',
        )
      : check('bind-ipv6', 'ok', 'Can listen on ::1'),
  );
  if (port !== undefined) {
    const taken = await listen('127.0.0.1', port);
    if (!taken) checks.push(check('port', 'ok', `Port ${port} is free`));
    else {
      const holder = taken.code === 'EADDRINUSE' ? processListeningOn(port) : undefined;
      checks.push(
        check(
          'port',
          'fail',
          `Port ${port} is in use${holder ? ` by ${holder}` : ''} (${taken.code}).`,
          'Choose another --port, or leave it out to use any free port.',
        ),
      );
    }
  }
  try {
    const addresses = await resolve('localhost');
    const loopback = addresses.every((address) => address === '::1' || address.startsWith('127.'));
    checks.push(
      loopback
        ? check('localhost', 'ok', `localhost resolves to ${addresses.join(', ')}`)
        : check(
            'localhost',
            'fail',
            `localhost resolves to ${addresses.join(', ')}, not only loopback.`,
            "Fix /etc/hosts, or log in with --redirect-host 127.0.0.1 (and register that as the API key's domain).",
          ),
    );
  } catch (error) {
    checks.push(
      check(
        'localhost',
        'fail',
        `localhost does not resolve (${(error as NodeJS.ErrnoException).code}).`,
        'Add "127.0.0.1 localhost" to /etc/hosts.',
      ),
    );
  }
  return checks;
}

function checkBrowser(env: Deps['env']): Check[] {
  const where = detectEnvironment(env);
  const detected = [where.ssh && 'SSH', where.wsl && 'WSL', where.ci && 'CI'].filter(Boolean).join(', ');
  const checks = [check('environment', 'info', detected ? `Detected: ${detected}` : 'No SSH, WSL or CI detected')];
  let opener: string;
  if (where.ssh && !where.canOpenBrowser)
    opener = `none: ${where.reason}; login prints the address and an \`ssh -L\` line`;
  else if (env['BROWSER']) opener = `BROWSER (${env['BROWSER'].split(/\s+/)[0]})`;
  else if (!where.canOpenBrowser) opener = `none: ${where.reason}; login prints the address to open elsewhere`;
  else if (where.wsl) opener = findOnPath('wslview', env) ? 'wslview' : 'the Windows browser, through PowerShell';
  else if (process.platform === 'linux')
    opener = findOnPath('xdg-open', env) ? 'xdg-open' : "the `open` package's own xdg-open";
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
async function checkOrigin(name: string, label: string, origin: string, deps: DoctorDeps): Promise<Check[]> {
  const url = new URL(origin);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  try {
    if (!/^[\d.]+$/.test(host) && !host.includes(':')) await deps.resolve(host);
  } catch (error) {
    return [
      check(
        name,
        'fail',
        `${label} ${origin}: the name does not resolve (${(error as NodeJS.ErrnoException).code}).`,
        'Check your network and DNS, or the URL in PODIO_AUTH_URL / PODIO_API_URL.',
      ),
    ];
  }
  const started = deps.monotonic();
  try {
    const response = await deps.http({
      method: 'GET',
      url: `${url.origin}/`,
      headers: { accept: '*/*' },
      signal: deps.signal,
    });
    const ms = Math.round(deps.monotonic() - started);
    const tls = url.protocol === 'https:' ? 'TLS ok, ' : '';
    const checks = [check(name, 'ok', `${label} ${origin}: ${tls}HTTP ${response.status} in ${ms} ms`)];
    const date = response.headers['date'] ? Date.parse(response.headers['date']) : NaN;
    if (Number.isFinite(date)) {
      const skew = Math.round((deps.now().getTime() - date) / 1000);
      if (Math.abs(skew) > 300) {
        checks.push(
          check(
            `${name}-clock`,
            'warn',
            `This clock is ${Math.abs(skew)} s ${skew > 0 ? 'ahead of' : 'behind'} ${url.host}.`,
            'Token expiry is judged by this clock: set it right (NTP).',
          ),
        );
      }
    }
    return checks;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return [
      check(
        name,
        'fail',
        `${label} ${origin}: ${message}`,
        'Check your network and proxy (HTTPS_PROXY, NO_PROXY), or the URL in PODIO_AUTH_URL / PODIO_API_URL.',
      ),
    ];
  }
}

export type DoctorDeps = TokenDeps & Pick<Deps, 'resolve' | 'monotonic'> & KeyringDeps;

/** Whether Podio takes the stored login: a call with its token (refreshed first, and again on `expired_token`). */
async function checkLogin(deps: DoctorDeps, profileName: string, apiOrigin: string): Promise<Check> {
  try {
    const { result } = await withToken({ profile: profileName }, deps, ({ tokens }) =>
      fetchGrantedScope(deps.http, apiOrigin, tokens.accessToken, deps.signal),
    );
    return check(
      'login',
      'ok',
      `Podio accepts the login of profile "${profileName}"${result?.length ? ` (scope ${result.join(' ')})` : ''}`,
    );
  } catch (error) {
    if (!(error instanceof PodioAuthError)) throw error;
    return check('login', 'fail', `The login of profile "${profileName}" does not work: ${error.message}`, error.hint);
  }
}

export async function runDoctor(input: DoctorInput, deps: DoctorDeps, httpTimeoutMs: number): Promise<DoctorReport> {
  const dir = defaultConfigDir(deps.env);
  const file = configFileIn(dir);
  const now = deps.now();
  const { checks: fileChecks, config } = checkFiles(dir, file, Boolean(input.fix), now);
  let profileName: string | undefined;
  let profile: ProfileRecord | undefined;
  try {
    profileName = resolveProfileName(undefined, deps.env, config?.defaultProfile);
    profile = config?.profiles.get(profileName);
  } catch {
    // A bad PODIO_PROFILE: the origins fall back to the environment and Podio's own.
  }
  const redis = await checkRedis(deps, config, profileName);
  profile = redis.current ?? profile;
  const origin = (which: 'auth' | 'api'): string | Check => {
    try {
      return which === 'auth' ? authOriginFor(profile, deps.env) : apiOriginFor(profile, deps.env);
    } catch (error) {
      return check(
        `${which}-origin`,
        'fail',
        (error as Error).message,
        'Fix PODIO_AUTH_URL / PODIO_API_URL, or the profile.',
      );
    }
  };
  const authUrl = origin('auth');
  const apiUrl = origin('api');
  const [loopback, auth, api] = await Promise.all([
    checkLoopback(input.port, deps.resolve),
    typeof authUrl === 'string' ? checkOrigin('authorize-origin', 'Authorize page', authUrl, deps) : [authUrl],
    typeof apiUrl === 'string' ? checkOrigin('api-origin', 'API', apiUrl, deps) : [apiUrl],
  ]);
  const keyring = await checkKeyring(config, file, Boolean(input.fix), deps);
  const loginCheck =
    profile && profileName && typeof apiUrl === 'string' && (profile.expires_at || profile.refresh_token)
      ? [await checkLogin(deps, profileName, apiUrl)]
      : [];
  const checks = [
    checkNode(process.versions.node, now),
    ...fileChecks,
    ...(config ? localProfileChecks(config.profiles, now) : []),
    ...keyring,
    ...redis.checks,
    ...loopback,
    ...checkBrowser(deps.env),
    ...auth,
    ...api,
    ...loginCheck,
  ];
  return { ok: checks.every((item) => item.status !== 'fail'), httpTimeoutMs, checks };
}

// Redis: the stores profiles live in when PODIO_AUTH_STORE names a server, or a pointer left by
// `login --store redis://…` does.

const ROUND_TRIPS = 5;
const ACL_HINT =
  "Give the user these commands on the prefix's keys (see docs/redis.md): " +
  'ACL SETUSER <user> on ><password> resetkeys ~<prefix>* resetchannels -@all +ping +select +get +set +del +sadd ' +
  '+srem +smembers +pexpire +pttl +eval';

/** The profiles that live here; pointers to Redis are checked where they lead, in the Redis section. */
function localProfileChecks(profiles: ReadonlyMap<string, ProfileRecord>, now: Date): Check[] {
  const local = new Map([...profiles].filter(([, record]) => !(record.store === 'redis' && record.redis_url)));
  return local.size === 0 && profiles.size > 0 ? [] : checkProfiles(local, now);
}

/**
 * For each Redis store in use: whether it answers and in how long (the median of a few PINGs), whether it lets
 * this user in and lets it read and write under the prefix, whether its data survives a restart, who holds the
 * fleet-wide lock, and the profiles this machine uses there. Returns the current profile if Redis holds it, so that
 * the origins and the login check are the ones it uses.
 */
async function checkRedis(
  deps: DoctorDeps,
  config: ConfigDocument | undefined,
  current: string | undefined,
): Promise<{ checks: Check[]; current: ProfileRecord | undefined }> {
  const stores = new Map<RedisStoreHandle, string[] | 'all'>();
  if (isRedisStore(deps.store)) stores.set(deps.store, 'all');
  else {
    for (const [name, record] of config?.profiles ?? []) {
      if (record.store !== 'redis' || !record.redis_url) continue;
      const holder = await deps.store.storeFor(name, deps.signal);
      if (!isRedisStore(holder)) continue;
      const names = stores.get(holder);
      stores.set(holder, names === 'all' ? names : [...(names ?? []), name]);
    }
  }
  const checks: Check[] = [];
  let currentProfile: ProfileRecord | undefined;
  for (const [store, names] of stores) {
    const found = await checkRedisStore(store, names, deps);
    checks.push(...found.checks);
    if (current !== undefined && (names === 'all' || names.includes(current))) {
      currentProfile ??= found.profiles?.get(current);
    }
  }
  return { checks, current: currentProfile };
}

async function checkRedisStore(
  store: RedisStoreHandle,
  names: string[] | 'all',
  deps: DoctorDeps,
): Promise<{ checks: Check[]; profiles: ReadonlyMap<string, ProfileRecord> | undefined }> {
  const where = `Redis ${store.location}`;
  const failed = (error: unknown): Check => {
    if (!(error instanceof PodioAuthError)) throw error;
    const name = error.code === 'redis_auth' ? 'redis-auth' : 'redis';
    return check(name, 'fail', `${where}: ${error.message}`, error.hint);
  };
  const checks: Check[] = [];
  const times: number[] = [];
  try {
    // The first PING opens the connection (and logs in): it is not a round trip, so it is not counted.
    await store.ping(deps.signal);
    for (let i = 0; i < ROUND_TRIPS; i++) times.push(await store.ping(deps.signal));
  } catch (error) {
    return { checks: [failed(error)], profiles: undefined };
  }
  const median = [...times].sort((a, b) => a - b)[Math.floor(times.length / 2)] ?? 0;
  checks.push(
    check('redis', 'ok', `${where}: answers, round trip ${median.toFixed(1)} ms (median of ${ROUND_TRIPS} PINGs)`),
  );
  checks.push(
    store.user === undefined
      ? check(
          'redis-auth',
          'warn',
          `${where}: no password is sent, and the server lets anyone who reaches it read every login in it.`,
          'Set a password (an ACL user limited to the prefix), and give it in PODIO_AUTH_REDIS_PASSWORD.',
        )
      : check('redis-auth', 'ok', `${where}: logged in as user "${store.user}"`),
  );

  let snapshot: StoreSnapshot;
  try {
    snapshot = await store.read(deps.signal);
    await store.checkWritable(deps.signal, 'file');
  } catch (error) {
    const failure = failed(error);
    return {
      checks: [...checks, { ...failure, name: 'redis-acl', hint: failure.hint ?? ACL_HINT }],
      profiles: undefined,
    };
  }
  checks.push(
    check(
      'redis-acl',
      'ok',
      `${where}: reads and writes under the prefix "${store.prefix}" (${snapshot.profiles.size} profile(s) there)`,
    ),
  );

  try {
    checks.push(persistenceCheck(where, await store.persistence(deps.signal)));
    checks.push(lockCheck(where, store.prefix, await store.lockState(deps.signal)));
  } catch (error) {
    checks.push(failed(error));
  }
  const mine = new Map([...snapshot.profiles].filter(([name]) => names === 'all' || names.includes(name)));
  for (const name of names === 'all' ? [] : names) {
    if (!mine.has(name)) {
      checks.push(
        check(
          `redis-profile:${name}`,
          'fail',
          `profile "${name}" points to ${where}, which has no such profile (under the prefix "${store.prefix}").`,
          `Log in again (\`podio-auth login --profile ${name} --store ${store.location}\`), or check PODIO_AUTH_REDIS_PREFIX.`,
        ),
      );
    }
  }
  for (const item of checkProfiles(mine, deps.now(), 'redis')) {
    if (item.name === 'profiles') continue;
    checks.push({ ...item, name: `redis-${item.name}` });
  }
  return { checks, profiles: snapshot.profiles };
}

function persistenceCheck(where: string, persistence: Persistence): Check {
  const lost =
    'A login rotated since the last save would be lost with it, and the whole fleet would have to log in again.';
  const aofHint = 'Turn on the append-only file: `appendonly yes` (with `appendfsync everysec`) in redis.conf.';
  switch (persistence.known) {
    case 'config':
      if (persistence.aof) return check('redis-persistence', 'ok', `${where}: append-only file on`);
      if (persistence.rdb) {
        return check(
          'redis-persistence',
          'warn',
          `${where}: RDB snapshots only; a crash loses the writes since the last one.`,
          `${lost} ${aofHint}`,
        );
      }
      return check(
        'redis-persistence',
        'warn',
        `${where}: keeps its data in memory only; a restart loses every login.`,
        `${lost} ${aofHint}`,
      );
    case 'info':
      return persistence.aof
        ? check('redis-persistence', 'ok', `${where}: append-only file on`)
        : check(
            'redis-persistence',
            'warn',
            `${where}: append-only file off (RDB snapshots, if any, are not visible to this user).`,
            `${lost} ${aofHint}`,
          );
    case 'unknown':
      return check(
        'redis-persistence',
        'info',
        `${where}: this user may not ask whether the data survives a restart (CONFIG, INFO).`,
        aofHint,
      );
  }
}

function lockCheck(where: string, prefix: string, state: LockState): Check {
  if (!state.held) return check('redis-lock', 'ok', `${where}: the refresh lock ${prefix}lock is free`);
  if (!Number.isFinite(state.ttlMs)) {
    return check(
      'redis-lock',
      'fail',
      `${where}: the refresh lock ${prefix}lock has no expiry (set by hand?): no token can be refreshed while it stays.`,
      `Delete it: \`redis-cli DEL ${prefix}lock\`.`,
    );
  }
  return check(
    'redis-lock',
    'info',
    `${where}: a podio-auth holds the refresh lock right now (its lease ends in ${(state.ttlMs / 1000).toFixed(1)} s unless extended)`,
  );
}
