import { describe, expect, it } from 'vitest';
import { detectEnvironment } from '../../src/platform/environment.js';
import { planBrowser } from '../../src/usecases/login/browser-plan.js';

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
