/**
 * Shell completion scripts, generated from the program's own commands and options so that they never drift
 * from it. Completes commands, subcommands, options, and the values of options that take a fixed set.
 */

export interface CompletionOption {
  flag: string;
  description: string;
  /** Takes a value. */
  takesValue: boolean;
  choices: readonly string[] | undefined;
}

export interface CompletionCommand {
  /** `profiles use` for a subcommand. */
  name: string;
  description: string;
  options: CompletionOption[];
  /** The values its first argument may take, if it has a fixed set. */
  argumentChoices: readonly string[];
}

export const SHELLS = ['bash', 'zsh', 'fish'] as const;
export type Shell = (typeof SHELLS)[number];

const quote = (text: string) => `'${text.replace(/'/g, `'\\''`)}'`;

function bash(commands: CompletionCommand[]): string {
  const top = commands.filter((command) => !command.name.includes(' ')).map((command) => command.name);
  const cases = commands
    .map((command) => {
      const choices = command.options
        .filter((option) => option.choices)
        .map((option) => `\n      [ "$prev" = ${option.flag} ] && { COMPREPLY=( $(compgen -W ${quote((option.choices ?? []).join(' '))} -- "$cur") ); return; }`)
        .join('');
      const subcommands = commands.filter((other) => other.name.startsWith(`${command.name} `)).map((other) => other.name.split(' ')[1]);
      const words = [...command.argumentChoices, ...subcommands, ...command.options.map((option) => option.flag), '--help'].join(' ');
      return `    ${quote(command.name)})${choices}\n      COMPREPLY=( $(compgen -W ${quote(words)} -- "$cur") ) ;;`;
    })
    .join('\n');
  return `# podio-auth completion for bash. Install: podio-auth completion bash > ~/.local/share/bash-completion/completions/podio-auth
_podio_auth() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" prev="\${COMP_WORDS[COMP_CWORD-1]}"
  if [ "$COMP_CWORD" -eq 1 ]; then
    COMPREPLY=( $(compgen -W ${quote([...top, 'help', '--help', '--version', '--debug'].join(' '))} -- "$cur") )
    return
  fi
  local command="\${COMP_WORDS[1]}"
  if [ "$COMP_CWORD" -ge 3 ] && [ "\${COMP_WORDS[2]}" = use ]; then command="$command use"; fi
  case "$command" in
${cases}
  esac
}
complete -F _podio_auth podio-auth
`;
}

function zsh(commands: CompletionCommand[]): string {
  const top = commands.filter((command) => !command.name.includes(' '));
  const describe = top.map((command) => `    ${quote(`${command.name}:${command.description.replace(/:/g, '\\:')}`)}`).join('\n');
  const cases = top
    .map((command) => {
      const specs = command.options.map((option) => {
        const description = option.description.replace(/[[\]:]/g, ' ');
        const value = option.takesValue ? `:value:${option.choices ? `(${option.choices.join(' ')})` : ''}` : '';
        return quote(`${option.flag}[${description}]${value}`);
      });
      const subcommands = commands.filter((other) => other.name.startsWith(`${command.name} `)).map((other) => other.name.split(' ')[1]);
      const first = [...command.argumentChoices, ...subcommands];
      if (first.length) specs.push(quote(`1:argument:(${first.join(' ')})`));
      return `    ${command.name}) _arguments ${specs.join(' ')} ;;`;
    })
    .join('\n');
  return `#compdef podio-auth
# podio-auth completion for zsh. Install: podio-auth completion zsh > "\${fpath[1]}/_podio-auth", then restart zsh.
_podio_auth() {
  local -a commands
  commands=(
${describe}
  )
  if (( CURRENT == 2 )); then
    _describe 'command' commands
    return
  fi
  shift words
  (( CURRENT-- ))
  case $words[1] in
${cases}
  esac
}
compdef _podio_auth podio-auth
`;
}

function fish(commands: CompletionCommand[]): string {
  const lines = ['# podio-auth completion for fish. Install: podio-auth completion fish > ~/.config/fish/completions/podio-auth.fish', 'complete -c podio-auth -f'];
  for (const command of commands) {
    const [parent, child] = command.name.split(' ');
    if (child) {
      lines.push(`complete -c podio-auth -n ${quote(`__fish_seen_subcommand_from ${parent}; and not __fish_seen_subcommand_from ${child}`)} -a ${child} -d ${quote(command.description)}`);
    } else {
      lines.push(`complete -c podio-auth -n __fish_use_subcommand -a ${command.name} -d ${quote(command.description)}`);
      if (command.argumentChoices.length) {
        lines.push(`complete -c podio-auth -n ${quote(`__fish_seen_subcommand_from ${command.name}`)} -a ${quote(command.argumentChoices.join(' '))}`);
      }
    }
    for (const option of command.options) {
      const value = option.takesValue ? ` -r -f${option.choices ? ` -a ${quote(option.choices.join(' '))}` : ''}` : '';
      lines.push(`complete -c podio-auth -n ${quote(`__fish_seen_subcommand_from ${parent}`)} -l ${option.flag.slice(2)}${value} -d ${quote(option.description)}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

export function completionScript(shell: Shell, commands: CompletionCommand[]): string {
  switch (shell) {
    case 'bash':
      return bash(commands);
    case 'zsh':
      return zsh(commands);
    case 'fish':
      return fish(commands);
  }
}
