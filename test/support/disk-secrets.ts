import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, sep } from 'node:path';
import { expect } from 'vitest';
import { ROOT } from './cli.js';

/** Where the launcher has Node 22+ keep compiled code, under the HOME a test gives it. */
const COMPILE_CACHE = `${sep}${join('.cache', 'podio-auth', 'compile-cache')}${sep}`;

/** Whether `path` is in that cache: compiled code of the package, which the launcher writes, never a login. */
export function inCompileCache(path: string): boolean {
  return path.includes(COMPILE_CACHE);
}

let packageCode: string | undefined;

/**
 * Whether `value` is written in the package's own code. Compiled code in Node's cache holds the strings of the code
 * it was compiled from, among them the emulator's demo credentials (the help text names them), which the tests use
 * as their client: that is the package, not a login.
 */
function inThePackage(value: string): boolean {
  if (packageCode === undefined) {
    const dist = join(ROOT, 'dist');
    packageCode = readdirSync(dist, { recursive: true, encoding: 'utf8' })
      .filter((file) => /\.(c|m)?js$/.test(file))
      .map((file) => readFileSync(join(dist, file), 'utf8'))
      .join('\n');
  }
  return packageCode.includes(value);
}

export function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((entry) => join(dir, entry))
    .filter((path) => statSync(path).isFile());
}

/**
 * No file under `root` holds any of `secrets` whole. Node's compile cache may hold only what the package's code
 * holds: anything of a login found there fails as anywhere else.
 */
export function expectNoSecretOnDisk(root: string, secrets: Iterable<string>): void {
  const values = [...secrets];
  for (const file of filesUnder(root)) {
    const text = readFileSync(file, 'utf8');
    for (const secret of values) {
      if (!text.includes(secret)) continue;
      if (inCompileCache(file) && inThePackage(secret)) continue;
      expect.fail(`a secret (${secret.slice(0, 6)}…) is in ${file}`);
    }
  }
}
