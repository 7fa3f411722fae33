import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, onTestFinished } from 'vitest';
import { aMinuteAgo, BIN, type CliResult, ROOT, runCliWith, startSandbox } from '../support/cli.js';

/**
 * The Redis client costs about 70 ms to load: only a command that uses a Redis store may load it. The built CLI runs
 * under a module hook that records every module it loads.
 */

const RECORDER = join(ROOT, 'test', 'support', 'record-loads.mjs');

/** The modules `podio-auth args…` loaded, as file paths. */
async function loadedBy(
  args: string[],
  env: Record<string, string | undefined>,
): Promise<{ result: CliResult; files: string[] }> {
  const log = join(String(env['HOME']), 'loaded.txt');
  const result = await runCliWith(process.execPath, ['--import', RECORDER, BIN, ...args], {
    ...env,
    RECORD_LOADS: log,
  });
  const urls = existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean) : [];
  const files = urls.filter((url) => url.startsWith('file:')).map((url) => fileURLToPath(url));
  return { result, files };
}

/** node-redis, bundled into a chunk of its own (this marker is one of its classes), or loaded from node_modules. */
const isRedisClient = (file: string): boolean =>
  /node_modules[/\\](redis|@redis)[/\\]/.test(file) || readFileSync(file, 'utf8').includes('VerbatimString');

/** A server that hangs up on every connection: a Redis store there fails at once, after loading the client. */
async function startHangUpServer(): Promise<Server> {
  const server = createServer((socket) => socket.destroy());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return server;
}

describe('loading the Redis client', () => {
  it('token on a file profile, refreshing through the full CLI, never loads it', async () => {
    const { podio, sandbox } = await startSandbox();
    sandbox.storeLogin(aMinuteAgo());
    const { result, files } = await loadedBy(['token'], sandbox.env());
    expect(result.code, result.stderr).toBe(0);
    expect(podio.grants('refresh_token')).toHaveLength(1);
    // The full CLI ran (the fast path answers only a valid token), and the recording saw it.
    expect(files).toContain(join(ROOT, 'dist', 'cli', 'cli.js'));
    expect(files.filter(isRedisClient)).toEqual([]);
  });

  it('token on a Redis store loads it (and fails, the server hanging up): what the check above would see', async () => {
    const { sandbox } = await startSandbox();
    const server = await startHangUpServer();
    const port = (server.address() as { port: number }).port;
    const { result, files } = await loadedBy(['token'], sandbox.env({ PODIO_AUTH_STORE: `redis://127.0.0.1:${port}` }));
    expect(result.stderr).toMatch(/Redis at 127\.0\.0\.1/);
    expect(files.filter(isRedisClient)).toHaveLength(1);
  });
});

describe("Node's modules a token refresh takes", () => {
  const RECORD_BUILTINS = join(ROOT, 'test', 'support', 'record-builtins.cjs');

  it('on a file profile over http: neither node:crypto nor node:tls (on Node 24 they cost a tenth of it)', async () => {
    const { podio, sandbox } = await startSandbox();
    sandbox.storeLogin(aMinuteAgo());
    const log = join(sandbox.root, 'builtins.txt');
    const result = await runCliWith(process.execPath, ['--require', RECORD_BUILTINS, BIN, 'token'], {
      ...sandbox.env(),
      RECORD_BUILTINS: log,
    });
    expect(result.code, result.stderr).toBe(0);
    expect(podio.grants('refresh_token')).toHaveLength(1);
    const taken = new Set(readFileSync(log, 'utf8').split('\n').filter(Boolean));
    // The refresh went through the recording: it saw the modules the request and the atomic write took.
    expect([...taken]).toEqual(expect.arrayContaining(['fs', 'net', 'http']));
    expect([...taken].filter((id) => id === 'crypto' || id === 'tls')).toEqual([]);
  });
});
