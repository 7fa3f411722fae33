#!/usr/bin/env node
// docs/reference.md, generated from the CLI's own definitions: the commands and options as commander holds them
// (what `--help` shows, hidden ones left out), the environment and env-only mode from the help text, and the exit
// codes from src/errors.ts's table. Built from the sources (not dist/), so it can never describe an older build.
//
//   node scripts/reference.mjs           write docs/reference.md
//   node scripts/reference.mjs --check   exit 1 if docs/reference.md is not what the sources make (and rewrite it,
//                                        so that committing it is all that is left to do); `npm run check` runs this
// A file named after the options is written or checked instead of docs/reference.md (the tests use it).
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const ROOT = new URL('..', import.meta.url).pathname;
const TARGET = process.argv.slice(2).find((arg) => !arg.startsWith('--')) ?? join(ROOT, 'docs', 'reference.md');

/** What each exit code means, in a few words; the codes themselves, and which errors give them, come from the table. */
const EXIT_MEANINGS = {
  ok: 'success',
  failure: 'failure: network, Podio, the store, a closed stdout, `doctor` found a problem, `api` got an HTTP error',
  usage: 'usage: a bad command, option, value or setting',
  loginNotCompleted: 'login not completed: denied in the browser, or timed out',
  authRequired: 'authentication needed: log in (or, in env-only mode, update the variable named)',
  commandNotExecutable: '`exec`: the command cannot be run',
  commandNotFound: '`exec`: the command was not found',
  hungUp: 'hung up (SIGHUP)',
  interrupted: 'interrupted (Ctrl-C, SIGINT)',
  terminated: 'terminated (SIGTERM)',
};

