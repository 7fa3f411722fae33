import { describe, expect, it } from 'vitest';
import { detectEnvironment } from '../../src/platform/environment.js';
import { planBrowser } from '../../src/usecases/login/browser-plan.js';
import { clockThatSkipsWaits, runMain, startCli, startSandbox } from '../support/cli.js';

describe('knowing where it runs', () => {
  it('detects SSH, WSL, CI and displays', () => {
    const none = () => '';
    expect(detectEnvironment({ SSH_CONNECTION: '10.0.0.2 50000 10.0.0.1 22' }, 'linux', none)).toMatchObject({
      ssh: true,
      canOpenBrowser: false,
    });
    expect(detectEnvironment({ SSH_TTY: '/dev/pts/1', DISPLAY: 'localhost:10.0' }, 'linux', none)).toMatchObject({
      ssh: true,
      canOpenBrowser: true,
    });
    expect(detectEnvironment({}, 'linux', () => 'Linux version 5.15.90.1-microsoft-standard-WSL2')).toMatchObject({
      wsl: true,
      canOpenBrowser: true,
    });
    expect(detectEnvironment({ WSL_DISTRO_NAME: 'Ubuntu' }, 'linux', none)).toMatchObject({ wsl: true });
    expect(detectEnvironment({}, 'linux', none)).toMatchObject({ display: false, canOpenBrowser: false });
    expect(detectEnvironment({ WAYLAND_DISPLAY: 'wayland-0' }, 'linux', none)).toMatchObject({ canOpenBrowser: true });
    expect(detectEnvironment({}, 'darwin', none)).toMatchObject({ canOpenBrowser: true });
    expect(detectEnvironment({ SSH_CLIENT: 'x' }, 'darwin', none)).toMatchObject({ canOpenBrowser: false });
    expect(detectEnvironment({ CI: 'true' }, 'linux', none).ci).toBe(true);
    expect(detectEnvironment({ CI: 'false' }, 'linux', none).ci).toBe(false);
  });

  it('plans the browser: --no-browser prints, BROWSER is honoured except over SSH, CI without one fails', () => {
    const stdin = { isTTY: false } as never;
    expect(planBrowser(false, { env: { BROWSER: 'x' }, stdin })).toEqual({ open: false });
    expect(planBrowser(true, { env: { BROWSER: 'x' }, stdin })).toEqual({ open: true });
    expect(
      planBrowser(true, { env: { BROWSER: 'x', SSH_CONNECTION: '1.2.3.4 5 6.7.8.9 22', USER: 'ann' }, stdin }),
    ).toMatchObject({
      open: false,
      sshHint: { user: 'ann', host: '6.7.8.9' },
    });
    expect(() => planBrowser(true, { env: { CI: 'true' }, stdin })).toThrow(expect.objectContaining({ exitCode: 2 }));
    expect(planBrowser(true, { env: { CI: 'true', BROWSER: 'x' }, stdin })).toEqual({ open: true });
    expect(planBrowser(false, { env: { CI: 'true' }, stdin })).toEqual({ open: false });
  });
});

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
