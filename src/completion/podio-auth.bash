# podio-auth completion for bash; see docs/completion.md for how to install it.

# What the commands take, written here by `podio-auth completion bash` (src/completion/bash-data.ts).
# _podio_auth_commands, four words per command: its name ('' before one, 'profiles use' for a subcommand), its
# options, its subcommands, and how its first argument completes (see _podio_auth_complete_value).
# _podio_auth_values, three words per option that takes a value: the command, the option, how the value completes.
# @generated-start
_podio_auth_commands=()
_podio_auth_values=()
# @generated-end

# The command $1: sets its options, its subcommands, and how its first argument completes.
_podio_auth_command() {
  local i
  options='' subcommands='' argument=''
  for (( i = 0; i < ${#_podio_auth_commands[@]}; i += 4 )); do
    if [[ ${_podio_auth_commands[i]} == "$1" ]]; then
      options=${_podio_auth_commands[i+1]}
      subcommands=${_podio_auth_commands[i+2]}
      argument=${_podio_auth_commands[i+3]}
      return
    fi
  done
}

# Does option $2 of command $1 take a value? If so, sets how the value completes.
_podio_auth_value() {
  local i
  for (( i = 0; i < ${#_podio_auth_values[@]}; i += 3 )); do
    if [[ ${_podio_auth_values[i]} == "$1" && ${_podio_auth_values[i+1]} == "$2" ]]; then
      value=${_podio_auth_values[i+2]}
      return 0
    fi
  done
  return 1
}

# Adds the words of $1 that start with $2, the text being completed. Readline replaces only the part after the
# last ":" or "=" ($word), so that is what each word must replace.
_podio_auth_offer() {
  local strip='' candidate
  [[ $2 == *"$word" ]] && strip=${2%"$word"}
  while IFS= read -r candidate; do
    [[ -n $candidate ]] || continue
    printf -v candidate %q "${candidate#"$strip"}"
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

# Completes $2 as described by $1: profile, file, command-line, "words a b", or '' (nothing to offer).
_podio_auth_complete_value() {
  case $1 in
    profile) _podio_auth_offer "$(command podio-auth __complete profiles 2>/dev/null)" "$2" ;;
    file) _podio_auth_files ;;
    command-line) _podio_auth_command_names ;;
    words\ *) _podio_auth_offer "${1#words }" "$2" ;;
  esac
}

# Sets words to the words as the user sees them, up to the one being completed: bash splits "--format=json" and
# "global:read" into three words each, and "2>file" into three; glue back what was not separated by white space
# (at: where each begins in COMP_WORDS).
_podio_auth_words() {
  local line=$COMP_LINE w i n spaced
  for (( i = 0; i <= COMP_CWORD; i++ )); do
    w=${COMP_WORDS[i]}
    spaced=1
    [[ $i -gt 0 && $line != [[:space:]]* ]] && spaced=0
    line=${line#"${line%%[![:space:]]*}"}
    line=${line#"$w"}
    n=${#words[@]}
    if (( n > 0 && ! spaced )) && [[ $w == [=:]* || ${words[n-1]} == *[=:] ||
          ( ${words[n-1]} =~ ^[0-9]+$ && $w == [\<\>]* ) ]]; then
      words[n-1]+=$w
    else
      words+=("$w")
      at+=("$i")
    fi
  done
}

# Finds the command, skipping options (and their values) and redirections: sets command and what it takes, how many
# arguments it has, at_value when the word being completed is an option's value, and start when the words from
# there on are the command line exec runs.
_podio_auth_find_command() {
  local i=1 w
  _podio_auth_command ''
  while (( i < cword )); do
    w=${words[i]}
    if [[ $w =~ $redirect ]]; then
      i=$(( i + 2 ))
      continue
    fi
    if [[ $argument == command-line && ( $w == -- || $w != -* ) ]]; then
      # The command to run begins here; from now on, the words are its own.
      start=$i
      [[ $w == -- ]] && start=$(( i + 1 ))
      return
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
          command=${command:+$command }$w
          _podio_auth_command "$command"
        else
          arguments=$(( arguments + 1 ))
        fi
        ;;
    esac
    i=$(( i + 1 ))
  done
}

# The command line exec runs, from words[start]: a command name, then what that command completes to.
_podio_auth_command_line() {
  if (( start >= cword )); then
    _podio_auth_command_names
  elif declare -F _command_offset >/dev/null; then
    # bash-completion is loaded: complete the command as it would on its own.
    _command_offset "${at[start]}"
  else
    _podio_auth_files
  fi
}

_podio_auth() {
  COMPREPLY=()
  # The text readline will replace; bash passes it as $2.
  local word=${2-${COMP_WORDS[COMP_CWORD]}}
  local -a words=() at=()
  _podio_auth_words
  local cword=$(( ${#words[@]} - 1 ))
  local cur=${words[cword]} redirect='^[0-9]*(<|>|>>|&>|&>>|>&|<>|>\|)$'

  # A file name after a redirection, whatever the command.
  if [[ $cur =~ $redirect ]] || { (( cword > 1 )) && [[ ${words[cword-1]} =~ $redirect ]]; }; then
    _podio_auth_files
    return
  fi

  local command='' options subcommands argument value at_value='' arguments=0 start=''
  _podio_auth_find_command
  if [[ -n $start ]]; then
    _podio_auth_command_line
  elif [[ -n $at_value ]]; then
    _podio_auth_complete_value "$value" "$cur"
  elif [[ $cur == -?*=* ]]; then
    _podio_auth_value "$command" "${cur%%=*}" && _podio_auth_complete_value "$value" "${cur#*=}"
  elif [[ $cur == -* ]]; then
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

complete -F _podio_auth podio-auth
