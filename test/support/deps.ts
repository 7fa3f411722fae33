import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { onTestFinished } from 'vitest';
import type { Deps } from '../../src/deps.js';
import type { HttpSend } from '../../src/http.js';
import { createSecretRegistry } from '../../src/secrets.js';
import { openFileStore } from '../../src/store/file/store.js';
import { createPrompter } from '../../src/ui/prompt.js';
import { readAll } from './streams.js';

/** A whole `Deps` of fakes for in-process tests: a private config dir, captured streams, a fixed clock. */
export function fakeDeps(send: HttpSend, env: Record<string, string> = {}, overrides: Partial<Deps> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'podio-auth-deps-'));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const stdin = new PassThrough();
  const fullEnv = { PODIO_AUTH_CONFIG_DIR: dir, ...env };
  const secrets = createSecretRegistry();
  secrets.addEnv(fullEnv);
  const signal = new AbortController().signal;
  const http = Object.assign(send, { close: async () => {} });
  const deps: Deps = {
    env: fullEnv,
    stdin,
    stdout,
    stderr,
    signal,
    forceSignal: signal,
    critical: (work) => work(() => {}),
    now: () => new Date('2026-01-01T00:00:00Z'),
    monotonic: () => performance.now(),
    sleep: async () => {},
    http,
    store: openFileStore({ dir }),
    openRedis: () => {
      throw new Error('no Redis in this test');
    },
    openBrowser: async () => {},
    prompter: createPrompter({ stdin, stderr, signal }),
    resolve: async () => ['127.0.0.1'],
    secrets,
    debug: () => {},
    onSignal: () => () => {},
    releaseLocksNow: () => {},
    ...overrides,
  };
  const text = (stream: PassThrough) => readAll(stream);
  return { deps, dir, out: () => text(stdout), err: () => text(stderr) };
}

export const unexpectedHttp: HttpSend = async () => {
  throw new Error('no network in this test');
};
