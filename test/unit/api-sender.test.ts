import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { type BuiltRequest, buildRequest, type RequestSpec } from '../../src/api/build-request.js';
import { resultOf, scrubber } from '../../src/api/result.js';
import { createSender, type SendDeps } from '../../src/api/sender.js';
import { PodioAuthError } from '../../src/errors.js';
import type { HttpRequest, HttpResponse } from '../../src/http.js';

const ORIGIN = 'https://api.podio.test';

/** Deps whose HTTP answers come from `answers`, in order, recording what was sent, waited for, and asked for. */
function fakes(answers: (HttpResponse | Error)[], tokens: string[] = ['token-one', 'token-two']) {
  const sent: HttpRequest[] = [];
  const pauses: number[] = [];
  const refreshes: boolean[] = [];
  const controller = new AbortController();
  const deps: SendDeps = {
    http: async (request) => {
      sent.push(request);
      const next = answers.shift();
      if (next === undefined) throw new Error('no answer left');
      if (next instanceof Error) throw next;
      return next;
    },
    getToken: async (forceRefresh) => {
      refreshes.push(forceRefresh);
      return (forceRefresh ? tokens[1] : tokens[0]) ?? '';
    },
    sleep: async (ms) => {
      pauses.push(ms);
    },
    signal: controller.signal,
  };
  return { deps, sent, pauses, refreshes, controller };
}

const ok = (text = '{}', headers: Record<string, string> = {}): HttpResponse => ({ status: 200, headers, text });
const status = (code: number, body: unknown = {}): HttpResponse => ({
  status: code,
  headers: {},
  text: JSON.stringify(body),
});
const expired = () => status(401, { error: 'unauthorized', error_description: 'expired_token' });
const reset = () =>
  new PodioAuthError('network', 'The connection closed.', {
    cause: Object.assign(new Error('x'), { code: 'ECONNRESET' }),
  });

const request = (method: BuiltRequest['method']): BuiltRequest => ({
  method,
  url: new URL('/item/1', ORIGIN),
  headers: { accept: 'application/json' },
  body: method === 'GET' ? undefined : '{}',
});
const page = (built: BuiltRequest) => ({ url: built.url, body: built.body });

describe('sending a request with the access token', () => {
  it('puts the token only in the Authorization header, and counts requests', async () => {
    const { deps, sent } = fakes([ok()]);
    const built = request('POST');
    const sender = createSender(built, deps);
    expect((await sender.send(page(built))).status).toBe(200);
    expect(sent).toHaveLength(1);
    expect(sent[0]?.headers).toEqual({ accept: 'application/json', authorization: 'OAuth2 token-one' });
    expect(sent[0]?.url).toBe(`${ORIGIN}/item/1`);
    expect(sent[0]?.body).toBe('{}');
    expect(sender.record.requests).toBe(1);
  });

  it('asks for the token once for many pages', async () => {
    const { deps, refreshes } = fakes([ok(), ok()]);
    const sender = createSender(request('GET'), deps);
    await sender.send(page(request('GET')));
    await sender.send(page(request('GET')));
    expect(refreshes).toEqual([false]);
  });

  it('a rejected token: one refresh and one retry with the new token, never a second refresh', async () => {
    const { deps, sent, refreshes } = fakes([expired(), expired(), expired()]);
    const sender = createSender(request('GET'), deps);
    expect((await sender.send(page(request('GET')))).status).toBe(401);
    expect(sent.map((r) => r.headers['authorization'])).toEqual(['OAuth2 token-one', 'OAuth2 token-two']);
    expect(sender.record.tokenRetry).toBe('retried');
    await sender.send(page(request('GET')));
    expect(refreshes).toEqual([false, true]);
    expect([...sender.record.tokens]).toEqual(['token-one', 'token-two']);
  });

  it('a refresh that gives the same token back is not retried', async () => {
    const { deps, sent } = fakes([expired()], ['same-token', 'same-token']);
    const sender = createSender(request('GET'), deps);
    await sender.send(page(request('GET')));
    expect(sent).toHaveLength(1);
    expect(sender.record.tokenRetry).toBe('no-new-token');
  });

  it('another 401 is not a reason to refresh', async () => {
    const { deps, refreshes } = fakes([status(401, { error: 'unauthorized', error_description: 'no_access' })]);
    await createSender(request('GET'), deps).send(page(request('GET')));
    expect(refreshes).toEqual([false]);
  });

  it('a GET is retried after 502 and a reset, with the policy pauses; a POST never', async () => {
    const get = fakes([status(502), reset(), ok()]);
    const sender = createSender(request('GET'), get.deps);
    expect((await sender.send(page(request('GET')))).status).toBe(200);
    expect(get.pauses).toEqual([1000, 2000]);
    expect(sender.record.requests).toBe(3);

    const post = fakes([status(502)]);
    expect((await createSender(request('POST'), post.deps).send(page(request('POST')))).status).toBe(502);
    const postReset = fakes([reset()]);
    await expect(createSender(request('POST'), postReset.deps).send(page(request('POST')))).rejects.toMatchObject({
      code: 'network',
    });
    expect([post.pauses, postReset.pauses]).toEqual([[], []]);
  });

  it('gives up after two retries and hands back the last answer', async () => {
    const { deps, sent } = fakes([status(503), status(503), status(504)]);
    expect((await createSender(request('GET'), deps).send(page(request('GET')))).status).toBe(504);
    expect(sent).toHaveLength(3);
  });

  it('an abort during the pause ends it as interrupted, with no further request', async () => {
    const { deps, sent, controller } = fakes([status(502), ok()]);
    deps.sleep = async () => {
      controller.abort();
      throw new Error('aborted');
    };
    await expect(createSender(request('GET'), deps).send(page(request('GET')))).rejects.toMatchObject({
      code: 'interrupted',
    });
    expect(sent).toHaveLength(1);
  });

  it('an abort during a pause that still resolves ends it as interrupted too', async () => {
    const { deps, sent, controller } = fakes([reset(), ok()]);
    deps.sleep = async () => controller.abort();
    await expect(createSender(request('GET'), deps).send(page(request('GET')))).rejects.toMatchObject({
      code: 'interrupted',
    });
    expect(sent).toHaveLength(1);
  });

  it('keeps the rate-limit warning of the latest answer with figures', async () => {
    const low = { 'x-rate-limit-limit': '1000', 'x-rate-limit-remaining': '5' };
    const plenty = { 'x-rate-limit-limit': '1000', 'x-rate-limit-remaining': '900' };
    const { deps } = fakes([ok('{}', low), ok('{}'), ok('{}', plenty)]);
    const sender = createSender(request('GET'), deps);
    await sender.send(page(request('GET')));
    await sender.send(page(request('GET')));
    expect(sender.record.rateWarning).toMatch(/5 of 1000/);
    await sender.send(page(request('GET')));
    expect(sender.record.rateWarning).toBe(undefined);
  });
});

