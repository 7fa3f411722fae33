/**
 * Shell completion scripts for bash, zsh and fish, generated from the program's own commands and options so
 * that they never drift from it. Profile names are the only thing not known when the script is generated: the
 * scripts ask `podio-auth __complete profiles` for them at completion time.
 */

/** What the value of an option completes to, beyond a fixed set of choices. */
export type ValueKind = 'profile' | 'file';
/**
 * What an argument completes to: also `command-line`, a command and its arguments (`exec`), completed as the
 * shell completes that command; and `command-name`, one of this program's commands (`help`).
 */
export type ArgumentKind = ValueKind | 'command-line' | 'command-name';

const kinds = new WeakMap<object, ArgumentKind>();

/**
 * Marks what an option's value (`profile`, `file`) or an argument completes to; the program's description for the
 * scripts reads it.
 */
export function completeAs<T extends object>(target: T, kind: ArgumentKind): T {
  kinds.set(target, kind);
  return target;
}

export function completionKindOf(target: object): ArgumentKind | undefined {
  return kinds.get(target);
}

export interface CompletionValue {
  /** The values it may take; empty when it is not a fixed set. */
  choices: readonly string[];
  kind: ArgumentKind | undefined;
}

export interface CompletionOption {
  /** `-h` and `--help`. */
  names: string[];
  description: string;
  /** What follows it, or undefined for a flag. */
  value: CompletionValue | undefined;
}

export interface CompletionCommand {
  /** `profiles use` for a subcommand. */
  name: string;
  description: string;
  /** Its own options and those it inherits (`--debug`). */
  options: CompletionOption[];
  /** Its first argument. */
  argument: CompletionValue | undefined;
}

export interface CompletionProgram {
  name: string;
  /** The options taken before a command. */
  options: CompletionOption[];
  commands: CompletionCommand[];
}

export const SHELLS = ['bash', 'zsh', 'fish'] as const;
export type Shell = (typeof SHELLS)[number];

/** The program itself (named '') or one of its commands: what may follow it. */
interface Group {
  name: string;
  options: CompletionOption[];
  argument: CompletionValue | undefined;
}

const groupsOf = (program: CompletionProgram): Group[] => [
  { name: '', options: program.options, argument: undefined },
  ...program.commands,
];
const parentOf = (command: CompletionCommand) => command.name.split(' ').slice(0, -1).join(' ');
const leafOf = (command: CompletionCommand) => command.name.split(' ').at(-1) ?? command.name;
const childrenOf = (program: CompletionProgram, parent: string) =>
  program.commands.filter((command) => parentOf(command) === parent);

// ---------------------------------------------------------------------------------------------------- bash

const shQuote = (text: string) => `'${text.replace(/'/g, `'\\''`)}'`;
/** A word for `compgen -W`, which expands its list as the shell would: escape all but plain characters. */
const compgenWord = (text: string) => text.replace(/[^\w.,/@%+=:-]/g, (char) => `\\${char}`);

/** How a value completes, as the bash script spells it: `profile`, `file`, `command-line`, `words a b`, or ''. */
function bashValue(program: CompletionProgram, value: CompletionValue | undefined): string {
  if (!value) return '';
  if (value.kind === 'command-name') return `words ${childrenOf(program, '').map(leafOf).map(compgenWord).join(' ')}`;
  if (value.kind) return value.kind;
  return value.choices.length ? `words ${value.choices.map(compgenWord).join(' ')}` : '';
}

function bash(program: CompletionProgram): string {
  const groups = groupsOf(program);
  const commandCases = groups.map((group) => {
    const settings = {
      options: group.options.flatMap((option) => option.names).join(' '),
      subcommands: childrenOf(program, group.name).map(leafOf).join(' '),
      argument: bashValue(program, group.argument),
    };
    const assignments = Object.entries(settings).map(([name, value]) => `${name}=${shQuote(value)}`);
    return `    ${shQuote(group.name)})\n      ${assignments.join('\n      ')} ;;`;
  });
  const valueCases = groups
    .filter((group) => group.options.some((option) => option.value))
    .map((group) => {
      const options = group.options.flatMap((option) => {
        if (!option.value) return [];
        return [`    ${option.names.map(shQuote).join('|')}) value=${shQuote(bashValue(program, option.value))} ;;`];
      });
      const lines = [`${shQuote(group.name)})`, '  case $2 in', ...options, '    *) return 1 ;;', '  esac ;;'];
      return lines.map((line) => `    ${line}`).join('\n');
    });
  return `# ${program.name} completion for bash; see docs/completion.md for how to install it.

