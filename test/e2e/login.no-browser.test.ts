import { describe, expect, it } from 'vitest';
import { clockThatSkipsWaits, runMain, startCli, startSandbox } from '../support/cli.js';

describe('login without a browser here', () => {
  it('--no-browser prints the URL; a pasted address with a wrong state or nonce is refused; the right one completes the login', async () => {
    const { podio, sandbox } = await startSandbox();
    const cli = startCli(['login', '--no-browser'], sandbox.env({ BROWSER: undefined }));
    const [authorize] = (await cli.waitForStderr(
      /http:\/\/127\.0\.0\.1:\d+\/oauth\/authorize\?\S+/,
    )) as RegExpMatchArray;
    await cli.waitForStderr(/paste the address/);
    // The user opens it in a browser elsewhere; the redirect to localhost goes nowhere, so they copy the address.
    const location = (await fetch(authorize, { redirect: 'manual' })).headers.get('location') as string;
    const ended = new URL(location);

    const wrongState = new URL(ended);
    wrongState.searchParams.set('state', 'forged');
    cli.child.stdin?.write(`${wrongState}\n`);
    await cli.waitForStderr(/not taken: wrong state/);
    const wrongNonce = new URL(ended);
    wrongNonce.pathname = '/callback/guessed';
    cli.child.stdin?.write(`${wrongNonce}\n`);
    await cli.waitForStderr(/not taken: it is not this login's redirect address/);
    expect(cli.child.exitCode).toBeNull();

    cli.child.stdin?.write(`${ended}\n`);
    const result = await cli.done;
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('Logged in to Podio as');
    expect(podio.grants('authorization_code')).toHaveLength(1);
    expect(podio.authorizeRequests).toHaveLength(1);
  });

  it('over SSH without a display: opens no browser, and the ssh -L hint names the real port', async () => {
    const { podio, sandbox } = await startSandbox();
    const cli = startCli(
      ['login', '--timeout', '5'],
      sandbox.env({ SSH_CONNECTION: '10.1.2.3 51000 10.9.8.7 22', USER: 'ann', DISPLAY: undefined }),
    );
    const [, port] = (await cli.waitForStderr(/redirect_uri=http%3A%2F%2Flocalhost%3A(\d+)/)) as RegExpMatchArray;
    await cli.waitForStderr(/paste the address/);
    expect(cli.child.exitCode).toBeNull();
    cli.child.kill('SIGINT');
    const result = await cli.done;
    expect(result.stderr).toContain(`ssh -L ${port}:127.0.0.1:${port} ann@10.9.8.7`);
    expect(result.stderr).toMatch(/not opening one here: an SSH session without a display/);
    // BROWSER is the fake browser: had it been launched, it would have visited the authorize page.
    expect(podio.authorizeRequests).toHaveLength(0);
  });

  it('with CI=true, no terminal and no BROWSER: exits 2 within a second, pointing to env-only and app logins', async () => {
    const { sandbox } = await startSandbox();
    const started = Date.now();
    const result = await runMain(['login'], sandbox.env({ CI: 'true', BROWSER: undefined }));
    expect(result.code).toBe(2);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(result.stderr).toMatch(/CI job/);
    expect(result.stderr).toMatch(/env-only mode .* app login/);
  });

  it('without a display and without BROWSER: prints the URL instead of launching a text browser', async () => {
    const { podio, sandbox } = await startSandbox();
    const result = await runMain(
      ['login'],
      sandbox.env({ BROWSER: undefined, DISPLAY: undefined, WAYLAND_DISPLAY: undefined }),
      '',
      { deps: clockThatSkipsWaits().deps },
    );
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/not opening one here: no DISPLAY or WAYLAND_DISPLAY/);
    expect(podio.authorizeRequests).toHaveLength(0);
  });
});
