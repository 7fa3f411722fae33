import type { Deps } from '../../deps.js';
import type { ProfileRecord } from '../../domain/profile.js';
import { type ConfigDocument, configFileIn, defaultConfigDir } from '../../store/file/config-file.js';
import { resolveProfileName } from '../../store/profile-names.js';
import type { TokenDeps } from '../get-token.js';
import type { Check } from './check.js';
import { checkEnvironment, checkSettings } from './environment.js';
import { checkFiles } from './files.js';
import { checkKeyring, type KeyringDeps } from './keyring.js';
import { checkLogin } from './login.js';
import { checkLoopback } from './loopback.js';
import { checkNode } from './node.js';
import { checkOrigin, originOf } from './origins.js';
import type { DoctorProbes } from './probes.js';
import { localProfileChecks } from './profiles.js';
import { checkProxy } from './proxy.js';
import { checkRedis } from './redis.js';

/**
 * A checklist of everything a login and a refresh depend on, with a hint under each failure: runs the checks in
 * the order the report shows them. The command exits 0 when nothing failed (warnings and notes do not count).
 */

export type { Check, CheckStatus } from './check.js';

export interface DoctorInput {
  fix?: boolean | undefined;
  port?: number | undefined;
}

export interface DoctorReport {
  ok: boolean;
  httpTimeoutMs: number;
  checks: Check[];
}

export type DoctorDeps = TokenDeps & Pick<Deps, 'resolve' | 'monotonic'> & KeyringDeps & { probes: DoctorProbes };

export async function runDoctor(input: DoctorInput, deps: DoctorDeps, httpTimeoutMs: number): Promise<DoctorReport> {
  const dir = defaultConfigDir(deps.env);
  const file = configFileIn(dir);
  const now = deps.now();
  const { checks: fileChecks, config } = checkFiles(dir, file, Boolean(input.fix), now, deps.probes);
  const current = currentProfile(config, deps);
  const redis = await checkRedis(deps, config, current.name);
  const profile = redis.current ?? current.record;
  const authUrl = originOf('auth', profile, deps.env);
  const apiUrl = originOf('api', profile, deps.env);
  const [loopback, auth, api] = await Promise.all([
    checkLoopback(input.port, deps.resolve, deps.probes),
    typeof authUrl === 'string' ? checkOrigin('authorize-origin', 'Authorize page', authUrl, deps) : [authUrl],
    typeof apiUrl === 'string' ? checkOrigin('api-origin', 'API', apiUrl, deps) : [apiUrl],
  ]);
  const keyring = await checkKeyring(config, file, Boolean(input.fix), deps);
  const loginCheck =
    profile && current.name && typeof apiUrl === 'string' && (profile.expires_at || profile.refresh_token)
      ? [await checkLogin(deps, current.name, apiUrl)]
      : [];
  const checks = [
    checkNode(deps.probes.nodeVersion, now),
    ...fileChecks,
    ...(config ? localProfileChecks(config.profiles, now) : []),
    ...keyring,
    ...redis.checks,
    ...loopback,
    ...checkEnvironment(deps.env, deps.probes),
    ...checkSettings(deps.env),
    checkProxy(deps.env),
    ...auth,
    ...api,
    ...loginCheck,
  ];
  return { ok: checks.every((item) => item.status !== 'fail'), httpTimeoutMs, checks };
}

/** The profile commands use here, as config.json has it (Redis may hold a newer record of it). */
function currentProfile(
  config: ConfigDocument | undefined,
  deps: Pick<Deps, 'env'>,
): { name: string | undefined; record: ProfileRecord | undefined } {
  try {
    const name = resolveProfileName(undefined, deps.env, config?.defaultProfile);
    return { name, record: config?.profiles.get(name) };
  } catch {
    // A bad PODIO_PROFILE: the origins fall back to the environment and Podio's own.
    return { name: undefined, record: undefined };
  }
}