async function loadSources() {
  // Inside the project, so that the bundle's imports of the dependencies resolve to node_modules.
  const cache = join(ROOT, 'node_modules', '.cache');
  mkdirSync(cache, { recursive: true });
  const dir = mkdtempSync(join(cache, 'reference-'));
  try {
    const outfile = join(dir, 'definitions.mjs');
    await build({
      stdin: {
        contents: [
          "export { buildProgram, COMMAND_HELP, ENVIRONMENT_HELP } from './src/main.ts';",
          "export { createApp } from './src/commands/shared.ts';",
          "export { ERRORS, ExitCode } from './src/errors.ts';",
        ].join('\n'),
        resolveDir: ROOT,
        loader: 'ts',
      },
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      packages: 'external',
      outfile,
      logLevel: 'warning',
    });
    return await import(pathToFileURL(outfile).href);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Text for a table cell: one line, pipes escaped, angle brackets shown rather than taken for HTML. */
const cell = (text) =>
  text
    .replace(/\s+/g, ' ')
    .replace(/\|/g, '\\|')
    .split('`')
    .map((part, i) => (i % 2 ? part : part.replace(/</g, '&lt;').replace(/>/g, '&gt;')))
    .join('`');
const code = (text) => `\`${text.replace(/\|/g, '\\|')}\``;

function optionsTable(help, command) {
  const options = help.visibleOptions(command);
  if (options.length === 0) return [];
  return [
    '| option | meaning |',
    '|---|---|',
    ...options.map((option) => `| ${code(help.optionTerm(option))} | ${cell(help.optionDescription(option))} |`),
    '',
  ];
}

function argumentsTable(help, command) {
  const args = help.visibleArguments(command);
  if (args.length === 0) return [];
  return [
    '| argument | meaning |',
    '|---|---|',
    ...args.map((arg) => `| ${code(help.argumentTerm(arg))} | ${cell(help.argumentDescription(arg))} |`),
    '',
  ];
}

function commandSection(help, command, path, notes) {
  const name = [...path, command.name()].join(' ');
  const description = cell(command.description());
  const sentence = `${description[0]?.toUpperCase()}${description.slice(1)}.`.replace(/\.\.$/, '.');
  const lines = [`### \`podio-auth ${name}\``, '', sentence, ''];
  lines.push('```', help.commandUsage(command), '```', '');
  lines.push(...argumentsTable(help, command), ...optionsTable(help, command));
  const subcommands = help.visibleCommands(command).filter((sub) => sub.name() !== 'help');
  if (notes) lines.push('```', notes.trim(), '```', '');
  for (const sub of subcommands) lines.push(...commandSection(help, sub, [...path, command.name()], undefined));
  return lines;
}

/** The rows of an indented two-column block of the help (`  NAME[, NAME]   what it is`), continuation lines joined. */
function helpBlock(text, heading) {
  const start = text.indexOf(`\n${heading}`);
  if (start < 0) throw new Error(`the help has no "${heading}" block`);
  const block = text
    .slice(start + 1)
    .split('\n\n')[0]
    .split('\n')
    .slice(1);
  const rows = [];
  let column = 0;
  for (const line of block) {
    const match = /^ {2}(\S.*?)( {2,})(\S.*)$/.exec(line);
    if (match && !line.startsWith(' '.repeat(column || 3))) {
      column = 2 + match[1].length + match[2].length;
      const last = rows.at(-1);
      if (last?.names.trimEnd().endsWith(',')) {
        last.names += ` ${match[1]}`;
        last.text += ` ${match[3]}`;
      } else rows.push({ names: match[1], text: match[3] });
    } else if (rows.length > 0) rows.at(-1).text += ` ${line.trim()}`;
  }
  return { heading: text.slice(start + 1).split('\n')[0], rows };
}

function render({ buildProgram, COMMAND_HELP, ENVIRONMENT_HELP, createApp, ERRORS, ExitCode }) {
  const program = buildProgram(
    createApp(
      {},
      async () => ({}),
      () => {},
    ),
  );
  const help = program.createHelp();
  const lines = [
    '# Reference',
    '',
    '<!-- Generated by `node scripts/reference.mjs` from the CLI itself (src/main.ts, src/commands/, src/errors.ts).',
    '     Do not edit: `npm run check` fails when this file is out of date, and rewrites it. -->',
    '',
    'Every command and option that `podio-auth --help` shows, the environment variables, and the exit codes.',
    'The same text is in the CLI: `podio-auth help <command>`.',
    '',
    '- [Global options](#global-options)',
    '- [Commands](#commands)',
    '- [Environment](#environment)',
    '- [Env-only mode](#env-only-mode)',
    '- [Exit codes](#exit-codes)',
    '- [Error codes](#error-codes)',
    '',
    '## Global options',
    '',
    '```',
    help.commandUsage(program),
    '```',
    '',
    ...optionsTable(help, program),
    '## Commands',
    '',
    '| command | what it does |',
    '|---|---|',
  ];
  const commands = help.visibleCommands(program).filter((command) => command.name() !== 'help');
  for (const command of commands) {
    const anchor = `podio-auth-${command.name()}`;
    lines.push(`| [\`${command.name()}\`](#${anchor}) | ${cell(command.description())} |`);
  }
  lines.push('| `help [command]` | show help for a command |', '');
  for (const command of commands) lines.push(...commandSection(help, command, [], COMMAND_HELP[command.name()]));

  const environment = helpBlock(ENVIRONMENT_HELP, 'Environment:');
  lines.push('## Environment', '', '| variable | meaning |', '|---|---|');
  for (const row of environment.rows) {
    const names = row.names.split(/,\s*/).filter(Boolean).map(code).join(', ');
    lines.push(`| ${names} | ${cell(row.text)} |`);
  }
  const envOnly = helpBlock(ENVIRONMENT_HELP, 'Env-only mode');
  lines.push('', '## Env-only mode', '', `${envOnly.heading.replace(/:$/, '.')}`, '', '| variables | what happens |');
  lines.push('|---|---|');
  for (const row of envOnly.rows) lines.push(`| ${code(row.names)} | ${cell(row.text)} |`);
  const precedence = /^Precedence: .*$/m.exec(ENVIRONMENT_HELP);
  if (precedence) lines.push('', precedence[0]);

  lines.push('', '## Exit codes', '', '| code | meaning | error codes |', '|---|---|---|');
  for (const [key, exit] of Object.entries(ExitCode)) {
    const meaning = EXIT_MEANINGS[key];
    if (!meaning) throw new Error(`scripts/reference.mjs has no meaning for ExitCode.${key}`);
    const codes = Object.entries(ERRORS)
      .filter(([, entry]) => entry.exit === exit)
      .map(([name]) => code(name));
    lines.push(`| ${exit} | ${meaning} | ${codes.join(', ')} |`);
  }
  lines.push(
    '',
    "`exec` otherwise exits with its command's code, or 128 + the number of the signal that ended it.",
    '',
    '## Error codes',
    '',
    'Each failure has a stable code: the library throws it as `PodioAuthError.code`, and `--debug` shows it.',
    '',
    '| code | exit | default hint |',
    '|---|---|---|',
  );
  for (const [name, entry] of Object.entries(ERRORS))
    lines.push(`| ${code(name)} | ${entry.exit} | ${cell(entry.hint ?? '')} |`);
  return `${lines.join('\n')}\n`;
}

const text = render(await loadSources());
if (process.argv.includes('--check')) {
  let current = '';
  try {
    current = readFileSync(TARGET, 'utf8');
  } catch {}
  if (current !== text) {
    writeFileSync(TARGET, text);
    process.stderr.write(
      `✗ ${relative(ROOT, TARGET)} was out of date with the CLI; it has been regenerated.\nReview it and commit it.\n`,
    );
    process.exit(1);
  }
} else writeFileSync(TARGET, text);
