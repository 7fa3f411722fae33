/**
 * The keyring helper process: it makes the `@napi-rs/keyring` calls for one vault (helper-process.ts), because
 * those calls block their thread and may never return on a hung bus; the vault kills this process when a call
 * overruns. The build bundles it on its own, as dist/keyring-helper.mjs, started as `node keyring-helper.mjs
 * <service>`; it imports nothing of podio-auth at run time, and loads the native module from where it is installed.
 */
import { createRequire } from 'node:module';
import type * as Keyring from '@napi-rs/keyring';
import type { HelperReply, HelperRequest } from './protocol.js';

type KeyringModule = typeof Keyring;

const service = process.argv[2] ?? '';

/** Pinned to the Secret Service on Linux: left to itself the library falls back to the kernel keyring, silently. */
const ENTRY_OPTIONS: Keyring.EntryOptions = { linux: { store: 'secret-service' } };

function loadKeyring(): KeyringModule | Error {
  try {
    // Found from this file as from the rest of podio-auth: in its node_modules, or in the one it is installed in.
    return createRequire(import.meta.url)('@napi-rs/keyring') as KeyringModule;
  } catch (error) {
    return error instanceof Error ? error : new Error(String(error));
  }
}

function perform(keyring: KeyringModule, request: HelperRequest): unknown {
  const entry = (account: string) => new keyring.Entry(service, account, ENTRY_OPTIONS);
  switch (request.op) {
    case 'get':
      return entry(request.account).getPassword();
    case 'set':
      return entry(request.account).setPassword(request.value);
    case 'delete':
      return entry(request.account).deleteCredential();
    case 'list':
      return keyring.findCredentials(service).map((credential) => credential.account);
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function answer(keyring: KeyringModule | Error, line: string): HelperReply {
  const request = JSON.parse(line) as HelperRequest;
  if (keyring instanceof Error) return { id: request.id, ok: false, stage: 'load', message: messageOf(keyring) };
  try {
    return { id: request.id, ok: true, result: perform(keyring, request) ?? null };
  } catch (error) {
    return { id: request.id, ok: false, stage: 'call', message: messageOf(error) };
  }
}

function serve(): void {
  const keyring = loadKeyring();
  let buffered = '';
  process.stdin.setEncoding('utf8');
  process.stdin.on('data', (chunk: string) => {
    buffered += chunk;
    for (let end = buffered.indexOf('\n'); end >= 0; end = buffered.indexOf('\n')) {
      const line = buffered.slice(0, end);
      buffered = buffered.slice(end + 1);
      process.stdout.write(`${JSON.stringify(answer(keyring, line))}\n`);
    }
  });
  // The vault closed its end (it is done, or gone): nothing more will come.
  process.stdin.on('end', () => process.exit(0));
}

serve();
