import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it, onTestFinished } from 'vitest';
import { resolveEndpoint } from '../../src/api/endpoint.js';
import { addQuery, type FieldSources, parseFields } from '../../src/api/fields.js';
import { parseHeaders } from '../../src/api/headers.js';
import { type PageRequest, paginate, planPagination } from '../../src/api/paginate.js';
import { describeProgress, renderResult } from '../../src/api/render.js';
import {
  type ApiRequestDeps,
  type ApiRequestInput,
  type ApiResult,
  apiRequest,
  sleepFor,
} from '../../src/api/request.js';
import { createItemRoutes, type TokenRef } from '../../src/emulator/items.js';
import { PodioEmulator, USER } from '../../src/emulator/podio-emulator.js';
import { PodioAuthError } from '../../src/errors.js';
import { createHttpClient, type HttpResponse } from '../../src/http.js';
import { thrown } from '../support/errors.js';
import { closedPort } from '../support/http.js';

const ORIGIN = 'https://api.podio.com';

async function rejected(promise: Promise<unknown>): Promise<PodioAuthError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof PodioAuthError) return error;
    throw error;
  }
  throw new Error('did not reject');
}

describe('resolveEndpoint', () => {
  it.each([
    ['/user/status', 'https://api.podio.com/user/status'],
    ['user/status', 'https://api.podio.com/user/status'],
    ['item/123', 'https://api.podio.com/item/123'],
    [
      '/item/app/777/filter/?fields=items.view(micro)',
      'https://api.podio.com/item/app/777/filter/?fields=items.view(micro)',
    ],
    ['https://api.podio.com/item/1?a=b', 'https://api.podio.com/item/1?a=b'],
    ['https://api.podio.com:443/item/1', 'https://api.podio.com/item/1'],
    ['HTTPS://API.PODIO.COM/item/1', 'https://api.podio.com/item/1'],
    ['/user@evil.example/x', 'https://api.podio.com/user@evil.example/x'],
  ])('%s → %s', (endpoint, expected) => {
    expect(resolveEndpoint(endpoint, ORIGIN).toString()).toBe(expected);
  });

  it('keeps a loopback origin and its port', () => {
    expect(resolveEndpoint('item/1', 'http://127.0.0.1:4567').toString()).toBe('http://127.0.0.1:4567/item/1');
    const loopback = 'http://127.0.0.1:4567';
    expect(resolveEndpoint(`${loopback}/item/1`, loopback).toString()).toBe('http://127.0.0.1:4567/item/1');
  });

  it.each([
    ['another host', 'https://evil.example/user/status'],
    ['another scheme', 'http://api.podio.com/user/status'],
    ['another port', 'https://api.podio.com:8443/user/status'],
    ['a subdomain', 'https://api.podio.com.evil.example/x'],
    ['a scheme-relative host', '//evil.example/x'],
    ['a user name', 'https://user@api.podio.com/x'],
    ['a user name and password', 'https://u:p@api.podio.com/x'],
    ['the origin as a user name', 'https://api.podio.com@evil.example/x'],
    ['a backslash', '/\\evil.example/x'],
    ['a backslash in a URL', 'https://api.podio.com\\@evil.example/x'],
    ['a .. segment', 'item/../../oauth/token'],
    ['an encoded .. segment', '/item/%2e%2E/x'],
    ['a . segment', './item/1'],
    ['a .. segment in a full URL', 'https://api.podio.com/a/../b'],
    ['a scheme without //', 'http:evil.example/x'],
    ['another scheme entirely', 'javascript:alert(1)'],
    ['a newline', '/item/1\n/x'],
    ['a tab', 'https://api.podio.com/\tx'],
    ['a space', '/item/ 1'],
  ])('refuses %s', (_what, endpoint) => {
    const error = thrown(() => resolveEndpoint(endpoint, ORIGIN));
    expect(error.code).toBe('endpoint_refused');
    expect(error.exitCode).toBe(2);
    expect(error.message).toContain('Nothing was sent');
  });

  it('refuses an empty endpoint and a fragment as usage errors', () => {
    expect(thrown(() => resolveEndpoint('', ORIGIN)).code).toBe('usage');
    expect(thrown(() => resolveEndpoint('/item/1#x', ORIGIN)).code).toBe('usage');
  });
});

const noSources: FieldSources = {
  readFile: () => Promise.reject(new Error('no file expected')),
  readStdin: () => Promise.reject(new Error('no stdin expected')),
};

