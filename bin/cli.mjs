#!/usr/bin/env node
// The only place that touches the process: signals, streams, the exit code. Everything else is in main().
import { createDeps } from '../dist/deps.js';
import { main } from '../dist/main.js';
import { SECRET_ENV_NAMES } from '../dist/output.js';

const controller = new AbortController();
// `exec` takes signals over while its command runs, to forward them.
const signalListeners = new Set();
const onSignal = (signal) => {
  if (signalListeners.size > 0) {
    for (const listener of signalListeners) listener(signal);
    return;
  }
  // A second Ctrl-C means "now": do not wait for clean-up.
  if (controller.signal.aborted) process.exit(signal === 'SIGINT' ? 130 : 143);
  controller.abort();
};
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, onSignal);
// `podio-auth token | head -c 10`: a reader that goes away is not an error worth a stack trace.
process.stdout.on('error', (error) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

const env = { ...process.env };
// Child processes (the system's browser opener) inherit process.env; the secrets in it are ours alone.
for (const name of SECRET_ENV_NAMES) delete process.env[name];

const deps = createDeps({
  env,
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
  signal: controller.signal,
  onSignal: (listener) => {
    signalListeners.add(listener);
    return () => signalListeners.delete(listener);
  },
});
const code = await main(process.argv.slice(2), deps);
process.exitCode = code;
// Nothing should keep the process alive once main() is done; if something does (a stray socket), do not hang.
setTimeout(() => process.exit(code), 2000).unref();
