import { execFile, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it, onTestFinished } from 'vitest';
import { APP, USER } from '../../src/emulator/podio-emulator.js';
import { aMinuteAgo, BIN, type CliResult, errorLines, inAnHour, runMain, Sandbox } from '../support/cli.js';
import { FakePodio, type FakePodioOptions } from '../support/fake-podio.js';

/**
 * `podio-auth api` as a user runs it (main() in this process, real HTTP) against the emulator, which records the
 * API requests it gets, and against small loopback servers for what the emulator does not do (502s, an echo).
 */

interface ApiRequestSeen {
  method: string;
  path: string;
  /** The query string with its `?`, or ''. */
  query: string;
  body: string;
  headers: IncomingMessage['headers'];
}

/** The emulator, recording every API request it gets (token requests are in `tokenRequests`). */
class RecordingPodio extends FakePodio {
  readonly apiRequests: ApiRequestSeen[] = [];

  protected override extraRoute(url: URL, req: IncomingMessage, body: string, res: ServerResponse): boolean {
    if (!url.pathname.startsWith('/oauth/') && !url.pathname.startsWith('/__')) {
      this.apiRequests.push({
        method: req.method ?? '',
        path: url.pathname,
        query: url.search,
        body,
        headers: req.headers,
      });
    }
    return super.extraRoute(url, req, body, res);
  }

  requestsTo(path: string): ApiRequestSeen[] {
    return this.apiRequests.filter((request) => request.path === path);
  }
}

async function setup(options: FakePodioOptions = {}): Promise<{ podio: RecordingPodio; sandbox: Sandbox }> {
  const podio = await new RecordingPodio(options).start();
  const sandbox = new Sandbox(podio);
  onTestFinished(async () => {
    await podio.stop();
    sandbox.cleanup();
  });
  return { podio, sandbox };
}

interface Answer {
  status: number;
  headers?: Record<string, string>;
  body: string;
}