describe('parseFields (as gh api)', () => {
  it('-f gives strings, -F types them, @file and @- read contents', async () => {
    const sources: FieldSources = {
      readFile: (path) =>
        path === 'notes.txt' ? Promise.resolve('file contents') : Promise.reject(new Error('unexpected')),
      readStdin: () => Promise.resolve('pasted contents'),
    };
    const params = await parseFields(
      ['robot=Hubot', 'destroyer=false', 'helper=true', 'location=@work', 'equation=a=b'],
      [
        'input=@-',
        'file=@notes.txt',
        'enabled=true',
        'disabled=false',
        'nothing=null',
        'victories=123',
        'negative=-7',
        'big=12345678901234567890',
        'text=12a',
      ],
      sources,
    );
    expect(params).toEqual({
      robot: 'Hubot',
      destroyer: 'false',
      helper: 'true',
      location: '@work',
      equation: 'a=b',
      input: 'pasted contents',
      file: 'file contents',
      enabled: true,
      disabled: false,
      nothing: null,
      victories: 123,
      negative: -7,
      big: '12345678901234567890',
      text: '12a',
    });
  });

  it('builds nested objects and arrays exactly as gh does', async () => {
    const params = await parseFields(
      [
        'branch[name]=patch-1',
        'robots[]=Hubot',
        'robots[]=Dependabot',
        'labels[][name]=bug',
        'labels[][color]=red',
        'labels[][colorOptions][]=red',
        'labels[][colorOptions][]=blue',
        'labels[][name]=feature',
        'labels[][color]=green',
        'labels[][colorOptions][]=red',
        'labels[][colorOptions][]=green',
        'labels[][colorOptions][]=yellow',
        'nested[][key1][key2][key3]=value',
        'empty[]',
      ],
      ['branch[protections]=true', 'ids[]=123', 'ids[]=456'],
      noSources,
    );
    expect(params).toEqual({
      branch: { name: 'patch-1', protections: true },
      empty: [],
      ids: [123, 456],
      labels: [
        { color: 'red', colorOptions: ['red', 'blue'], name: 'bug' },
        { color: 'green', colorOptions: ['red', 'green', 'yellow'], name: 'feature' },
      ],
      nested: [{ key1: { key2: { key3: 'value' } } }],
      robots: ['Hubot', 'Dependabot'],
    });
  });

  it('reads every -f before any -F, whatever the order on the command line', async () => {
    const params = await parseFields(['fields[title]=x'], ['fields[estimate]=3', 'tags[]=a', 'tags[]=b'], noSources);
    expect(JSON.stringify(params)).toBe('{"fields":{"title":"x","estimate":3},"tags":["a","b"]}');
  });

  it.each([
    [['object[field]=A', 'object[field][]=x'], 'already a single value'],
    [['object[field]=B', 'object[field][field2]=x'], 'already a single value'],
    [['object[field][field2]=C', 'object[field]=x'], 'a second time'],
    [['object[field][field2]=D', 'object[field][]=x'], 'already an object'],
    [['object[field][]=E', 'object[field]=x'], 'a second time'],
    [['object[field][]=F', 'object[field][field2]=x'], 'already an array'],
    [['a=1', 'a=2'], 'a second time'],
    [['novalue'], "needs a value after an '=' sign"],
    [['=x'], 'needs a name'],
    [['[a]=x'], 'needs a name'],
  ])('refuses %j', async (fields, message) => {
    const error = await rejected(parseFields(fields, [], noSources));
    expect(error.code).toBe('usage');
    expect(error.message).toContain(message);
  });

  it('names the file it could not read', async () => {
    const missing = Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
    const readFile = () => Promise.reject(missing);
    const error = await rejected(parseFields([], ['body=@nope.txt'], { ...noSources, readFile }));
    expect(error.message).toBe('Could not read the file "nope.txt" for the field "body": no such file.');
  });
});

describe('addQuery (gh flattening)', () => {
  it('uses nested keys as they are, repeats key[] for arrays, sorts by name, keeps the query already there', () => {
    const url = addQuery(new URL('https://api.podio.com/item/1?fields=a'), {
      zeta: 'z',
      fields: { title: 'Hello world' },
      tags: ['a', 'b'],
      flag: true,
      count: 3,
      nothing: null,
    });
    expect(url.search).toBe('?fields=a&count=3&flag=true&nothing=&tags%5B%5D=a&tags%5B%5D=b&title=Hello+world&zeta=z');
  });

  it('leaves the URL alone when there are no fields', () => {
    expect(addQuery(new URL('https://api.podio.com/x'), {}).toString()).toBe('https://api.podio.com/x');
  });
});

describe('parseHeaders', () => {
  it('lower-cases names, trims values and joins repeats', () => {
    expect(parseHeaders(['Accept: text/plain', 'X-Trace:  one ', 'x-trace: two'])).toEqual({
      accept: 'text/plain',
      'x-trace': 'one, two',
    });
  });

  it.each([
    'Authorization: OAuth2 other',
    'authorization:x',
    'Host: evil.example',
    'Content-Length: 5',
    'Transfer-Encoding: chunked',
  ])('refuses %s', (line) => {
    const error = thrown(() => parseHeaders([line]));
    expect(error.code).toBe('usage');
    expect(error.exitCode).toBe(2);
  });

  it('refuses a line without a colon, a bad name and a control character', () => {
    expect(thrown(() => parseHeaders(['X-Thing'])).message).toContain('has no colon');
    expect(thrown(() => parseHeaders(['X Thing: y'])).message).toContain('not a valid header name');
    expect(thrown(() => parseHeaders(['X-Thing: a\r\nHost: evil'])).message).toContain('control character');
  });
});