# The command $1 ('' before one, 'profiles use' for a subcommand): sets its options, its subcommands, and how its
# first argument completes.
_podio_auth_command() {
  case $1 in
${commandCases.join('\n')}
    *) options='' subcommands='' argument='' ;;
  esac
}

# Does option $2 of command $1 take a value? If so, sets how the value completes.
_podio_auth_value() {
  case $1 in
${valueCases.join('\n')}
    *) return 1 ;;
  esac
}

# Adds the words of $1 that start with $2, the text being completed. Readline replaces only the part after the
# last ":" or "=" ($word), so that is what each word must replace.
_podio_auth_offer() {
  local strip='' candidate
  [[ $2 == *"$word" ]] && strip=\${2%"$word"}
  while IFS= read -r candidate; do
    [[ -n $candidate ]] || continue
    printf -v candidate %q "\${candidate#"$strip"}"
    COMPREPLY+=("$candidate")
  done < <(compgen -W "$1" -- "$2")
}

_podio_auth_files() {
  compopt -o filenames 2>/dev/null
  local file
  while IFS= read -r file; do COMPREPLY+=("$file"); done < <(compgen -f -- "$word")
}

_podio_auth_command_names() {
  local name
  while IFS= read -r name; do COMPREPLY+=("$name"); done < <(compgen -c -- "$word")
}

# Completes $2 as described by $1 (see _podio_auth_command).
_podio_auth_complete_value() {
  case $1 in
    profile) _podio_auth_offer "$(command ${program.name} __complete profiles 2>/dev/null)" "$2" ;;
    file) _podio_auth_files ;;
    command-line) _podio_auth_command_names ;;
    words\\ *) _podio_auth_offer "\${1#words }" "$2" ;;
  esac
}

