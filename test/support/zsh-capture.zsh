# zsh -f zsh-capture.zsh MODE 'command line'
# Starts an interactive zsh in a pseudo-terminal, runs compinit with $CAPTURE_FPATH first on $fpath, evaluates
# $CAPTURE_INIT, types the command line and Tab, and prints (compinit's dump is $CAPTURE_DUMP when given, so that
# calls with the same $fpath build it once):
#   MODE list: every match completion offered, one a line, as "match -- description" when it has one;
#   MODE line: the command line as Tab left it.
zmodload zsh/zpty || { print -u2 'zsh/zpty is missing'; exit 3 }
mode=$1
typed=$2
export CAPTURE_MODE=$mode CAPTURE_TMP=$(mktemp -d)
cat > $CAPTURE_TMP/setup.zsh <<'SETUP'
PROMPT=
RPROMPT=
stty columns 1000 2>/dev/null
COLUMNS=1000
[[ -n $CAPTURE_FPATH ]] && fpath=($CAPTURE_FPATH $fpath)
autoload -U compinit && compinit -u -d ${CAPTURE_DUMP:-$CAPTURE_TMP/zcompdump}
eval "$CAPTURE_INIT"
bindkey '^I' complete-word
zstyle ':completion:*' list-grouped false
zstyle ':completion:*' insert-tab false
# Output between two marks is the answer.
_capture_mark() { print -rn -- $'\n\0CAPTURE\n' }
_capture_line() { _capture_mark; print -r -- $BUFFER; _capture_mark; exit }
zle -N _capture_line
bindkey '^X' _capture_line
if [[ $CAPTURE_MODE == list ]]; then
  compprefuncs=(_capture_mark)
  comppostfuncs=(_capture_mark exit)
  # Every match reaches the command line through compadd: print the ones that survive matching instead.
  compadd() {
    if [[ ${@[1,(i)(-|--)]} == *-(O|A|D)\ * ]]; then builtin compadd "$@"; return; fi
    local -a _hits _descriptions
    if (( $@[(I)-d] )); then
      local _name=${@[${@[(i)-d]}+1]}
      if [[ $_name == \(* ]]; then eval "_descriptions=$_name"; else _descriptions=("${(@P)_name}"); fi
    fi
    builtin compadd -A _hits -D _descriptions "$@"
    local i
    for (( i = 1; i <= $#_hits; i++ )); do
      if (( $#_descriptions >= i )); then print -r -- "$_hits[i] -- ${${${_descriptions[i]}##$_hits[i] #}#-- }"
      else print -r -- "$_hits[i]"; fi
    done
  }
fi
print CAPTURE-READY
SETUP
zpty capture zsh -f -i
zpty -w capture "source $CAPTURE_TMP/setup.zsh"
while zpty -r capture chunk; do [[ $chunk == *CAPTURE-READY* ]] && break; done
if [[ $mode == line ]]; then zpty -w -n capture "$typed"$'\t\C-x'; else zpty -w -n capture "$typed"$'\t'; fi
integer marks=0
while zpty -r capture chunk; do print -rn -- "$chunk"; done | while IFS= read -r line; do
  if [[ $line == $'\0CAPTURE'* ]]; then (( ++marks == 2 )) && break; continue; fi
  (( marks == 1 )) && [[ -n ${line%$'\r'} ]] && print -r -- "${line%$'\r'}"
done
zpty -d capture
rm -rf $CAPTURE_TMP
(( marks == 2 )) || { print -u2 'no answer from the shell'; exit 4 }