/** An in-memory list endpoint: `count` numbered items, served by offset and limit. */
function listServer(count: number, shape: 'array' | 'filter', options: { cap?: number; ignoreOffset?: boolean } = {}) {
  const seen: PageRequest[] = [];
  const fetchPage = (request: PageRequest): Promise<HttpResponse> => {
    seen.push(request);
    const params =
      shape === 'array'
        ? Object.fromEntries(request.url.searchParams)
        : (JSON.parse(request.body ?? '{}') as Record<string, unknown>);
    const limit = Math.min(Number(params['limit']), options.cap ?? Infinity);
    const offset = options.ignoreOffset ? 0 : Number(params['offset']);
    const all = Array.from({ length: count }, (_, n) => ({ id: n + 1 }));
    const page = all.slice(offset, offset + limit);
    const body = shape === 'array' ? page : { total: count + 7, filtered: count, items: page };
    const text = JSON.stringify(body);
    return Promise.resolve({ status: 200, headers: { 'content-type': 'application/json' }, text });
  };
  return { seen, fetchPage };
}

describe('paginate', () => {
  it('GET: limit and offset in the query, stops on a short page', async () => {
    const server = listServer(250, 'array');
    const progress: string[] = [];
    const plan = planPagination('GET', new URL('https://api.podio.com/app/space/1/?x=1'), undefined);
    const outcome = await paginate(plan, server.fetchPage, { onProgress: (p) => progress.push(describeProgress(p)) });
    expect(outcome.ok && outcome.items.length).toBe(250);
    expect(server.seen.map((r) => r.url.search)).toEqual([
      '?x=1&limit=100&offset=0',
      '?x=1&limit=100&offset=100',
      '?x=1&limit=100&offset=200',
    ]);
    expect(progress).toEqual([
      'Fetched 100 items (1 page)',
      'Fetched 200 items (2 pages)',
      'Fetched 250 items (3 pages)',
    ]);
  });

  it('GET: an exact multiple of the page size ends with an empty page', async () => {
    const server = listServer(200, 'array');
    const outcome = await paginate(planPagination('GET', new URL('https://x.example/l'), undefined), server.fetchPage);
    expect(outcome.ok && outcome.items.length).toBe(200);
    expect(server.seen).toHaveLength(3);
  });

  it('POST: limit and offset in the body, stops when offset reaches filtered, keeps the rest of the body', async () => {
    const server = listServer(250, 'filter');
    const filter = '{"filters":{"status":[1]}}';
    const plan = planPagination('POST', new URL('https://x.example/item/app/1/filter/'), filter, 100);
    const outcome = await paginate(plan, server.fetchPage);
    const ids = outcome.ok && outcome.items.map((item) => (item as { id: number }).id);
    expect(ids).toEqual(Array.from({ length: 250 }, (_, n) => n + 1));
    expect(server.seen.map((r) => JSON.parse(r.body ?? ''))).toEqual([
      { filters: { status: [1] }, limit: 100, offset: 0 },
      { filters: { status: [1] }, limit: 100, offset: 100 },
      { filters: { status: [1] }, limit: 100, offset: 200 },
    ]);
  });

  it('POST: a server that caps limit below the page size still yields every item (the count says so)', async () => {
    const server = listServer(250, 'filter', { cap: 30 });
    const plan = planPagination('POST', new URL('https://x.example/f'), undefined, 100);
    const outcome = await paginate(plan, server.fetchPage);
    expect(outcome.ok && outcome.items.length).toBe(250);
    expect(server.seen).toHaveLength(9);
  });

  it('takes a limit and offset already in the request as page size and start; --page-size wins', async () => {
    const given = planPagination('GET', new URL('https://x.example/l?limit=20&offset=40'), undefined);
    expect(given).toMatchObject({ pageSize: 20, startOffset: 40 });
    expect(planPagination('POST', new URL('https://x.example/f'), '{"limit":25}', undefined).pageSize).toBe(25);
    expect(planPagination('POST', new URL('https://x.example/f'), '{"limit":25}', 50).pageSize).toBe(50);
  });

  it('refuses what it cannot page', () => {
    expect(thrown(() => planPagination('PUT', new URL('https://x.example/f'), undefined)).code).toBe('usage');
    expect(thrown(() => planPagination('POST', new URL('https://x.example/f'), '[1,2]')).code).toBe('usage');
    expect(thrown(() => planPagination('GET', new URL('https://x.example/f'), undefined, 0)).code).toBe('usage');
  });

  it('stops an endpoint that ignores offset, and a list longer than the page cap', async () => {
    const repeating = listServer(250, 'array', { ignoreOffset: true });
    const plan = planPagination('GET', new URL('https://x.example/l'), undefined);
    const repeated = await rejected(paginate(plan, repeating.fetchPage));
    expect(repeated.code).toBe('pagination_failed');
    expect(repeating.seen).toHaveLength(2);

    const long = listServer(1000, 'array');
    const smallPages = planPagination('GET', new URL('https://x.example/l'), undefined, 10);
    const capped = await rejected(paginate(smallPages, long.fetchPage, { maxPages: 5 }));
    expect(capped.message).toBe('Stopped after 5 pages (50 items) with more to come.');
    expect(long.seen).toHaveLength(5);

    // Pages that together pass the size limit (V8 cannot join strings much past 512 MiB): a clear stop.
    const heavy = listServer(1000, 'array');
    const bytesCapped = await rejected(paginate(smallPages, heavy.fetchPage, { maxBytes: 1_000 }));
    expect(bytesCapped.code).toBe('pagination_failed');
    expect(bytesCapped.message).toBe('Stopped at page 10: the pages add up to more than 1000 bytes.');
  });

  it('reports an answer that is not a list, and hands back a failed page', async () => {
    const object = () => Promise.resolve({ status: 200, headers: {}, text: '{"user":{}}' });
    const plan = planPagination('GET', new URL('https://x.example/l'), undefined);
    expect((await rejected(paginate(plan, object))).code).toBe('pagination_failed');
    const failing = () => Promise.resolve({ status: 404, headers: {}, text: '{"error":"not_found"}' });
    const outcome = await paginate(planPagination('GET', new URL('https://x.example/l'), undefined), failing);
    expect(outcome).toMatchObject({ ok: false, pages: 1, response: { status: 404 } });
  });
});