_podio_auth() {
  COMPREPLY=()
  # The text readline will replace; bash passes it as $2.
  local word=\${2-\${COMP_WORDS[COMP_CWORD]}}
  # The words as the user sees them: bash splits "--format=json" and "global:read" into three words each, and
  # "2>file" into three; glue back what was not separated by white space (at: where each begins in COMP_WORDS).
  local -a words=() at=()
  local line=$COMP_LINE w i n spaced
  for (( i = 0; i <= COMP_CWORD; i++ )); do
    w=\${COMP_WORDS[i]}
    spaced=1
    [[ $i -gt 0 && $line != [[:space:]]* ]] && spaced=0
    line=\${line#"\${line%%[![:space:]]*}"}
    line=\${line#"$w"}
    n=\${#words[@]}
    if (( n > 0 && ! spaced )) && [[ $w == [=:]* || \${words[n-1]} == *[=:] ||
          ( \${words[n-1]} =~ ^[0-9]+$ && $w == [\\<\\>]* ) ]]; then
      words[n-1]+=$w
    else
      words+=("$w")
      at+=("$i")
    fi
  done
  local cword=$(( \${#words[@]} - 1 ))
  local cur=\${words[cword]} redirect='^[0-9]*(<|>|>>|&>|&>>|>&|<>|>\\|)$'

  # A file name after a redirection, whatever the command.
  if [[ $cur =~ $redirect ]] || { (( cword > 1 )) && [[ \${words[cword-1]} =~ $redirect ]]; }; then
    _podio_auth_files
    return
  fi

  # Find the command, skipping options (and their values) and redirections.
  local command='' options subcommands argument value at_value='' arguments=0 start=''
  _podio_auth_command ''
  i=1
  while (( i < cword )); do
    w=\${words[i]}
    if [[ $w =~ $redirect ]]; then
      i=$(( i + 2 ))
      continue
    fi
    if [[ $argument == command-line && ( $w == -- || $w != -* ) ]]; then
      # The command to run begins here; from now on, the words are its own.
      start=$i
      [[ $w == -- ]] && start=$(( i + 1 ))
      break
    fi
    case $w in
      -?*=*) ;;
      -?*)
        if _podio_auth_value "$command" "$w"; then
          (( i + 1 == cword )) && at_value=yes
          i=$(( i + 1 ))
        fi
        ;;
      *)
        if (( arguments == 0 )) && [[ " $subcommands " == *" $w "* ]]; then
          command=\${command:+$command }$w
          _podio_auth_command "$command"
        else
          arguments=$(( arguments + 1 ))
        fi
        ;;
    esac
    i=$(( i + 1 ))
  done

  if [[ -n $start ]]; then
    if (( start >= cword )); then
      _podio_auth_command_names
    elif declare -F _command_offset >/dev/null; then
      # bash-completion is loaded: complete the command as it would on its own.
      _command_offset "\${at[start]}"
    else
      _podio_auth_files
    fi
    return
  fi
  if [[ -n $at_value ]]; then
    _podio_auth_complete_value "$value" "$cur"
    return
  fi
  if [[ $cur == -?*=* ]]; then
    _podio_auth_value "$command" "\${cur%%=*}" && _podio_auth_complete_value "$value" "\${cur#*=}"
    return
  fi
  if [[ $cur == -* ]]; then
    _podio_auth_offer "$options" "$cur"
  elif (( arguments == 0 )) && [[ -n $subcommands ]]; then
    _podio_auth_offer "$subcommands" "$cur"
  elif (( arguments == 0 )) && [[ -n $argument ]]; then
    _podio_auth_complete_value "$argument" "$cur"
  elif [[ -z $cur ]]; then
    # Nothing else can come here: show what can.
    _podio_auth_offer "$options" "$cur"
  fi
}

complete -F _podio_auth ${program.name}
`;
}

// ---------------------------------------------------------------------------------------------------- zsh

/** `_arguments` and `_describe` split at colons that are not escaped; `]` ends an option's description. */
const zshEscape = (text: string, special: RegExp) => text.replace(special, (char) => `\\${char}`);

/**
 * `_podio-auth` for the program (the name compinit autoloads, replaced by this definition on first use), and
 * `_podio_auth_command_profiles_use` for `profiles use`.
 */
const zshFunction = (name: string) =>
  name ? `_podio_auth_command_${name.replace(/[^A-Za-z0-9]+/g, '_')}` : '_podio-auth';

/**
 * What zsh runs to complete a value. A fixed set becomes a function of its own: `_arguments`'s `(a b)` form
 * splits at colons and keeps quotes, so `global:read` or `it's` would not come out whole.
 */
function zshAction(value: CompletionValue, choiceFunctions: string[]): string {
  switch (value.kind) {
    case 'profile':
      return '_podio_auth_profile_names';
    case 'file':
      return '_files';
    case 'command-name':
      return '_podio_auth_commands';
    case 'command-line':
      return '_command_names -e';
    default: {
      // A single space: nothing to offer, only the message.
      if (!value.choices.length) return ' ';
      const name = `_podio_auth_choices_${choiceFunctions.length + 1}`;
      choiceFunctions.push(`${name}() {\n  compadd "$@" -- ${value.choices.map(shQuote).join(' ')}\n}`);
      return name;
    }
  }
}

function zshOptionSpecs(options: CompletionOption[], choiceFunctions: string[]): string[] {
  return options.flatMap((option) => {
    // `-h` and `--help` are one option: once one is given, neither is offered.
    const exclusions = option.names.length > 1 ? `(${option.names.join(' ')})` : '';
    const description = `[${zshEscape(option.description, /[\\\]:]/g)}]`;
    let value = '';
    if (option.value) {
      const message = zshEscape((option.names.at(-1) ?? '').replace(/^-+/, ''), /[\\:]/g);
      value = `:${message}:${zshAction(option.value, choiceFunctions)}`;
    }
    // `--format=`: the value may follow in the same word or the next; `-x+` likewise for a short option.
    const joiner = (name: string) => (option.value ? (name.startsWith('--') ? '=' : '+') : '');
    return option.names.map((name) => shQuote(`${exclusions}${name}${joiner(name)}${description}${value}`));
  });
}

/** A group's function: its options and argument through `_arguments`, its subcommands through `_describe`. */
function zshGroupFunction(program: CompletionProgram, group: Group, choiceFunctions: string[]): string {
  const name = zshFunction(group.name);
  const children = childrenOf(program, group.name);
  const specs = zshOptionSpecs(group.options, choiceFunctions);
  const lines: string[] = [];
  if (children.length) {
    const describer = group.name ? `${name}_commands` : '_podio_auth_commands';
    const tag = shQuote(`${[program.name, group.name].filter(Boolean).join(' ')} command`);
    lines.push(`${describer}() {`, '  local -a commands', '  commands=(');
    for (const child of children) {
      lines.push(`    ${shQuote(`${zshEscape(leafOf(child), /[\\:]/g)}:${child.description}`)}`);
    }
    lines.push('  )', `  _describe -t commands ${tag} commands`, '}', '');
    specs.push(shQuote(`1: :${describer}`), shQuote('*:: :->command'));
  } else if (group.argument?.kind === 'command-line') {
    specs.push(shQuote('(-)1:command:_command_names -e'), shQuote('*::arguments:_normal'));
  } else if (group.argument) {
    specs.push(shQuote(`1:argument:${zshAction(group.argument, choiceFunctions)}`));
  }
  lines.push(`${name}() {`);
  if (group.argument?.kind === 'command-line') {
    // After "--", the words are the command's own: complete them as zsh would on their own.
    lines.push(
      // biome-ignore lint/suspicious/noTemplateCurlyInString: zsh code, not a template.
      '  local end=${words[(i)--]}',
      '  if (( end < CURRENT )); then',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: zsh code, not a template.
      '    words=("${(@)words[end+1,-1]}")',
      '    (( CURRENT -= end ))',
      '    _normal',
      '    return',
      '  fi',
    );
  }
  lines.push(
    '  local curcontext=$curcontext state state_descr line ret=1',
    '  typeset -A opt_args',
    `  _arguments -C -S : \\\n    ${specs.join(' \\\n    ')} && ret=0`,
  );
  if (children.length) {
    const context = [program.name, ...group.name.split(' ')].filter(Boolean).join('-');
    lines.push(
      '  if [[ $state == command ]]; then',
      `    curcontext="\${curcontext%:*:*}:${context}-$words[1]:"`,
      '    case $words[1] in',
      ...children.map((child) => `      (${leafOf(child)}) ${zshFunction(child.name)} && ret=0 ;;`),
      '    esac',
      '  fi',
    );
  }
  lines.push('  return ret', '}');
  return lines.join('\n');
}

function zsh(program: CompletionProgram): string {
  const choiceFunctions: string[] = [];
  const functions = groupsOf(program).map((group) => zshGroupFunction(program, group, choiceFunctions));
  return `#compdef ${program.name}
# ${program.name} completion for zsh; see docs/completion.md for how to install it.

_podio_auth_profile_names() {
  local -a names
  names=( \${(f)"$(_call_program profiles ${program.name} __complete profiles 2>/dev/null)"} )
  _wanted profiles expl profile compadd -a names
}

${[...functions, ...choiceFunctions].join('\n\n')}

# Loaded from a directory on $fpath by compinit, this file is the body of _${program.name}: it has just defined
# the real one, so run it. Sourced, it registers itself.
if [[ $funcstack[1] == _${program.name} ]]; then
  _${program.name} "$@"
else
  compdef _${program.name} ${program.name}
fi
`;
}

// ---------------------------------------------------------------------------------------------------- fish

/** fish's single quotes keep everything but \\ and '. */
const fishQuote = (text: string) => `'${text.replace(/[\\']/g, (char) => `\\${char}`)}'`;
/** `complete -a` splits its argument into words as fish would a command line: quote each, then the whole. */
const fishWords = (words: readonly string[]) => fishQuote(words.map(fishQuote).join(' '));

function fishValueSwitches(program: CompletionProgram, value: CompletionValue): string {
  switch (value.kind) {
    case 'profile':
      return `-x -a ${fishQuote('(__podio_auth_profiles)')}`;
    case 'file':
      return '-r -F';
    case 'command-name':
      return `-x -a ${fishWords(childrenOf(program, '').map(leafOf))}`;
    case 'command-line':
      return `-x -a ${fishQuote('(__podio_auth_command_line)')}`;
    default:
      return value.choices.length ? `-x -a ${fishWords(value.choices)}` : '-x';
  }
}

/** `-l profile`, `-s h`, or `-o old` for an option of one dash and several letters. */
const fishOptionNames = (option: CompletionOption) =>
  option.names
    .map((name) => {
      if (name.startsWith('--')) return `-l ${name.slice(2)}`;
      return `-${name.length === 2 ? 's' : 'o'} ${name.slice(1)}`;
    })
    .join(' ');

function fish(program: CompletionProgram): string {
  const groups = groupsOf(program);
  const complete = `complete -c ${program.name}`;
  const at = (name: string) => `-n ${fishQuote(`__podio_auth_at ${fishQuote(name)}`)}`;
  const first = (name: string) => `-n ${fishQuote(`__podio_auth_at ${fishQuote(name)} first`)}`;
  const lines: string[] = [];
  for (const group of groups) {
    const kind = group.argument?.kind;
    const children = childrenOf(program, group.name);
    // No file names unless the command takes one; exec's command line offers them itself where they fit.
    if (kind !== 'file' && kind !== 'command-line') lines.push(`${complete} ${at(group.name)} -f`);
    const described = kind === 'command-name' ? childrenOf(program, '') : children;
    for (const command of described) {
      const description = fishQuote(command.description);
      lines.push(`${complete} ${first(group.name)} -a ${fishWords([leafOf(command)])} -d ${description}`);
    }
    if (group.argument && kind !== 'command-name' && !children.length) {
      lines.push(`${complete} ${first(group.name)} ${fishValueSwitches(program, group.argument)}`);
    }
    if (kind === 'command-line') {
      lines.push(`${complete} ${at(`${group.name} --`)} -x -a ${fishQuote('(__podio_auth_command_line)')}`);
    }
    for (const option of group.options) {
      const value = option.value ? ` ${fishValueSwitches(program, option.value)}` : '';
      const description = fishQuote(option.description);
      lines.push(`${complete} ${at(group.name)} ${fishOptionNames(option)}${value} -d ${description}`);
    }
  }
  const commandCases = groups
    .filter((group) => childrenOf(program, group.name).length || group.argument?.kind === 'command-line')
    .map((group) => {
      const subcommands = childrenOf(program, group.name).map(leafOf).map(fishQuote).join(' ');
      const setting = subcommands ? `set subcommands ${subcommands}` : 'set kind command-line';
      return `        case ${fishQuote(group.name)}\n            ${setting}`;
    });
  const valueOptions = groups.flatMap((group) =>
    group.options
      .filter((option) => option.value)
      .flatMap((option) => option.names.map((name) => fishQuote(`${group.name}|${name}`))),
  );
  const valueCases = valueOptions.length ? `        case ${valueOptions.join(' ')}\n            return 0\n` : '';
  return `# ${program.name} completion for fish; see docs/completion.md for how to install it.

# Where the command line is: sets __podio_auth_command to the command being completed ('' before one, 'profiles
# use' for a subcommand, 'exec --' inside the command exec runs), __podio_auth_arguments to how many arguments it
# has, and __podio_auth_line to the words of the command exec runs.
function __podio_auth_parse
    set -l tokens (commandline -opc)
    set -e tokens[1]
    set -g __podio_auth_command ''
    set -g __podio_auth_arguments 0
    set -g __podio_auth_line
    set -l subcommands
    set -l kind
    __podio_auth_spec ''
    while set -q tokens[1]
        set -l word $tokens[1]
        set -e tokens[1]
        if test "$kind" = command-line; and begin; test "$word" = '--'; or not string match -q -- '-*' $word; end
            set __podio_auth_command "$__podio_auth_command --"
            test "$word" = '--'; or set __podio_auth_line $word
            set -a __podio_auth_line $tokens
            return
        end
        switch $word
            case '-?*=*'
            case '-?*'
                __podio_auth_takes_value "$__podio_auth_command|$word"; and set -e tokens[1]
            case '*'
                if test $__podio_auth_arguments = 0; and contains -- $word $subcommands
                    set __podio_auth_command (string trim -- "$__podio_auth_command $word")
                    __podio_auth_spec $__podio_auth_command
                else
                    set __podio_auth_arguments (math $__podio_auth_arguments + 1)
                end
        end
    end
end

# Sets the subcommands of command $argv[1], and its kind: command-line when it runs a command.
function __podio_auth_spec --no-scope-shadowing
    set subcommands
    set kind ''
    switch $argv[1]
${commandCases.join('\n')}
    end
end

# Does option $argv[1], given as "command|option", take a value?
function __podio_auth_takes_value
    switch $argv[1]
${valueCases}    end
    return 1
end

# True when completing command $argv[1]; with "first", only while it has no argument yet.
function __podio_auth_at
    __podio_auth_parse
    test "$__podio_auth_command" = "$argv[1]"; or return 1
    test "$argv[2]" != first; or test $__podio_auth_arguments = 0
end

function __podio_auth_profiles
    command ${program.name} __complete profiles 2>/dev/null
end

# The command exec runs, completed as fish completes it on its own.
function __podio_auth_command_line
    __podio_auth_parse
    set -l current (commandline -ct)
    # Before "--", a word starting with "-" is one of exec's options.
    if test "$__podio_auth_command" = exec; and string match -q -- '-*' "$current"
        return
    end
    complete -C (string join ' ' -- (string escape -- $__podio_auth_line) "$current")
end

${lines.join('\n')}
`;
}

export function completionScript(shell: Shell, program: CompletionProgram): string {
  switch (shell) {
    case 'bash':
      return bash(program);
    case 'zsh':
      return zsh(program);
    case 'fish':
      return fish(program);
  }
}
