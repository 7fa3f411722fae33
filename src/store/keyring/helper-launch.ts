/**
 * How the keyring helper process is started: which program (the build's dist/keyring-helper.mjs), and with which
 * environment (the session bus and the home, never a secret).
 */
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Env } from '../../env.js';
import { PodioAuthError } from '../../errors.js';
import { withoutSecrets } from '../../secrets.js';

/** Where the build writes the helper's program, under the package's root. */
const HELPER_PROGRAM = join('dist', 'keyring-helper.mjs');

let foundProgram: string | undefined;

/**
 * The helper's program. This module runs bundled from dist/chunks/, module by module from dist/store/keyring/, or
 * from src/store/keyring/ in the tests (whose setup builds dist/ first): in each, the package's root is the nearest
 * directory above it that holds package.json.
 */
export function helperProgram(): string {
  if (foundProgram !== undefined) return foundProgram;
  const root = packageRoot();
  const program = root === undefined ? HELPER_PROGRAM : join(root, HELPER_PROGRAM);
  if (root === undefined || !existsSync(program)) {
    throw new PodioAuthError(
      'keyring_unavailable',
      `Keyring unavailable: the keyring helper program ${program} is missing.`,
      { hint: 'Reinstall podio-auth; or use the file store: `podio-auth login --store file`.' },
    );
  }
  foundProgram = program;
  return program;
}

function packageRoot(): string | undefined {
  try {
    let dir = dirname(fileURLToPath(import.meta.url));
    while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
    return dir;
  } catch {
    // Bundled as CommonJS (the fast path's bundles, which never open the keyring): this module has no location.
    return undefined;
  }
}

/**
 * The helper's environment: the vault's, without NODE_OPTIONS (a user's --inspect or --require is for podio-auth,
 * not for its helper), and with the standard session bus address ($XDG_RUNTIME_DIR/bus, where systemd puts the
 * user's bus) when none is set: the library's libdbus does not look there by itself.
 */
export function helperEnv(env: Env): NodeJS.ProcessEnv {
  const result: NodeJS.ProcessEnv = {};
  // The helper needs the bus and the home directory, never a token, a client secret or a store password.
  for (const [key, value] of Object.entries(withoutSecrets(env))) {
    if (value !== undefined && key !== 'NODE_OPTIONS') result[key] = value;
  }
  const address = busAddress(env);
  if (address !== undefined) result['DBUS_SESSION_BUS_ADDRESS'] = address;
  return result;
}

/** The session bus the helper will use: the one set, else systemd's standard one if it is there. */
export function busAddress(env: Env): string | undefined {
  const address = env['DBUS_SESSION_BUS_ADDRESS'];
  if (address !== undefined && address !== '') return address;
  const runtimeDir = env['XDG_RUNTIME_DIR'];
  if (process.platform !== 'linux' || runtimeDir === undefined || runtimeDir === '') return undefined;
  const socket = join(runtimeDir, 'bus');
  try {
    return statSync(socket).isSocket() ? `unix:path=${socket}` : undefined;
  } catch {
    return undefined;
  }
}