function result(overrides: Partial<ApiResult>): ApiResult {
  return {
    status: 200,
    headers: { 'content-type': 'application/json; charset=utf-8' },
    body: '{"a":1,"b":[2]}',
    warnings: [],
    requests: 1,
    ...overrides,
  };
}

describe('renderResult', () => {
  it('pretty-prints JSON on a terminal, passes it through as received otherwise', () => {
    expect(renderResult(result({}), { isTTY: true })).toBe('{\n  "a": 1,\n  "b": [\n    2\n  ]\n}\n');
    expect(renderResult(result({}), { isTTY: false })).toBe('{"a":1,"b":[2]}');
  });

  it('shows other bodies as received, with a final newline on a terminal only', () => {
    const html = result({ headers: { 'content-type': 'text/html' }, body: '<h1>502</h1>' });
    expect(renderResult(html, { isTTY: false })).toBe('<h1>502</h1>');
    expect(renderResult(html, { isTTY: true })).toBe('<h1>502</h1>\n');
    const broken = result({ body: '{"a":' });
    expect(renderResult(broken, { isTTY: true })).toBe('{"a":\n');
    expect(renderResult(result({ status: 204, body: '' }), { isTTY: true })).toBe('');
  });

  it('-i puts the status line and sorted headers first; --silent drops the body only', () => {
    const answer = result({ headers: { 'x-rate-limit-remaining': '998', 'content-type': 'application/json' } });
    const head = 'HTTP/1.1 200 OK\ncontent-type: application/json\nx-rate-limit-remaining: 998\n\n';
    expect(renderResult(answer, { isTTY: false, include: true })).toBe(`${head}{"a":1,"b":[2]}`);
    expect(renderResult(answer, { isTTY: false, include: true, silent: true })).toBe(head);
    expect(renderResult(answer, { isTTY: true, silent: true })).toBe('');
    const rateLimited = renderResult(result({ status: 420 }), { isTTY: false, include: true, silent: true });
    expect(rateLimited).toMatch(/^HTTP\/1\.1 420\n/);
  });

  it('prints a merged list as one JSON array', () => {
    const merged = result({ body: '[{"id":1},{"id":2}]', items: [{ id: 1 }, { id: 2 }] });
    expect(renderResult(merged, { isTTY: false })).toBe('[{"id":1},{"id":2}]\n');
    expect(renderResult(merged, { isTTY: true })).toBe('[\n  {\n    "id": 1\n  },\n  {\n    "id": 2\n  }\n]\n');
  });

  it('describes progress with the count when the endpoint gives one', () => {
    expect(describeProgress({ page: 2, items: 200, total: 250 })).toBe('Fetched 200 of 250 items (2 pages)');
  });
});

interface Received {
  method: string;
  path: string;
  query: string;
  headers: IncomingHttpHeaders;
  body: string;
}

type Scripted = number | 'reset';

/**
 * The emulator with the item routes mounted, a log of every request it received, answers scripted per path
 * (a 502, a reset connection), tokens that "Podio" ends before their expiry, and rate-limit headers to send.
 */
class ApiEmulator extends PodioEmulator {
  readonly received: Received[] = [];
  readonly routes = createItemRoutes({ apps: 250 });
  /** Tokens this Podio has ended although they have not expired. */
  readonly endedEarly = new Set<string>();
  /** Ends every token, new ones included. */
  endEveryToken = false;
  rateHeaders: { limit: number; remaining: number } | undefined;
  private readonly scripted = new Map<string, Scripted[]>();

  script(path: string, ...answers: Scripted[]): void {
    this.scripted.set(path, [...(this.scripted.get(path) ?? []), ...answers]);
  }

