import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { randomHex } from '../../src/platform/random-hex.js';
import { ROOT } from '../support/cli.js';
import { useTempDirs } from '../support/temp-dirs.js';

/** Random names and lock owners (src/platform/random-hex.ts), from the kernel's generator. */

const tempDir = useTempDirs();

describe('random hex', () => {
  it('gives the bytes asked for, as lowercase hex, different each time', () => {
    for (const bytes of [1, 6, 12, 16, 64]) expect(randomHex(bytes)).toMatch(new RegExp(`^[0-9a-f]{${bytes * 2}}$`));
    const drawn = new Set(Array.from({ length: 200 }, () => randomHex(12)));
    expect(drawn.size).toBe(200);
  });

  it('is not a fixed pattern: every hex digit turns up across many draws', () => {
    const digits = new Set(Array.from({ length: 50 }, () => randomHex(16)).join(''));
    expect(digits.size).toBe(16);
  });

  it('draws from node:crypto where the device is not a generator: none, a file, /dev/zero', () => {
    const dir = tempDir();
    const file = join(dir, 'file');
    writeFileSync(file, 'x'.repeat(64));
    for (const device of [join(dir, 'missing'), file, '/dev/zero']) {
      const drawn = new Set(Array.from({ length: 20 }, () => randomHex(12, device)));
      expect(drawn.size, device).toBe(20);
      for (const hex of drawn) expect(hex, device).toMatch(/^[0-9a-f]{24}$/);
    }
  });

  it('does not wait on a FIFO in its place (an open for reading would block until a writer came)', () => {
    const fifo = join(tempDir(), 'fifo');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    // In a process of its own, with a bound: a blocked open would hold this one for good.
    const module = pathToFileURL(join(ROOT, 'dist', 'platform', 'random-hex.js')).href;
    const draw = `import { randomHex } from '${module}'; process.stdout.write(randomHex(12, ${JSON.stringify(fifo)}));`;
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', draw], { encoding: 'utf8', timeout: 10_000 });
    expect(run).toMatchObject({ status: 0, stdout: expect.stringMatching(/^[0-9a-f]{24}$/), stderr: '' });
  });
});
