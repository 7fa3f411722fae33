/**
 * The launcher's fast path: the command lines scripts run in loops, answered from one small CommonJS bundle with
 * the full commands' own functions and option table. Anything it does not answer itself it leaves to the full CLI,
 * by answering undefined (what it answers: docs/design.md, "The composition root").
 */
import { readdirSync } from 'node:fs';
import {
  type FastCommandName,
  givesOnly,
  OPTION_SPECS,
  type OptionName,
  parseOptions,
} from './commands/fast-options.js';
import { type Env, envValue } from './env.js';
import { exitCodeOf, PodioAuthError } from './errors.js';
import { fastBundleFor } from './fast-route.js';
import { httpTimeoutMs } from './http.js';
import { endThisProcessBy, FORWARDED_SIGNALS, runCommand } from './platform/run-command.js';
import { apiOriginFor } from './podio/origins.js';

// The launcher asks whether stdout and stderr are terminals, and what a failure to write exits with, through the
// bundle it has loaded.
export { isTerminal } from './platform/is-terminal.js';

/** The exit code when standard output cannot be written. */
export const outputFailedExit = (): number => exitCodeOf('output_failed');

import type { ProfileRecord } from './domain/profile.js';
import { sanitizeForTerminal } from './domain/terminal-text.js';
import { commandEnvironment } from './secrets.js';
import { TEMP_MARK } from './store/file/atomic-write.js';
import { CONFIG_FILE_NAME, configFileIn, defaultConfigDir, readConfigFile } from './store/file/config-file.js';
import { keyringTimeoutMs, lockStaleMs, storeChoice } from './store/open-store.js';
import { resolveProfileName } from './store/profile-names.js';
import { type ExportFormat, formatVariables, ROTATION_WARNING } from './ui/env-format.js';
import { envCredentials } from './usecases/env-credentials.js';
import { exportVariables } from './usecases/export.js';
import { DEFAULT_MIN_TTL_SECONDS, hasTimeLeft, tokensOf } from './usecases/token-policy.js';

export type FastAnswer =
  | { kind: 'print'; stdout: string; stderr?: string }
  | { kind: 'exec'; file: string; args: string[]; env: Record<string, string | undefined> };

export interface FastContext {
  env: Env;
  now: Date;
  /** Whether stdout / stderr is a terminal: asked only where it matters (touching the process's streams costs). */
  stdoutIsTTY: () => boolean;
  stderrIsTTY: () => boolean;
  /** Help texts by command path ('' for the program, 'profiles use'), as rendered at build time off a terminal. */
  help?: (() => Readonly<Record<string, string>>) | undefined;
}

/** The stored profile, when the fast path may use it: file store, no debris, no env-only credentials. */
function storedProfile(
  flag: string | undefined,
  context: FastContext,
): { name: string; profile: ProfileRecord } | undefined {
  const { env } = context;
  if (env['GITHUB_ACTIONS'] === 'true' || env['PODIO_AUTH_STORE']?.startsWith('redis')) return undefined;
  if (flag === undefined && envCredentials(env)) return undefined;
  const dir = defaultConfigDir(env);
  // One listing (names only: a file's type costs more to ask it this way than fstat does) says whether a write left
  // debris; the read then refuses anything but a regular file (a FIFO, a device), left to the full command to report.
  const names = readdirSync(dir);
  const debris = `${CONFIG_FILE_NAME}${TEMP_MARK}`;
  if (!names.includes(CONFIG_FILE_NAME) || names.some((name) => name.startsWith(debris))) return undefined;
  const config = readConfigFile(configFileIn(dir), true);
  const name = resolveProfileName(flag, env, config.defaultProfile);
  const profile = config.profiles.get(name);
  if (!profile || (profile.store !== undefined && profile.store !== 'file')) return undefined;
  // A PODIO_API_URL that is not the profile's own origin is the full command's to refuse.
  if (envValue(env, 'PODIO_API_URL') !== undefined) apiOriginFor(profile, env, name);
  return { name, profile };
}

/** An option's value (a value option never parses as a switch). */
const stringOf = (value: string | true | undefined): string | undefined => (value === true ? undefined : value);

function validToken(flag: string | undefined, context: FastContext): string | undefined {
  const stored = storedProfile(flag, context);
  const tokens = tokensOf(stored?.profile);
  if (!stored || !tokens || !hasTimeLeft(stored.profile, context.now, DEFAULT_MIN_TTL_SECONDS)) return undefined;
  return tokens.accessToken;
}

function helpFor(argv: readonly string[], context: FastContext): string | undefined {
  if (!context.help || context.stdoutIsTTY()) return undefined;
  const isHelpFlag = (word: string | undefined) => word === '--help' || word === '-h';
  let path: string | undefined;
  if (argv.length === 1 && (isHelpFlag(argv[0]) || argv[0] === 'help')) path = '';
  else if (argv.length === 2 && argv[0] === 'help') path = argv[1];
  else if (
    argv.length >= 2 &&
    isHelpFlag(argv[argv.length - 1]) &&
    argv.slice(0, -1).every((word) => /^[a-z]+$/.test(word))
  ) {
    path = argv.slice(0, -1).join(' ');
  }
  return path === undefined ? undefined : context.help()[path];
}

