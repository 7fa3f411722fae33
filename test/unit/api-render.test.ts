import { describe, expect, it } from 'vitest';
import { renderResult } from '../../src/api/render.js';
import type { ApiResult } from '../../src/api/result.js';

const hostile = 'plain \u001b]0;PWN\u0007 \u001b[2J end\r\nline two\n';

function answer(overrides: Partial<ApiResult>): ApiResult {
  return {
    status: 500,
    headers: { 'content-type': 'text/plain' },
    body: hostile,
    warnings: [],
    requests: 1,
    ...overrides,
  };
}

describe('an answer that is not JSON, on a terminal', () => {
  it('reaches the terminal with its control characters as spaces, and its own line breaks', () => {
    const shown = renderResult(answer({}), { isTTY: true });
    expect(shown).toBe('plain  ]0;PWN   [2J end \nline two\n');
    expect(shown).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f]/);
  });

  it('reaches a pipe byte for byte', () => {
    expect(renderResult(answer({}), { isTTY: false })).toBe(hostile);
  });

  it('has its headers escaped too with -i on a terminal, and passed as they are to a pipe', () => {
    const headed = answer({ headers: { 'content-type': 'text/plain', 'x-title': '\u001b]0;PWN\u0007' }, body: '' });
    expect(renderResult(headed, { isTTY: true, include: true })).toContain('x-title:  ]0;PWN \n');
    expect(renderResult(headed, { isTTY: false, include: true })).toContain('x-title: \u001b]0;PWN\u0007\n');
  });
});