describe('the result of a call', () => {
  it('scrubs every token of six characters or more from body, headers, error and warning', () => {
    const tokens = new Set(['secret-token', 'abc']);
    expect(scrubber(tokens)('secret-token and secret-token, abc')).toBe('[redacted] and [redacted], abc');
    const response: HttpResponse = {
      status: 404,
      headers: { 'x-echo': 'OAuth2 secret-token' },
      text: '{"error_description":"bad secret-token"}',
    };
    const record = { requests: 2, rateWarning: 'nearly used secret-token', tokenRetry: 'none' as const, tokens };
    const result = resultOf(response, response.text, record);
    expect(result.headers).toEqual({ 'x-echo': 'OAuth2 [redacted]' });
    expect(result.body).toBe('{"error_description":"bad [redacted]"}');
    expect(result.error?.message).toBe('HTTP 404: bad [redacted]');
    expect(result.warnings).toEqual(['nearly used [redacted]']);
    expect(result.requests).toBe(2);
  });

  it('leaves the rate-limit warning out when the answer is the rate limit itself', () => {
    const record = { requests: 1, rateWarning: 'nearly used', tokenRetry: 'none' as const, tokens: new Set<string>() };
    expect(resultOf(status(420), '{}', record).warnings).toEqual([]);
    expect(resultOf(ok(), '{}', record).warnings).toEqual(['nearly used']);
  });
});

describe('building the request from the command line', () => {
  const build = (spec: Partial<RequestSpec>, stdin = '', files: Record<string, string> = {}) =>
    buildRequest(
      { endpoint: '/item/app/7/', apiOrigin: ORIGIN, ...spec },
      {
        readFile: async (path) => {
          const text = files[path];
          if (text === undefined) throw Object.assign(new Error('missing'), { code: 'ENOENT' });
          return text;
        },
        stdin: Readable.from([stdin]),
      },
    );

  it('GET without fields; POST with fields as a JSON body; a GET with fields puts them in the query', async () => {
    expect(await build({})).toEqual({
      method: 'GET',
      url: new URL(`${ORIGIN}/item/app/7/`),
      headers: { accept: 'application/json' },
      body: undefined,
    });
    const post = await build({ rawFields: ['title=Hi'] });
    expect([post.method, post.body, post.headers['content-type']]).toEqual([
      'POST',
      '{"title":"Hi"}',
      'application/json; charset=utf-8',
    ]);
    const get = await build({ method: 'get', rawFields: ['limit=5'] });
    expect([get.method, get.url.search, get.body]).toEqual(['GET', '?limit=5', undefined]);
  });

  it('--input is the body and sends fields to the query; a given Content-Type and Accept are kept', async () => {
    const built = await build(
      {
        input: 'item.json',
        rawFields: ['silent=1'],
        method: 'PUT',
        headers: ['Content-Type: text/plain', 'Accept: */*'],
      },
      '',
      { 'item.json': '{"a":1}' },
    );
    expect(built).toMatchObject({
      method: 'PUT',
      body: '{"a":1}',
      headers: { 'content-type': 'text/plain', accept: '*/*' },
    });
    expect(built.url.search).toBe('?silent=1');
    expect((await build({ input: '-' }, 'from stdin')).body).toBe('from stdin');
  });

  it('refuses a GET with --input, an empty --input, an unreadable --input, stdin twice, and an unknown -X', async () => {
    await expect(build({ input: 'x', method: 'GET' }, '', { x: '' })).rejects.toThrow(/a GET cannot carry/);
    await expect(build({ input: '' })).rejects.toThrow(/--input needs a file name/);
    await expect(build({ input: 'nope.json' })).rejects.toThrow(/Could not read --input "nope.json": no such file/);
    await expect(build({ input: '-', typedFields: ['a=@-'] })).rejects.toThrow(
      'Standard input can be read only once: --input - reads it, so a field with @- cannot.',
    );
    await expect(build({ method: 'PATCH' })).rejects.toThrow("-X PATCH: Podio's API uses GET, POST, PUT, DELETE.");
  });
});
