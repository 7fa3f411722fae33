import { mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readCapped } from '../../src/api/capped-file.js';
import { MAX_BODY_INPUT_BYTES } from '../../src/api/limits.js';

describe('a file given to api', () => {
  let dir = '';
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'podio-auth-capped-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('is read whole up to the cap, as UTF-8', async () => {
    const file = join(dir, 'body.json');
    writeFileSync(file, '{"title":"Grüße"}');
    expect(await readCapped(file)).toBe('{"title":"Grüße"}');
    const full = join(dir, 'full');
    writeFileSync(full, 'x'.repeat(MAX_BODY_INPUT_BYTES));
    expect((await readCapped(full)).length).toBe(MAX_BODY_INPUT_BYTES);
  });

  it('is refused past 16 MiB when its size says so', async () => {
    const file = join(dir, 'sparse');
    writeFileSync(file, '');
    truncateSync(file, MAX_BODY_INPUT_BYTES + 1);
    await expect(readCapped(file)).rejects.toMatchObject({
      code: 'usage',
      message: 'A file given to api is larger than 16 MiB.',
    });
  });

  it('is refused past 16 MiB while reading when it has no size: a device such as /dev/zero', async () => {
    await expect(readCapped('/dev/zero')).rejects.toMatchObject({
      code: 'usage',
      message: 'A file given to api is larger than 16 MiB.',
    });
  });
});
