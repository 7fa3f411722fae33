import { describe, expect, it } from 'vitest';
import { startCli, startSandbox } from '../support/cli.js';

/** `login` under real signals during the code exchange, run as a separate process. */

describe('a signal during the code exchange', () => {
  it('login: a second Ctrl-C during the code exchange ends it at once; SIGTERM there says 143', async () => {
    const { podio, sandbox } = await startSandbox({ tokenDelayMs: 20_000 });
    const cli = startCli(['login'], sandbox.env());
    await podio.nextTokenRequestArrives();
    cli.child.kill('SIGINT');
    await cli.waitForStderr(/Ctrl-C again/);
    const started = Date.now();
    cli.child.kill('SIGINT');
    expect((await cli.done).code).toBe(130);
    expect(Date.now() - started).toBeLessThan(2_000);
    const term = startCli(['login'], sandbox.env({ PODIO_AUTH_HTTP_TIMEOUT: '2' }));
    await podio.nextTokenRequestArrives();
    term.child.kill('SIGTERM');
    const ended = await term.done;
    expect(ended.code).toBe(143);
    expect(ended.stderr).toMatch(/Podio did not answer, so nothing was stored/);
  });
});
