#compdef podio-auth
# podio-auth completion for zsh; see docs/completion.md for how to install it.

# What the commands take, written here by `podio-auth completion zsh` (src/completion/zsh-data.ts).
# _podio_auth_commands: the commands, numbered from 1 ('' before one, 'profiles use' for a subcommand), and
# _podio_auth_command_lines those that run a command line (exec). For command number N, _podio_auth_specs_N: the
# specs of its options and arguments for _arguments; _podio_auth_subcommands_N: its subcommands, as
# "name:description". _podio_auth_choices_N: a fixed set of values (_podio_auth_choose N offers it).
# @generated-start
_podio_auth_commands=('')
_podio_auth_command_lines=()
# @generated-end

_podio_auth_profile_names() {
  local -a names
  names=( ${(f)"$(_call_program profiles podio-auth __complete profiles 2>/dev/null)"} )
  _wanted profiles expl profile compadd -a names
}

# The subcommands of command number $argv[-1], described. As an action of _arguments, the words before the number
# are options for compadd, which _describe does not need.
_podio_auth_describe() {
  local name=$_podio_auth_commands[$argv[-1]]
  local -a commands
  commands=( "${(@P)${:-_podio_auth_subcommands_$argv[-1]}}" )
  _describe -t commands "podio-auth${name:+ $name} command" commands
}

# The fixed set of values number $argv[-1]; the words before the number are options for compadd. A function, not
# _arguments's "(a b)" form: that one splits at colons and keeps quotes, so "global:read" or "it's" would not come
# out whole.
_podio_auth_choose() {
  compadd "${(@)argv[1,-2]}" -- "${(@P)${:-_podio_auth_choices_$argv[-1]}}"
}

# Completes the words of command number $1: its options and argument through _arguments, then the words of a
# subcommand through the subcommand's own number.
_podio_auth_complete() {
  local number=$1 name=$_podio_auth_commands[$1]
  if (( $_podio_auth_command_lines[(Ie)$name] )); then
    # After "--", the words are the command's own: complete them as zsh would on their own.
    local end=${words[(i)--]}
    if (( end < CURRENT )); then
      words=("${(@)words[end+1,-1]}")
      (( CURRENT -= end ))
      _normal
      return
    fi
  fi
  local curcontext=$curcontext state state_descr line ret=1
  typeset -A opt_args
  _arguments -C -S : "${(@P)${:-_podio_auth_specs_$number}}" && ret=0
  if [[ $state == command ]]; then
    local context=podio-auth${name:+-${name// /-}} subcommand=${name:+$name }$words[1]
    curcontext="${curcontext%:*:*}:$context-$words[1]:"
    local next=$_podio_auth_commands[(ie)$subcommand]
    (( next <= $#_podio_auth_commands )) && _podio_auth_complete $next && ret=0
  fi
  return ret
}

_podio-auth() {
  _podio_auth_complete 1
}

# Loaded from a directory on $fpath by compinit, this file is the body of _podio-auth: it has just defined
# the real one, so run it. Sourced, it registers itself.
if [[ $funcstack[1] == _podio-auth ]]; then
  _podio-auth "$@"
else
  compdef _podio-auth podio-auth
fi
