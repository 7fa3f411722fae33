import { describe, expect, it } from 'vitest';
import { runCli, startSandbox } from '../support/cli.js';

/** Standard input that never ends a line, waited out on the real clock. */

describe('a line on standard input that never ends', () => {
  it('a pasted line of megabytes without a newline is dropped, and the login goes on', async () => {
    const { podio, sandbox } = await startSandbox({ decision: 'ask' });
    const result = await runCli(
      ['login', '--no-browser', '--timeout', '2'],
      sandbox.env(),
      'x'.repeat(4 * 1024 * 1024),
    );
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/A line of more than 64 KiB was ignored/);
    expect(podio.authorizeRequests).toHaveLength(0);
  });
});