/** Settings the full CLI refuses when they are wrong: the fast path never answers past one (the full CLI says so). */
function settingsAreValid(env: Env): boolean {
  try {
    httpTimeoutMs(env);
    storeChoice(envValue(env, 'PODIO_AUTH_STORE'));
    lockStaleMs(env);
    keyringTimeoutMs(env);
    return true;
  } catch {
    return false;
  }
}

type FastCommand = (argv: readonly string[], context: FastContext) => FastAnswer | undefined;

/**
 * Wraps a fast command: nothing past a bad setting (help needs none), and any error leaves the command to the
 * full CLI.
 */
function guarded(command: FastCommand, needsSettings = true): FastCommand {
  return (argv, context) => {
    if (needsSettings && !settingsAreValid(context.env)) return undefined;
    try {
      return command(argv, context);
    } catch {
      // The full command reports it.
      return undefined;
    }
  };
}

/** The options a command line gave, when the fast path answers them all: null for anything else. */
function answerableOptions(command: FastCommandName, words: readonly string[], answered: readonly OptionName[]) {
  const given = parseOptions(command, words);
  return given && givesOnly(given, answered) ? given : null;
}

/** `token [--profile P]`. */
export const tokenFast = /* @__PURE__ */ guarded((argv, context) => {
  const given = answerableOptions('token', argv.slice(1), ['profile']);
  const token = given && validToken(stringOf(given.profile), context);
  return token ? { kind: 'print', stdout: `${token}\n` } : undefined;
});

/** `exec [--profile P] -- <command…>`. */
export const execFast = /* @__PURE__ */ guarded((argv, context) => {
  const rest = argv.slice(1);
  const separator = rest.indexOf('--');
  const given = separator === -1 ? null : answerableOptions('exec', rest.slice(0, separator), ['profile']);
  const [file, ...args] = rest.slice(separator + 1);
  const token = given && file ? validToken(stringOf(given.profile), context) : undefined;
  if (!token || !file) return undefined;
  return { kind: 'exec', file, args, env: commandEnvironment(context.env, token) };
});

/** `export [--profile P] [--format F]`, off a terminal (a terminal gets a refusal or colour: the full command). */
export const exportFast = /* @__PURE__ */ guarded((argv, context) => {
  if (context.stdoutIsTTY() || context.stderrIsTTY()) return undefined;
  const given = answerableOptions('export', argv.slice(1), ['profile', 'format']);
  if (!given) return undefined;
  // The table's choices are the formats: parsing took no other.
  const format = (stringOf(given.format) ?? OPTION_SPECS.format.default) as ExportFormat;
  const stored = storedProfile(stringOf(given.profile), context);
  if (!stored) return undefined;
  const result = exportVariables(stored.name, stored.profile);
  return {
    kind: 'print',
    stdout: formatVariables(result.variables, format),
    ...(result.exportsRefreshToken ? { stderr: `! ${ROTATION_WARNING}\n` } : {}),
  };
});

/** Help off a terminal. */
export const helpFast = /* @__PURE__ */ guarded((argv, context) => {
  const help = helpFor(argv, context);
  return help === undefined ? undefined : { kind: 'print', stdout: help };
}, false);

/** All of the fast path at once (tests). */
export function fastPath(argv: readonly string[], context: FastContext): FastAnswer | undefined {
  const command = fastBundleFor(argv);
  if (command === undefined) return undefined;
  return { token: tokenFast, exec: execFast, export: exportFast, help: helpFast }[command](argv, context);
}

/** `exec` from the fast path: its exit code, with SIGINT/SIGTERM/SIGHUP forwarded to the command. */
export async function runFastExec(answer: Extract<FastAnswer, { kind: 'exec' }>): Promise<number> {
  const listeners = new Set<(signal: NodeJS.Signals) => void>();
  const forward = (signal: NodeJS.Signals) => {
    for (const listener of listeners) listener(signal);
  };
  for (const signal of FORWARDED_SIGNALS) process.on(signal, forward);
  try {
    return await runCommand(
      answer.file,
      answer.args,
      answer.env,
      (listener) => {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
      { endBySignal: endThisProcessBy },
    );
  } catch (error) {
    if (!(error instanceof PodioAuthError)) throw error;
    // As the full CLI reports it: no control character from the command line reaches the terminal.
    process.stderr.write(`✗ ${sanitizeForTerminal(error.message, 2_000)}\n`);
    return error.exitCode;
  }
}

/** Kept for the unit tests and callers of the old name: the token alone. */
export function fastToken(argv: readonly string[], env: Env, now: Date): string | undefined {
  const answer = fastPath(argv, { env, now, stdoutIsTTY: () => false, stderrIsTTY: () => false });
  return answer?.kind === 'print' && argv[0] === 'token' ? answer.stdout.trimEnd() : undefined;
}
