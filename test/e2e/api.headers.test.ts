import type { IncomingMessage, ServerResponse } from 'node:http';
import { describe, expect, it, onTestFinished } from 'vitest';
import { errorLines, inAnHour, runMain, Sandbox } from '../support/cli.js';
import { FakePodio } from '../support/fake-podio.js';

/** `api -H` against the emulator, which records each API request's headers exactly as they arrived. */

class HeaderRecordingPodio extends FakePodio {
  /** Per API request, its headers as [name, value] pairs in the order sent (names lower-cased). */
  readonly received: [string, string][][] = [];

  protected override extraRoute(url: URL, req: IncomingMessage, body: string, res: ServerResponse): boolean {
    if (!url.pathname.startsWith('/oauth/') && !url.pathname.startsWith('/__')) {
      const pairs: [string, string][] = [];
      for (let i = 0; i < req.rawHeaders.length; i += 2) {
        pairs.push([(req.rawHeaders[i] ?? '').toLowerCase(), req.rawHeaders[i + 1] ?? '']);
      }
      this.received.push(pairs);
    }
    return super.extraRoute(url, req, body, res);
  }
}

async function setup(): Promise<{ podio: HeaderRecordingPodio; sandbox: Sandbox }> {
  const podio = await new HeaderRecordingPodio().start();
  const sandbox = new Sandbox(podio);
  onTestFinished(async () => {
    await podio.stop();
    sandbox.cleanup();
  });
  sandbox.storeLogin(inAnHour());
  return { podio, sandbox };
}

describe('api -H', () => {
  it('sends headers named like Object properties (constructor, __proto__, toString) as typed', async () => {
    const { podio, sandbox } = await setup();
    const result = await runMain(
      ['api', '/user/status', '-H', 'constructor: y', '-H', '__proto__: x', '-H', 'toString: z', '-H', 'X-Obs: café'],
      sandbox.env(),
    );
    expect(result.code).toBe(0);
    const received = podio.received[0] ?? [];
    expect(received.filter(([name]) => ['constructor', '__proto__', 'tostring'].includes(name))).toEqual([
      ['constructor', 'y'],
      ['__proto__', 'x'],
      ['tostring', 'z'],
    ]);
    // Latin-1 goes out as Latin-1 (Node reads it back the same way).
    expect(received.find(([name]) => name === 'x-obs')?.[1]).toBe('café');
  });

  it('joins a repeated name into one header, as HTTP allows', async () => {
    const { podio, sandbox } = await setup();
    const result = await runMain(['api', '/user/status', '-H', 'X-A: 1', '-H', 'x-a: 2'], sandbox.env());
    expect(result.code).toBe(0);
    expect(podio.received[0]?.filter(([name]) => name === 'x-a')).toEqual([['x-a', '1, 2']]);
  });

  const refused: [string, string, RegExp][] = [
    ['a value past Latin-1', 'X-Wide: \u0100', /header X-Wide contains U\+0100.*Latin-1/],
    ['an emoji', 'X-Emoji: 🙂', /header X-Emoji contains U\+1F642/],
    ['a line feed', 'X-Split: a\nInjected: b', /header X-Split contains a control character/],
    ['a carriage return', 'X-Split: a\rb', /header X-Split contains a control character/],
    ['a NUL', 'X-Nul: a\u0000b', /header X-Nul contains a control character/],
    ['a space in the name', 'X Bad: 1', /"X Bad" is not a valid header name/],
    ['a name past ASCII', 'Ünïcode: 1', /"Ünïcode" is not a valid header name/],
    ['an empty name', ': 1', /"" is not a valid header name/],
  ];
  for (const [what, header, message] of refused) {
    it(`refuses ${what}: exit 2, one line saying why, nothing sent`, async () => {
      const { podio, sandbox } = await setup();
      const result = await runMain(['api', '/user/status', '-H', header], sandbox.env());
      expect(result.code).toBe(2);
      expect(errorLines(result)).toEqual([expect.stringMatching(message)]);
      expect(result.stderr).not.toMatch(/Unexpected/);
      expect(result.stdout).toBe('');
      expect(podio.received).toEqual([]);
    });
  }
});