  protected override extraRoute(url: URL, req: IncomingMessage, body: string, res: ServerResponse): boolean {
    this.received.push({ method: req.method ?? '', path: url.pathname, query: url.search, headers: req.headers, body });
    if (this.rateHeaders) {
      res.setHeader('X-Rate-Limit-Limit', String(this.rateHeaders.limit));
      res.setHeader('X-Rate-Limit-Remaining', String(this.rateHeaders.remaining));
    }
    const next = this.scripted.get(url.pathname)?.shift();
    if (next === 'reset') {
      req.socket.destroy();
      return true;
    }
    if (next !== undefined) {
      res.writeHead(next, { 'content-type': 'text/html' });
      res.end(`<html><body><h1>${next} Bad Gateway</h1></body></html>`);
      return true;
    }
    const token = bearer(req);
    if (token && (this.endEveryToken || this.endedEarly.has(token))) {
      res.setHeader('WWW-Authenticate', 'Bearer realm="podio", error="expired_token"');
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: 'unauthorized', error_description: 'expired_token' }));
      return true;
    }
    return this.routes.route(url, req, body, res, (q, s) => this.check(q, s));
  }

  private check(req: IncomingMessage, res: ServerResponse): TokenRef | undefined {
    if (this.isValidAccessToken(bearer(req))) return { type: 'user', id: USER.user_id };
    res.writeHead(401, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: 'invalid_token', error_description: 'invalid_token' }));
    return undefined;
  }
}

function bearer(req: IncomingMessage): string {
  const header = req.headers.authorization ?? '';
  return header.startsWith('OAuth2 ') ? header.slice('OAuth2 '.length) : '';
}

