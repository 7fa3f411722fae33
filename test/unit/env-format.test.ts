import { describe, expect, it } from 'vitest';
import { formatVariables } from '../../src/ui/env-format.js';

/** How `export` quotes values in each format; what bash and gh read back is in test/e2e/export.quoting.test.ts. */

describe('quoting a value for export', () => {
  it('every format but JSON refuses what an environment variable or gh cannot hold', () => {
    const carried = (value: string, format: 'dotenv' | 'shell' | 'github' | 'json') => {
      try {
        return formatVariables([['PODIO_REFRESH_TOKEN', value]], format);
      } catch (error) {
        return (error as Error).message;
      }
    };
    for (const format of ['dotenv', 'shell', 'github'] as const) {
      expect(carried('a\u0000b', format)).toMatch(/NUL/);
      expect(carried('a\ud800b', format)).toMatch(/surrogate/);
    }
    expect(carried('a\nb', 'github')).toMatch(/line break/);
    expect(carried('a\r\nb', 'github')).toMatch(/line break/);
    expect(carried('ab\\', 'github')).toMatch(/final backslash/);
    expect(carried("it's", 'github')).toMatch(/single quote/);
    expect(carried('a\nb', 'dotenv')).toBe("PODIO_REFRESH_TOKEN='a\nb'\n");
    expect(carried('a\u0000b', 'json')).toBe('{\n  "PODIO_REFRESH_TOKEN": "a\\u0000b"\n}\n');
    // No ' nor \ inside single quotes in the shell format, where fish would read them as escapes.
    expect(carried("it's a\\b", 'shell')).toBe(`export PODIO_REFRESH_TOKEN='it'"'"'s a'"\\\\"'b'\n`);
    expect(carried('', 'shell')).toBe("export PODIO_REFRESH_TOKEN=''\n");
    // Ordinary tokens stay bare, as Docker's --env-file and every dotenv reader take them.
    expect(carried('0123abcdef', 'github')).toBe('PODIO_REFRESH_TOKEN=0123abcdef\n');
  });
});
