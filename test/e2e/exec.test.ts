import { describe, expect, it } from 'vitest';
import { aMinuteAgo, inAnHour, runCli, startSandbox } from '../support/cli.js';

describe('exec', () => {
  it('runs the command with a valid PODIO_ACCESS_TOKEN and without the long-lived secrets', async () => {
    const { podio, sandbox } = await startSandbox();
    sandbox.storeLogin(new Date(Date.now() - 60_000));
    const script =
      'console.log(JSON.stringify({ token: process.env.PODIO_ACCESS_TOKEN, secret: process.env.PODIO_CLIENT_SECRET ?? null }))';
    const result = await runCli(['exec', '--', process.execPath, '-e', script], sandbox.env());
    expect(result.code).toBe(0);
    const seen = JSON.parse(result.stdout);
    expect(podio.isValidAccessToken(seen.token)).toBe(true);
    expect(seen.token).toBe(sandbox.readConfig().profiles['default']!['access_token']);
    expect(seen.secret).toBeNull();
  });

  it('passes on the exit code, and 127 for a command that does not exist', async () => {
    const { sandbox } = await startSandbox();
    sandbox.storeLogin(inAnHour());
    expect((await runCli(['exec', '--', process.execPath, '-e', 'process.exit(7)'], sandbox.env())).code).toBe(7);
    const missing = await runCli(['exec', '--', 'no-such-command-here'], sandbox.env());
    expect(missing.code).toBe(127);
    expect(missing.stderr).toContain('Command not found: no-such-command-here');
  });

  it('keeps control characters in a command name off the terminal, and the line short, on both paths', async () => {
    const { sandbox } = await startSandbox();
    sandbox.storeLogin(inAnHour());
    const name = '\u001b]0;pwned\u0007\u001b[2Jnope';
    for (const flags of [[], ['--min-ttl', '60']]) {
      const result = await runCli(['exec', ...flags, '--', name], sandbox.env());
      expect(result).toMatchObject({ code: 127, stderr: '✗ Command not found:  ]0;pwned  [2Jnope\n' });
      const long = await runCli(['exec', ...flags, '--', `\u001b[2J${'x'.repeat(5_000)}`], sandbox.env());
      expect(long.code).toBe(126);
      expect(long.stderr).toMatch(/^✗ Could not run {2}\[2Jx+…\n$/);
      expect(long.stderr.length).toBeLessThan(2_100);
    }
  });

  it("prints no warning of Node's own in any command, even under --pending-deprecation", async () => {
    const { sandbox } = await startSandbox();
    const nodeWarning = /\(node:\d+\)|Warning:/;
    for (const extra of [{ NODE_OPTIONS: '--pending-deprecation' }, { NODE_PENDING_DEPRECATION: '1' }]) {
      const env = { ...sandbox.env(), ...extra };
      sandbox.storeLogin(inAnHour());
      expect(await runCli(['exec', '--', 'sh', '-c', 'exit 3'], env)).toMatchObject({
        code: 3,
        stdout: '',
        stderr: '',
      });
      expect(await runCli(['exec', '--min-ttl', '60', '--', 'true'], env)).toMatchObject({ code: 0, stderr: '' });
      expect(await runCli(['token'], env)).toMatchObject({ code: 0, stderr: '' });
      // A refresh, through the full CLI's HTTP client and store.
      sandbox.editProfile('default', { expires_at: aMinuteAgo() });
      expect(await runCli(['token', '--json'], env)).toMatchObject({ code: 0, stderr: '' });
      for (const args of [['export'], ['status'], ['api', '/user/status'], ['profiles'], ['--help'], ['doctor']]) {
        const result = await runCli(args, env);
        expect(result.stderr, args.join(' ')).not.toMatch(nodeWarning);
        expect(result.stdout, args.join(' ')).not.toMatch(nodeWarning);
      }
    }
  });

  it("runs under Node's permission model where it allows child processes, and says so in one line where not", async () => {
    const { sandbox } = await startSandbox();
    sandbox.storeLogin(inAnHour());
    // The flag's name by what this Node accepts in NODE_OPTIONS: Node 20 knows only the experimental one, and
    // Node 24 and later refuse it.
    const flag = process.allowedNodeEnvironmentFlags.has('--permission') ? '--permission' : '--experimental-permission';
    const permission = `${flag} --allow-fs-read=*`;
    const allowed = await runCli(['exec', '--', 'sh', '-c', 'exit 5'], {
      ...sandbox.env(),
      NODE_OPTIONS: `${permission} --allow-child-process`,
    });
    expect(allowed.code).toBe(5);
    const refused = await runCli(['exec', '--', 'sh', '-c', 'exit 5'], { ...sandbox.env(), NODE_OPTIONS: permission });
    expect(refused.code).toBe(126);
    // Node's own warnings about the permission model aside, one line and no stack trace.
    expect(refused.stderr.split('\n').filter((line) => line.startsWith('✗'))).toEqual([
      '✗ Could not run sh (ERR_ACCESS_DENIED).',
    ]);
    expect(refused.stderr).not.toMatch(/^\s+at /m);
  });

  it('exits 4 without running anything when not logged in', async () => {
    const { sandbox } = await startSandbox();
    const result = await runCli(['exec', '--', process.execPath, '-e', 'console.log("ran")'], sandbox.env());
    expect(result.code).toBe(4);
    expect(result.stdout).toBe('');
  });
});