const scratch = mkdtempSync(join(tmpdir(), 'podio-auth-api-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function scratchFile(name: string, contents: string): string {
  const path = join(scratch, name);
  writeFileSync(path, contents);
  return path;
}

type CallInput = Omit<ApiRequestInput, 'apiOrigin'>;

/** A started emulator, a login on it, and the use case's dependencies: the real HTTP client, no real waiting. */
async function setup(options: { stdin?: string; timeoutMs?: number } = {}) {
  const emulator = await new ApiEmulator().start();
  onTestFinished(() => emulator.stop());
  const issued = [emulator.issueTokens().access_token];
  let sameTokenOnRefresh = false;
  const tokenCalls: boolean[] = [];
  const sleeps: number[] = [];
  const deps: ApiRequestDeps = {
    http: createHttpClient({}, options.timeoutMs ?? 10_000),
    getToken: (forceRefresh) => {
      tokenCalls.push(forceRefresh);
      if (forceRefresh && !sameTokenOnRefresh) issued.push(emulator.issueTokens().access_token);
      return Promise.resolve(issued[issued.length - 1] as string);
    },
    readFile: (path) => readFile(path, 'utf8'),
    stdin: Readable.from(options.stdin === undefined ? [] : [Buffer.from(options.stdin)]),
    sleep: (ms) => {
      sleeps.push(ms);
      return Promise.resolve();
    },
    signal: new AbortController().signal,
  };
  const call = async (input: CallInput, options: { sameTokenOnRefresh?: boolean } = {}): Promise<ApiResult> => {
    sameTokenOnRefresh = options.sameTokenOnRefresh ?? false;
    const answer = await apiRequest({ ...input, apiOrigin: emulator.url }, deps);
    expectNoToken(answer);
    return answer;
  };
  /** Fails the test if any issued token shows up in what the use case handed back. */
  const expectNoToken = (value: unknown) => {
    const text = JSON.stringify(value, (_key, v: unknown) =>
      v instanceof PodioAuthError ? { message: v.message, hint: v.hint } : v,
    );
    for (const token of issued) expect(text).not.toContain(token);
  };
  const fails = async (input: CallInput, apiOrigin = emulator.url): Promise<PodioAuthError> => {
    const error = await rejected(apiRequest({ ...input, apiOrigin }, deps));
    expectNoToken({ message: error.message, hint: error.hint });
    return error;
  };
  return { emulator, issued, tokenCalls, sleeps, call, fails };
}

describe('apiRequest against the emulator', () => {
  it('GET /user/status: Podio JSON, the token as OAuth2, one request', async () => {
    const { emulator, issued, call } = await setup();
    const answer = await call({ endpoint: '/user/status' });
    expect(answer.status).toBe(200);
    expect(answer.error).toBeUndefined();
    expect(JSON.parse(answer.body)).toMatchObject({ user: { user_id: USER.user_id, mail: USER.mail } });
    expect(answer.headers['content-type']).toContain('application/json');
    expect(answer.requests).toBe(1);
    expect(emulator.userStatusCalls).toEqual([`OAuth2 ${issued[0]}`]);
  });

  it('-f/-F: a JSON body, POST by default; the item is created with Podio shapes', async () => {
    const { emulator, call } = await setup();
    const created = await call({
      endpoint: 'item/app/777/',
      rawFields: ['fields[title]=Write the report'],
      typedFields: ['fields[estimate]=3', 'fields[status]=2', 'tags[]=urgent', 'tags[]=q3'],
    });
    const request = emulator.received.at(-1) as Received;
    expect(request.method).toBe('POST');
    expect(request.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(request.body).toBe('{"fields":{"title":"Write the report","estimate":3,"status":2},"tags":["urgent","q3"]}');
    const { item_id: itemId, title } = JSON.parse(created.body) as { item_id: number; title: string };
    expect(title).toBe('Write the report');

    const item = JSON.parse((await call({ endpoint: `/item/${itemId}` })).body) as Record<string, unknown>;
    expect(item).toMatchObject({
      item_id: itemId,
      title: 'Write the report',
      tags: ['urgent', 'q3'],
      app: { app_id: 777 },
    });
    const fields = item['fields'] as { external_id: string; values: { value: unknown }[] }[];
    expect(fields.map((field) => [field.external_id, field.values[0]?.value])).toEqual([
      ['title', 'Write the report'],
      ['status', { id: 2, text: 'Done', status: 'active', color: 'D2E4EB' }],
      ['estimate', '3.0000'],
    ]);
    expect(emulator.routes.items(777)).toHaveLength(251);
  });

  it('-F @file and @- read a value from a file and from standard input', async () => {
    const { emulator, call } = await setup({ stdin: 'from stdin' });
    const path = scratchFile('title.txt', 'from a file');
    await call({ endpoint: 'item/app/777/', typedFields: [`fields[title]=@${path}`, 'external_id=@-'] });
    const sent = JSON.parse((emulator.received.at(-1) as Received).body) as unknown;
    expect(sent).toEqual({ fields: { title: 'from a file' }, external_id: 'from stdin' });
  });

  it('fields on a GET become the query, flattened as gh does', async () => {
    const { emulator, call } = await setup();
    const answer = await call({
      endpoint: '/app/space/555/',
      method: 'get',
      rawFields: ['limit=2'],
      typedFields: ['offset=1', 'view[type]=micro'],
    });
    const request = emulator.received.at(-1) as Received;
    expect(request).toMatchObject({ method: 'GET', query: '?limit=2&offset=1&type=micro', body: '' });
    expect((JSON.parse(answer.body) as { app_id: number }[]).map((app) => app.app_id)).toEqual([778, 779]);
  });

  it('--input sends the file as the body (fields go to the query); --input - reads standard input', async () => {
    const { emulator, call } = await setup({ stdin: '{"limit":1}' });
    const body = '{"limit": 2, "sort_by": "item_id", "sort_desc": false}';
    const input = scratchFile('filter.json', body);
    const answer = await call({ endpoint: 'item/app/777/filter/', input, typedFields: ['silent=true'] });
    const request = emulator.received.at(-1) as Received;
    expect(request).toMatchObject({ method: 'POST', query: '?silent=true', body });
    expect(request.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(JSON.parse(answer.body)).toMatchObject({
      total: 250,
      filtered: 250,
      items: [{ app_item_id: 1 }, { app_item_id: 2 }],
    });

    await call({ endpoint: 'item/app/777/filter/', input: '-' });
    expect((emulator.received.at(-1) as Received).body).toBe('{"limit":1}');
  });

  it('-H adds headers; Authorization cannot be set and nothing is sent', async () => {
    const { emulator, call, fails } = await setup();
    await call({ endpoint: '/user/status', headers: ['X-Podio-Trace: abc', 'Accept: application/json'] });
    expect((emulator.received.at(-1) as Received).headers['x-podio-trace']).toBe('abc');
    const before = emulator.received.length;
    const error = await fails({ endpoint: '/user/status', headers: ['Authorization: OAuth2 someone-elses'] });
    expect(error.code).toBe('usage');
    expect(emulator.received).toHaveLength(before);
  });

  it('--paginate over a GET array: 250 apps in pages of 100, one array, 3 requests', async () => {
    const { emulator, call } = await setup();
    const pages: number[] = [];
    const answer = await call({ endpoint: '/app/space/555/', paginate: true, onProgress: (p) => pages.push(p.items) });
    expect(answer.items).toHaveLength(250);
    expect(answer.requests).toBe(3);
    expect(JSON.parse(answer.body)).toEqual(answer.items);
    expect(new Set((answer.items as { app_id: number }[]).map((app) => app.app_id)).size).toBe(250);
    expect(emulator.received.map((r) => r.query)).toEqual([
      '?limit=100&offset=0',
      '?limit=100&offset=100',
      '?limit=100&offset=200',
    ]);
    expect(pages).toEqual([100, 200, 250]);
  });

  it('--paginate over a POST filter: 250 items in pages of 100, one array, 3 requests', async () => {
    const { emulator, call } = await setup();
    const answer = await call({ endpoint: 'item/app/777/filter/', method: 'POST', paginate: true });
    expect(answer.items).toHaveLength(250);
    expect(answer.requests).toBe(3);
    expect(new Set((answer.items as { item_id: number }[]).map((item) => item.item_id)).size).toBe(250);
    expect(emulator.received.map((r) => JSON.parse(r.body) as unknown)).toEqual([
      { limit: 100, offset: 0 },
      { limit: 100, offset: 100 },
      { limit: 100, offset: 200 },
    ]);
  });

  it('--paginate with a filter stops at the filtered count', async () => {
    const { emulator, call } = await setup();
    const answer = await call({
      endpoint: 'item/app/777/filter/',
      paginate: true,
      pageSize: 50,
      typedFields: ['filters[status][]=2'],
    });
    expect(answer.items).toHaveLength(83);
    expect(emulator.received).toHaveLength(2);
  });

  it('expired_token on a locally valid token: one refresh, one retry, success', async () => {
    const { emulator, issued, tokenCalls, call } = await setup();
    emulator.endedEarly.add(issued[0] as string);
    const answer = await call({ endpoint: '/user/status' });
    expect(answer.status).toBe(200);
    expect(answer.error).toBeUndefined();
    expect(tokenCalls).toEqual([false, true]);
    expect(answer.requests).toBe(2);
    const sent = emulator.received.map((r) => r.headers.authorization);
    expect(sent).toEqual([`OAuth2 ${issued[0]}`, `OAuth2 ${issued[1]}`]);
  });

  it('a refreshed token Podio rejects too: token_rejected (exit 4) after one refresh and one retry', async () => {
    const { emulator, tokenCalls, call } = await setup();
    emulator.endEveryToken = true;
    const answer = await call({ endpoint: '/item/1000001' });
    expect(answer.status).toBe(401);
    expect(answer.error?.code).toBe('token_rejected');
    expect(answer.error?.exitCode).toBe(4);
    expect(answer.error?.message).toBe('Podio rejected the access token (expired_token) even after a refresh.');
    expect(JSON.parse(answer.body)).toEqual({ error: 'unauthorized', error_description: 'expired_token' });
    expect(tokenCalls).toEqual([false, true]);
    expect(answer.requests).toBe(2);
  });

  it('no retry when the refresh gives the same token back', async () => {
    const { emulator, tokenCalls, call } = await setup();
    emulator.endEveryToken = true;
    const answer = await call({ endpoint: '/user/status' }, { sameTokenOnRefresh: true });
    expect(answer.error?.message).toBe(
      'Podio rejected the access token (expired_token) and refreshing gave no other token.',
    );
    expect(tokenCalls).toEqual([false, true]);
    expect(answer.requests).toBe(1);
  });

  it('refreshes only for expired_token/invalid_token, not for another 401', async () => {
    const { emulator, tokenCalls, call } = await setup();
    emulator.script('/user/status', 401);
    const answer = await call({ endpoint: '/user/status' });
    expect(answer.error?.code).toBe('http_error');
    expect(answer.error?.message).toBe('HTTP 401');
    expect(tokenCalls).toEqual([false]);
    expect(answer.requests).toBe(1);
  });

  it('420: rate_limited with the figures and the hourly window, exactly one request', async () => {
    const { emulator, tokenCalls, sleeps, call } = await setup();
    emulator.fault('/user/status', 'rate-limit');
    const answer = await call({ endpoint: '/user/status' });
    expect(answer.status).toBe(420);
    expect(answer.error?.code).toBe('rate_limited');
    expect(answer.error?.exitCode).toBe(1);
    expect(answer.error?.message).toBe('Rate limited by Podio (HTTP 420): 0 of 1000 calls left in the current hour.');
    expect(answer.warnings).toEqual([]);
    expect(answer.requests).toBe(1);
    expect(emulator.received).toHaveLength(1);
    expect(tokenCalls).toEqual([false]);
    expect(sleeps).toEqual([]);
  });

  it('a low X-Rate-Limit-Remaining becomes a warning (under 10 % of the limit)', async () => {
    const { emulator, call } = await setup();
    emulator.rateHeaders = { limit: 1000, remaining: 100 };
    expect((await call({ endpoint: '/item/1000001' })).warnings).toEqual([]);
    emulator.rateHeaders = { limit: 1000, remaining: 99 };
    expect((await call({ endpoint: '/item/1000001' })).warnings).toEqual([
      "Podio's rate limit is nearly used: 99 of 1000 calls left in the current hour.",
    ]);
  });

  it('POST is never retried on a 502', async () => {
    const { emulator, sleeps, call } = await setup();
    emulator.script('/item/app/777/', 502, 502);
    const answer = await call({ endpoint: 'item/app/777/', rawFields: ['fields[title]=once'] });
    expect(answer.status).toBe(502);
    expect(answer.error?.code).toBe('http_error');
    expect(answer.error?.message).toBe('HTTP 502');
    expect(answer.body).toContain('502 Bad Gateway');
    expect(answer.requests).toBe(1);
    expect(emulator.received).toHaveLength(1);
    expect(sleeps).toEqual([]);
  });

  it('POST is never retried on a reset connection either', async () => {
    const { emulator, fails } = await setup();
    emulator.script('/item/app/777/', 'reset');
    const error = await fails({ endpoint: 'item/app/777/', rawFields: ['fields[title]=once'] });
    expect(error.code).toBe('network');
    expect(emulator.received).toHaveLength(1);
    expect(emulator.routes.items(777)).toHaveLength(250);
  });

  it('GET on 502 is retried at most twice, with a growing pause', async () => {
    const { emulator, sleeps, call } = await setup();
    emulator.script('/item/1000001', 502, 503, 504, 502);
    const answer = await call({ endpoint: '/item/1000001' });
    expect(answer.status).toBe(504);
    expect(answer.error?.message).toBe('HTTP 504');
    expect(answer.requests).toBe(3);
    expect(emulator.received).toHaveLength(3);
    expect(sleeps).toEqual([1000, 2000]);
  });

  it('GET: a 502 then a 200 is a success; so is a reset then a 200', async () => {
    const { emulator, sleeps, call } = await setup();
    emulator.script('/item/1000001', 502);
    const answer = await call({ endpoint: '/item/1000001' });
    expect(answer.status).toBe(200);
    expect(answer.error).toBeUndefined();
    expect(answer.requests).toBe(2);

    emulator.script('/user/status', 'reset');
    const afterReset = await call({ endpoint: '/user/status' });
    expect(afterReset.status).toBe(200);
    expect(afterReset.requests).toBe(2);
    expect(sleeps).toEqual([1000, 1000]);
  });

  it('GET is not retried on a refused connection or a timeout', async () => {
    const { emulator, sleeps, fails } = await setup({ timeoutMs: 300 });
    const refused = await fails({ endpoint: '/user/status' }, `http://127.0.0.1:${await closedPort()}`);
    expect(refused.code).toBe('network');
    emulator.fault('/user/status', 'hang', 3);
    const timedOut = await fails({ endpoint: '/user/status' });
    expect(timedOut.code).toBe('timeout');
    expect(emulator.received).toHaveLength(1);
    expect(sleeps).toEqual([]);
  });

  it('Ctrl-C during the pause before a retry ends the command as interrupted, without another request', async () => {
    const controller = new AbortController();
    let requests = 0;
    const deps: ApiRequestDeps = {
      http: () => {
        requests++;
        return Promise.resolve({ status: 502, headers: {}, text: '' });
      },
      getToken: () => Promise.resolve('t0k3n-for-this-test'),
      readFile: () => Promise.reject(new Error('not used')),
      stdin: Readable.from([]),
      sleep: (ms, signal) => {
        controller.abort();
        return sleepFor(ms, signal);
      },
      signal: controller.signal,
    };
    const error = await rejected(apiRequest({ endpoint: '/item/1', apiOrigin: ORIGIN }, deps));
    expect(error.code).toBe('interrupted');
    expect(requests).toBe(1);
  });

  it("404: the body is kept for stdout, http_error with Podio's description", async () => {
    const { call } = await setup();
    const answer = await call({ endpoint: '/item/999' });
    expect(answer.status).toBe(404);
    expect(JSON.parse(answer.body)).toMatchObject({ error: 'not_found', error_description: 'Object not found' });
    expect(answer.error?.code).toBe('http_error');
    expect(answer.error?.exitCode).toBe(1);
    expect(answer.error?.message).toBe('HTTP 404: Object not found');
    expect(answer.error?.podio).toEqual({ status: 404, error: 'not_found', errorDescription: 'Object not found' });
  });

  it('a full URL on another origin is refused: exit 2, nothing sent, no token asked for, no file read', async () => {
    const { emulator, tokenCalls, fails } = await setup({ stdin: 'never read' });
    const port = Number(new URL(emulator.url).port);
    const elsewhere = [
      `http://localhost:${port}/user/status`,
      `http://127.0.0.1:${port + 1}/user/status`,
      'https://evil.example/user/status',
    ];
    for (const endpoint of elsewhere) {
      const error = await fails({ endpoint, input: '/nonexistent/body.json' });
      expect(error.code).toBe('endpoint_refused');
      expect(error.exitCode).toBe(2);
    }
    expect(emulator.received).toEqual([]);
    expect(emulator.userStatusCalls).toEqual([]);
    expect(tokenCalls).toEqual([]);
  });

  it('a full URL on the API origin is used', async () => {
    const { emulator, call } = await setup();
    expect((await call({ endpoint: `${emulator.url}/user/status?x=1` })).status).toBe(200);
    expect(emulator.received.map((r) => r.query)).toEqual(['?x=1']);
  });

  it('usage errors before anything is sent: -X, --input with GET, stdin twice', async () => {
    const { emulator, fails } = await setup({ stdin: 'x' });
    const badMethod = await fails({ endpoint: '/user/status', method: 'PATCH' });
    expect(badMethod.message).toBe("-X PATCH: Podio's API uses GET, POST, PUT, DELETE.");
    expect((await fails({ endpoint: 'item/1', method: 'GET', input: '-' })).code).toBe('usage');
    const stdinTwice = await fails({ endpoint: 'item/1', input: '-', typedFields: ['a=@-'] });
    expect(stdinTwice.message).toContain('read only once');
    const missingInput = await fails({ endpoint: 'item/1', input: join(scratch, 'missing.json') });
    expect(missingInput.message).toContain('no such file');
    expect(emulator.received).toEqual([]);
  });
});
