import { describe, expect, it } from 'vitest';
import { USER } from '../../src/emulator/podio-emulator.js';
import { errorLines, expectClean, inAnHour, runMain, startSandbox } from '../support/cli.js';
import type { Fault } from '../support/fake-podio.js';

/** `status` asks Podio two things: who (`/user/status`) and what the token may do (`/oauth/scope`). */

const scopeFailures: [Fault, RegExp][] = [
  ['not-found', /HTTP 404/],
  ['server-error', /HTTP 500|server/i],
  ['hang', /1 s/],
];

describe('status when /oauth/scope fails', () => {
  for (const [fault, why] of scopeFailures) {
    it(`${fault}: the user and the expiry still show, the scope is unknown and why, exit 0`, async () => {
      const { podio, sandbox } = await startSandbox();
      sandbox.storeLogin(inAnHour());
      podio.fault('/oauth/scope', fault, 2);
      const env = sandbox.env({ PODIO_AUTH_HTTP_TIMEOUT: '1' });
      const text = await runMain(['status'], env);
      expect(text.code).toBe(0);
      expect(text.stderr).toBe('');
      expect(text.stdout).toMatch(/^Logged in as: +\S.* \(user \d+\)$/m);
      expect(text.stdout).toMatch(/^Access token: +expires \S+ \(in 59 min\)$/m);
      expect(text.stdout).toMatch(new RegExp(`^Scope: +unknown: .*${why.source}`, 'm'));
      expectClean(text, sandbox);
      const json = await runMain(['status', '--json'], env);
      expect(json.code).toBe(0);
      const parsed = JSON.parse(json.stdout);
      expect(parsed).toMatchObject({
        user: { mail: USER.mail },
        scopes: null,
        scope_error: expect.stringMatching(why),
      });
      expect(typeof parsed.expires_at).toBe('string');
    });
  }

  it('answers as before when it works: the scope, and scope_error null', async () => {
    const { sandbox } = await startSandbox();
    sandbox.storeLogin(inAnHour());
    const text = await runMain(['status'], sandbox.env());
    expect(text.stdout).toMatch(/^Scope: +global:all$/m);
    const json = JSON.parse((await runMain(['status', '--json'], sandbox.env())).stdout);
    expect(json).toMatchObject({ scopes: ['global:all'], scope_error: null });
  });

  it('a failing /user/status is still a failure (exit 1), in words that fit status: nothing about storing', async () => {
    const { podio, sandbox } = await startSandbox();
    sandbox.storeLogin(inAnHour());
    podio.fault('/user/status', 'not-found');
    const result = await runMain(['status'], sandbox.env());
    expect(result.code).toBe(1);
    expect(errorLines(result)).toEqual([expect.stringMatching(/\/user\/status answered HTTP 404/)]);
    expect(result.stderr).not.toMatch(/Nothing was stored/);
    expect(result.stderr).toMatch(/login is unchanged/);
  });

  it('a token Podio rejects on /oauth/scope is still refreshed, not shown as an unknown scope', async () => {
    const { podio, sandbox } = await startSandbox();
    sandbox.storeLogin(inAnHour());
    podio.fault('/oauth/scope', 'expired-token');
    const json = JSON.parse((await runMain(['status', '--json'], sandbox.env())).stdout);
    expect(json).toMatchObject({ scopes: ['global:all'], scope_error: null });
    expect(podio.tokenRequests.filter((request) => request.grantType === 'refresh_token')).toHaveLength(1);
  });
});