/** A loopback server answering each request with the next of `answers` (the last one repeats), recording them. */
async function startServer(
  answers: (Answer | ((req: IncomingMessage) => Answer))[],
): Promise<{ url: string; requests: ApiRequestSeen[] }> {
  const requests: ApiRequestSeen[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      requests.push({ method: req.method ?? '', path: url.pathname, query: url.search, body, headers: req.headers });
      const next = answers[Math.min(requests.length, answers.length) - 1] as
        | Answer
        | ((req: IncomingMessage) => Answer);
      const answer = typeof next === 'function' ? next(req) : next;
      res.writeHead(answer.status, answer.headers ?? {}).end(answer.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests };
}

const USER_STATUS = {
  user: { user_id: USER.user_id, mail: USER.mail },
  profile: { name: USER.name, user_id: USER.user_id },
};

/** Pauses before retries are recorded instead of waited for. */
function recordedSleep(): { delays: number[]; sleep: (ms: number) => Promise<void> } {
  const delays: number[] = [];
  return { delays, sleep: async (ms) => void delays.push(ms) };
}

function expectNoSecret(result: CliResult, secrets: readonly unknown[]): void {
  for (const secret of secrets) {
    if (typeof secret !== 'string' || secret === '') continue;
    expect(result.stdout).not.toContain(secret);
    expect(result.stderr).not.toContain(secret);
  }
}

describe('podio-auth api', () => {
  it("/user/status prints Podio's JSON as received; pretty-printed on a terminal", async () => {
    const { podio, sandbox } = await setup();
    const { access_token } = sandbox.storeLogin(inAnHour());
    const result = await runMain(['api', '/user/status'], sandbox.env());
    expect(result).toMatchObject({ code: 0, stdout: JSON.stringify(USER_STATUS), stderr: '' });
    expect(podio.apiRequests).toHaveLength(1);
    expect(podio.apiRequests[0]).toMatchObject({ method: 'GET', path: '/user/status', body: '' });
    expect(podio.apiRequests[0]?.headers).toMatchObject({
      authorization: `OAuth2 ${access_token}`,
      accept: 'application/json',
    });
    const onTerminal = await runMain(['api', 'user/status'], sandbox.env(), '', { stdoutIsTTY: true });
    expect(onTerminal.stdout).toBe(`${JSON.stringify(USER_STATUS, null, 2)}\n`);
  });

  it('-f and -F build a JSON body for POST (the default with fields); the item is created', async () => {
    const { podio, sandbox } = await setup();
    sandbox.storeLogin(inAnHour());
    const result = await runMain(
      ['api', 'item/app/777/', '-F', 'fields[estimate]=3', '-f', 'fields[title]=Write the report', '-F', 'tags[]=q3'],
      sandbox.env(),
    );
    expect(result.code).toBe(0);
    const sent = podio.requestsTo('/item/app/777/');
    expect(sent).toHaveLength(1);
    expect(sent[0]?.method).toBe('POST');
    // Every -f before every -F, as gh does.
    expect(sent[0]?.body).toBe('{"fields":{"title":"Write the report","estimate":3},"tags":["q3"]}');
    expect(sent[0]?.headers['content-type']).toBe('application/json; charset=utf-8');
    const created = JSON.parse(result.stdout) as { item_id: number; title: string };
    expect(created.title).toBe('Write the report');
    expect(podio.items.items(777).at(-1)).toMatchObject({ item_id: created.item_id, tags: ['q3'] });
  });

  it('-F types values (true, false, null, integers, @file, @-); nested keys and arrays', async () => {
    const { podio, sandbox } = await setup();
    sandbox.storeLogin(inAnHour());
    const file = join(sandbox.root, 'title.txt');
    writeFileSync(file, 'From a file');
    const filter = await runMain(
      ['api', 'item/app/777/filter/', '-X', 'POST', '-F', 'limit=2', '-F', 'sort_desc=false', '-f', 'sort_by=title'],
      sandbox.env(),
    );
    expect(filter.code).toBe(0);
    expect(podio.requestsTo('/item/app/777/filter/')[0]?.body).toBe('{"sort_by":"title","limit":2,"sort_desc":false}');
    expect((JSON.parse(filter.stdout) as { items: unknown[] }).items).toHaveLength(2);

    const typed = await runMain(
      ['api', 'item/app/777/filter/', '-F', 'filters[status][]=2', '-F', 'a=true', '-F', 'b=null', '-F', 'c=007'],
      sandbox.env(),
    );
    expect(typed.code).toBe(0);
    expect(podio.requestsTo('/item/app/777/filter/')[1]?.body).toBe(
      '{"filters":{"status":[2]},"a":true,"b":null,"c":7}',
    );
    expect((JSON.parse(typed.stdout) as { filtered: number }).filtered).toBe(83);

    const fromFiles = await runMain(
      ['api', 'item/app/777/', '-F', `fields[title]=@${file}`, '-F', 'external_id=@-'],
      sandbox.env(),
      'from-stdin',
    );
    expect(fromFiles.code).toBe(0);
    expect(podio.requestsTo('/item/app/777/')[0]?.body).toBe(
      '{"fields":{"title":"From a file"},"external_id":"from-stdin"}',
    );
  });

  it('fields on a GET become the query, flattened and sorted as gh does', async () => {
    const { podio, sandbox } = await setup();
    sandbox.storeLogin(inAnHour());
    const result = await runMain(
      ['api', 'app/space/555/', '-X', 'GET', '-F', 'offset=1', '-f', 'limit=2'],
      sandbox.env(),
    );
    expect(result.code).toBe(0);
    expect(podio.apiRequests[0]).toMatchObject({ method: 'GET', query: '?limit=2&offset=1', body: '' });
    expect((JSON.parse(result.stdout) as { app_id: number }[]).map((app) => app.app_id)).toEqual([778, 779]);
  });

  it('--input sends a file (or standard input) as the body, as it is; fields then go to the query', async () => {
    const { podio, sandbox } = await setup();
    sandbox.storeLogin(inAnHour());
    const body = '{ "fields": { "title": "As typed" } }\n';
    const file = join(sandbox.root, 'item.json');
    writeFileSync(file, body);
    const fromFile = await runMain(['api', 'item/app/777/', '--input', file, '-f', 'silent=true'], sandbox.env());
    expect(fromFile.code).toBe(0);
    expect(podio.apiRequests[0]).toMatchObject({ method: 'POST', query: '?silent=true', body });
    const fromStdin = await runMain(['api', 'item/app/777/', '--input', '-'], sandbox.env(), body);
    expect(fromStdin.code).toBe(0);
    expect(podio.apiRequests[1]).toMatchObject({ method: 'POST', query: '', body });
    expect(podio.items.items(777).at(-1)?.title).toBe('As typed');
  });

  it('-i prints the status line and the headers before the body; -H adds a header', async () => {
    const { podio, sandbox } = await setup();
    sandbox.storeLogin(inAnHour());
    const result = await runMain(['api', '-i', '/user/status', '-H', 'X-Podio-Test: yes'], sandbox.env());
    expect(result.code).toBe(0);
    const [head, body] = result.stdout.split('\n\n');
    const lines = head?.split('\n') ?? [];
    expect(lines[0]).toBe('HTTP/1.1 200 OK');
    expect(lines).toContain('content-type: application/json; charset=utf-8');
    expect(lines).toContain('x-rate-limit-limit: 1000');
    expect(lines).toContain('x-rate-limit-remaining: 999');
    expect(body).toBe(JSON.stringify(USER_STATUS));
    expect(podio.apiRequests[0]?.headers['x-podio-test']).toBe('yes');
  });

  it('--paginate over 250 items in pages of 100: one array of 250, in 3 requests', async () => {
    const { podio, sandbox } = await setup();
    sandbox.storeLogin(inAnHour());
    const result = await runMain(['api', 'item/app/777/filter/', '-X', 'POST', '--paginate'], sandbox.env());
    expect(result.code).toBe(0);
    const items = JSON.parse(result.stdout) as { item_id: number }[];
    expect(items).toHaveLength(250);
    expect(new Set(items.map((item) => item.item_id)).size).toBe(250);
    expect(podio.apiRequests.map((request) => JSON.parse(request.body))).toEqual([
      { limit: 100, offset: 0 },
      { limit: 100, offset: 100 },
      { limit: 100, offset: 200 },
    ]);
  });

  it('expired_token on a token valid here: one refresh, one retry, exit 0', async () => {
    const { podio, sandbox } = await setup();
    const first = sandbox.storeLogin(inAnHour());
    podio.advanceClock(8 * 3600 + 60);
    const result = await runMain(['api', '/user/status'], sandbox.env());
    expect(result).toMatchObject({ code: 0, stdout: JSON.stringify(USER_STATUS), stderr: '' });
    expect(podio.grants('refresh_token')).toHaveLength(1);
    const refreshed = sandbox.readConfig().profiles['default']?.['access_token'];
    expect(podio.apiRequests.map((request) => request.headers.authorization)).toEqual([
      `OAuth2 ${first.access_token}`,
      `OAuth2 ${refreshed}`,
    ]);

    // The same when Podio says so of a token it still knows.
    podio.fault('/item/1000001', 'expired-token');
    const item = await runMain(['api', 'item/1000001'], sandbox.env());
    expect(item.code).toBe(0);
    expect(JSON.parse(item.stdout)).toMatchObject({ item_id: 1_000_001 });
    expect(podio.grants('refresh_token')).toHaveLength(2);
    expect(podio.requestsTo('/item/1000001')).toHaveLength(2);
  });

  it('420: exit 1 with the limit figures, exactly one request, no retry', async () => {
    const { podio, sandbox } = await setup({ rateLimit: 1 });
    sandbox.storeLogin(inAnHour());
    const first = await runMain(['api', '/user/status'], sandbox.env());
    expect(first.code).toBe(0);
    expect(first.stderr).toMatch(/rate limit is nearly used: 0 of 1 calls left in the current hour/);
    const limited = await runMain(['api', '/user/status'], sandbox.env());
    expect(limited.code).toBe(1);
    expect(errorLines(limited)).toEqual(['✗ Rate limited by Podio (HTTP 420): 0 of 1 calls left in the current hour.']);
    expect(limited.stderr).toMatch(/per hour/);
    expect(JSON.parse(limited.stdout)).toMatchObject({ error: 'rate_limit' });
    expect(podio.apiRequests).toHaveLength(2);
    expect(podio.tokenRequests).toHaveLength(0);
  });

  it('a GET that meets 502 is tried again twice at most, after a pause; a POST never', async () => {
    const server = await startServer([{ status: 502, body: 'Bad gateway' }]);
    const env = { PODIO_ACCESS_TOKEN: 'env-token-0123456789', PODIO_API_URL: server.url };
    const { delays, sleep } = recordedSleep();
    const get = await runMain(['api', 'item/1'], env, '', { deps: { sleep } });
    expect(get.code).toBe(1);
    expect(errorLines(get)).toEqual(['✗ HTTP 502']);
    expect(get.stdout).toBe('Bad gateway');
    expect(server.requests.map((request) => request.method)).toEqual(['GET', 'GET', 'GET']);
    expect(delays).toEqual([1000, 2000]);

    server.requests.length = 0;
    const post = await runMain(['api', 'item/app/1/', '-f', 'a=b'], env, '', { deps: { sleep } });
    expect(post.code).toBe(1);
    expect(server.requests.map((request) => request.method)).toEqual(['POST']);
    expect(delays).toHaveLength(2);
  });

  it('takes answers of several MiB (a page of 500 items), as received', async () => {
    const items = Array.from({ length: 500 }, (_, i) => ({ item_id: i, title: 'x'.repeat(7_000) }));
    const body = JSON.stringify(items);
    expect(body.length).toBeGreaterThan(3 * 1024 * 1024);
    const server = await startServer([{ status: 200, headers: { 'content-type': 'application/json' }, body }]);
    const env = { PODIO_ACCESS_TOKEN: 'env-token-0123456789', PODIO_API_URL: server.url };
    const result = await runMain(['api', 'item/app/1/'], env);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(body);
  });

  it('one Ctrl-C ends it while it waits on a FIFO nobody writes to', async () => {
    const server = await startServer([{ status: 200, body: '{}' }]);
    const env = { PATH: process.env['PATH'], PODIO_ACCESS_TOKEN: 'env-token-0123456789', PODIO_API_URL: server.url };
    const dir = mkdtempSync(join(tmpdir(), 'podio-auth-fifo-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const fifo = join(dir, 'body');
    execFileSync('mkfifo', [fifo]);
    const cli = spawn(process.execPath, [BIN, '--debug', 'api', 'item/app/1/', '--input', fifo], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    onTestFinished(() => void cli.kill('SIGKILL'));
    let stderr = '';
    const reading = new Promise<void>((resolve) => {
      cli.stderr.setEncoding('utf8').on('data', (chunk: string) => {
        stderr += chunk;
        if (stderr.includes(`reading ${fifo}`)) resolve();
      });
    });
    const ended = new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
      cli.once('exit', (code, signal) => resolve([code, signal])),
    );
    await reading;
    cli.kill('SIGINT');
    // Ended by the signal itself (the shell shows 130): exit() would wait for the stuck read forever.
    expect(await ended).toEqual([null, 'SIGINT']);
    expect(server.requests).toEqual([]);
  });

  it('a GET that meets 502 once and then 200 succeeds', async () => {
    const ok = { status: 200, headers: { 'content-type': 'application/json' }, body: '{"ok":true}' };
    const server = await startServer([{ status: 502, body: '' }, ok]);
    const env = { PODIO_ACCESS_TOKEN: 'env-token-0123456789', PODIO_API_URL: server.url };
    const result = await runMain(['api', 'item/1'], env, '', { deps: recordedSleep() });
    expect(result).toMatchObject({ code: 0, stdout: '{"ok":true}', stderr: '' });
    expect(server.requests).toHaveLength(2);
  });

  it("HTTP 404: Podio's body on stdout, one line on stderr, exit 1", async () => {
    const { sandbox } = await setup();
    sandbox.storeLogin(inAnHour());
    const result = await runMain(['api', 'item/999'], sandbox.env());
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout)).toMatchObject({ error: 'not_found', error_description: 'Object not found' });
    expect(errorLines(result)).toEqual(['✗ HTTP 404: Object not found']);
  });

  it('a full URL on another origin: exit 2, nothing sent, not even a refresh', async () => {
    const { podio, sandbox } = await setup();
    sandbox.storeLogin(aMinuteAgo());
    const elsewhere = await startServer([{ status: 200, body: 'got it' }]);
    for (const endpoint of [`${elsewhere.url}/user/status`, 'https://evil.example/user/status', '//evil.example/x']) {
      const result = await runMain(['api', endpoint], sandbox.env());
      expect(result.code).toBe(2);
      expect(errorLines(result)[0]).toMatch(/^✗ Refusing the endpoint .*Nothing was sent\.$/);
      expect(result.stdout).toBe('');
    }
    expect(elsewhere.requests).toEqual([]);
    expect(podio.apiRequests).toEqual([]);
    expect(podio.tokenRequests).toEqual([]);
    // The same origin as a full URL is fine.
    expect((await runMain(['api', `${podio.url}/user/status`], sandbox.env())).code).toBe(0);
  });

  it('the token appears in no output: stdout, stderr, --debug, -i, errors, a refresh', async () => {
    const { podio, sandbox } = await setup({ rateLimit: 3 });
    const first = sandbox.storeLogin(inAnHour());
    podio.advanceClock(8 * 3600 + 60);
    const runs = [
      await runMain(['api', '--debug', '-i', '/user/status'], sandbox.env()),
      await runMain(['api', '--debug', 'item/999'], sandbox.env()),
      await runMain(['api', '--debug', '-i', 'item/999', '-H', 'X-Podio-Test: yes'], sandbox.env()),
      await runMain(['api', '--debug', '/user/status'], sandbox.env()),
    ];
    expect(runs.map((run) => run.code)).toEqual([0, 1, 1, 1]);
    expect(runs[0]?.stderr).toMatch(/^debug: /m);
    const profile = sandbox.readConfig().profiles['default'] ?? {};
    const secrets = [first.access_token, first.refresh_token, profile['access_token'], profile['refresh_token']];
    for (const run of runs) expectNoSecret(run, secrets);

    // A server that echoes the token back, in its body and in a header.
    const token = 'env-token-0123456789abcdef';
    const echo = await startServer([
      (req) => ({
        status: 200,
        headers: { 'content-type': 'application/json', 'x-echo': req.headers.authorization ?? '' },
        body: JSON.stringify({ you_sent: req.headers.authorization }),
      }),
    ]);
    const echoed = await runMain(['api', '--debug', '-i', '/echo'], {
      PODIO_ACCESS_TOKEN: token,
      PODIO_API_URL: echo.url,
    });
    expect(echoed.code).toBe(0);
    expect(echo.requests[0]?.headers.authorization).toBe(`OAuth2 ${token}`);
    expectNoSecret(echoed, [token]);
    expect(echoed.stdout).toContain('x-echo: OAuth2 [redacted]');
    expect(echoed.stdout).toContain('{"you_sent":"OAuth2 [redacted]"}');
  });

  it('env-only mode: PODIO_ACCESS_TOKEN, or an app login from the environment; no file read or written', async () => {
    const { podio, sandbox } = await setup();
    const { access_token } = podio.issueTokens();
    const byToken = await runMain(['api', '/user/status'], sandbox.env({ PODIO_ACCESS_TOKEN: access_token }));
    expect(byToken).toMatchObject({ code: 0, stdout: JSON.stringify(USER_STATUS) });
    expect(podio.apiRequests[0]?.headers.authorization).toBe(`OAuth2 ${access_token}`);

    const appEnv = sandbox.env({ PODIO_APP_ID: APP.app_id, PODIO_APP_TOKEN: APP.app_token });
    const byApp = await runMain(['api', 'item/app/777/filter/', '-F', 'limit=1'], appEnv);
    expect(byApp.code).toBe(0);
    expect((JSON.parse(byApp.stdout) as { items: unknown[] }).items).toHaveLength(1);
    expect(podio.grants('app')).toHaveLength(1);
    expect(existsSync(sandbox.configDir)).toBe(false);
  });

  it('goes to the origin the profile logged in to, and refuses a PODIO_API_URL that names another', async () => {
    const { podio, sandbox } = await setup();
    sandbox.storeLogin(inAnHour());
    // Without the profile's api_url it would go to https://api.podio.com, which this test never reaches.
    const stored = await runMain(
      ['api', '/user/status'],
      sandbox.env({ PODIO_API_URL: undefined, PODIO_AUTH_URL: undefined }),
    );
    expect(stored).toMatchObject({ code: 0, stdout: JSON.stringify(USER_STATUS) });
    expect(podio.apiRequests).toHaveLength(1);

    const elsewhere = await runMain(['api', '/user/status'], sandbox.env({ PODIO_API_URL: 'http://127.0.0.1:9' }));
    expect(elsewhere.code).toBe(2);
    expect(elsewhere.stderr).toMatch(
      /^✗ PODIO_API_URL is http:\/\/127\.0\.0\.1:9, but profile "default" logged in at/m,
    );
    expect(podio.apiRequests).toHaveLength(1);
  });

  it('an explicit --profile uses the stored profile even with credentials in the environment', async () => {
    const { podio, sandbox } = await setup();
    const work = sandbox.storeLogin(inAnHour(), 'work');
    const env = sandbox.env({ PODIO_ACCESS_TOKEN: podio.issueTokens().access_token });
    const result = await runMain(['api', '--profile', 'work', '/user/status'], env);
    expect(result.code).toBe(0);
    expect(podio.apiRequests[0]?.headers.authorization).toBe(`OAuth2 ${work.access_token}`);
    const unknown = await runMain(['api', '--profile', 'nobody', '/user/status'], env);
    expect(unknown.code).toBe(4);
    expect(podio.apiRequests).toHaveLength(1);
  });
});

const bashPresent = (process.env['PATH'] ?? '').split(delimiter).some((dir) => dir && existsSync(join(dir, 'bash')));
if (!bashPresent && process.env['CI'] !== 'true') {
  console.warn(
    '\n*** bash is not installed: the completion of api in bash is SKIPPED (with CI=true it runs, and fails). ***\n',
  );
}

describe('a signal while an HTTP answer is awaited', () => {
  /** An API that takes each request and never answers; `arrived` resolves as each comes in. */
  async function silentApi(): Promise<{ url: string; arrived: () => Promise<void> }> {
    const waiting: (() => void)[] = [];
    const held: ServerResponse[] = [];
    const server = createServer((_req: IncomingMessage, res: ServerResponse) => {
      held.push(res);
      waiting.shift()?.();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    onTestFinished(async () => {
      for (const res of held) res.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    });
    return {
      url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      arrived: () => new Promise((resolve) => waiting.push(resolve)),
    };
  }

  for (const [signal, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
    ['SIGHUP', 129],
  ] as const) {
    it(`${signal} ends api, status and an env-only token with ${code}, its own code`, async () => {
      const api = await silentApi();
      const home = mkdtempSync(join(tmpdir(), 'podio-auth-signal-'));
      onTestFinished(() => rmSync(home, { recursive: true, force: true }));
      const env = { PATH: process.env['PATH'], HOME: home, PODIO_API_URL: api.url };
      for (const [args, extra] of [
        [['api', '/user/status'], { PODIO_ACCESS_TOKEN: 'access-token-0123456789' }],
        [['status'], { PODIO_ACCESS_TOKEN: 'access-token-0123456789' }],
        [
          ['token'],
          { PODIO_CLIENT_ID: 'id', PODIO_CLIENT_SECRET: 'secret-0123', PODIO_REFRESH_TOKEN: 'refresh-0123456' },
        ],
      ] as const) {
        const arrived = api.arrived();
        const child = spawn(process.execPath, [BIN, ...args], { env: { ...env, ...extra }, stdio: 'ignore' });
        const ended = new Promise<number | null>((resolve) => child.on('close', (exit) => resolve(exit)));
        await arrived;
        child.kill(signal);
        expect(await ended, args.join(' ')).toBe(code);
      }
    });
  }
});

describe.skipIf(!bashPresent && process.env['CI'] !== 'true')('completion of api in bash', () => {
  /** What bash's completion function offers for the words so far (the last one being completed). */
  async function complete(words: string[], cwd: string): Promise<string[]> {
    const script = await runMain(['completion', 'bash'], {});
    const file = join(cwd, 'podio-auth.bash');
    writeFileSync(file, script.stdout);
    const program = [
      'source "$1"; shift',
      'COMP_WORDS=("$@"); COMP_CWORD=$(( $# - 1 )); COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}',
      '_podio_auth podio-auth "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"',
      'printf "%s\\n" "${COMPREPLY[@]}"',
    ].join('\n');
    const { stdout } = await promisify(execFile)(
      'bash',
      ['--norc', '--noprofile', '-c', program, 'bash', file, ...words],
      {
        cwd,
        timeout: 30_000,
      },
    );
    return stdout.split('\n').filter(Boolean).sort();
  }

  it("offers api's options, and file names after --input", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'podio-auth-api-completion-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    expect(await complete(['podio-auth', 'api', '--p'], dir)).toEqual(['--page-size', '--paginate', '--profile']);
    expect(await complete(['podio-auth', 'api', '/item/1', '--'], dir)).toEqual(
      expect.arrayContaining(['--field', '--raw-field', '--input', '--header', '--include', '--silent', '--method']),
    );
    writeFileSync(join(dir, 'item.json'), '{}');
    expect(await complete(['podio-auth', 'api', 'item/app/1/', '--input', 'ite'], dir)).toEqual(['item.json']);
  });
});
