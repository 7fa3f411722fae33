import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { CompletionProgram } from '../../src/completion/program.js';
import { completionScript, SHELLS } from '../../src/completion/script.js';

const PROGRAM: CompletionProgram = {
  options: [{ names: ['-h', '--help'], description: 'show help', value: undefined }],
  commands: [
    {
      name: 'token',
      description: 'print a token',
      options: [{ names: ['--profile'], description: 'profile', value: { choices: [], kind: 'profile' } }],
      argument: undefined,
    },
  ],
};

describe('a printed completion script', () => {
  it.each(SHELLS)('is the %s script file, with only its data block written from the program', (shell) => {
    const file = readFileSync(new URL(`../../src/completion/podio-auth.${shell}`, import.meta.url), 'utf8');
    const [before = '', rest = ''] = file.split('# @generated-start\n');
    const after = rest.slice(rest.indexOf('# @generated-end\n') + '# @generated-end\n'.length);
    const printed = completionScript(shell, PROGRAM);
    expect(printed.startsWith(before)).toBe(true);
    expect(printed.endsWith(after)).toBe(true);
    const data = printed.slice(before.length, printed.length - after.length);
    expect(data).toContain('--profile');
    expect(data).not.toContain('@generated');
    // Data only: assignments of lists, one entry a line, no code.
    for (const line of data.trimEnd().split('\n')) {
      expect(line).toMatch(/^(?:set -g \w+(?: \\)?|\w+=\((?:\))?|\)|\s+'.*'(?: \\)?)$/);
    }
  });
});
