import { describe, expect, it } from 'vitest';
import { randomHex } from '../../src/platform/random-hex.js';

/** Random names and lock owners (src/platform/random-hex.ts), from the kernel's generator. */

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
});
