# podio-auth completion for fish; see docs/completion.md for how to install it.

# What the commands take, written here by `podio-auth completion fish` (src/completion/fish-data.ts).
# __podio_auth_commands, three words per command: its name ('' before one, 'profiles use' for a subcommand), its
# description, and how its first argument completes ('' when it takes none). __podio_auth_options, four words per
# option: the command, the option's names ("-h --help"), how its value completes ('' for a flag), its description.
# A value completes as: profile, file, command-line (a command and its arguments), command-name (one of podio-auth's
# commands), "words" and a list of fish words (a fixed set), or none (nothing to offer).
# @generated-start
set -g __podio_auth_commands '' '' ''
set -g __podio_auth_options
# @generated-end

# Where the command line is: sets __podio_auth_command to the command being completed ('' before one, 'profiles
# use' for a subcommand, 'exec --' inside the command exec runs), __podio_auth_arguments to how many arguments it
# has, and __podio_auth_line to the words of the command exec runs.
function __podio_auth_parse
    set -l tokens (commandline -opc)
    set -e tokens[1]
    set -g __podio_auth_command ''
    set -g __podio_auth_arguments 0
    set -g __podio_auth_line
    while set -q tokens[1]
        set -l word $tokens[1]
        set -e tokens[1]
        if contains -- "$__podio_auth_command" $__podio_auth_command_lines
            and begin; test "$word" = '--'; or not string match -q -- '-*' $word; end
            set __podio_auth_command "$__podio_auth_command --"
            test "$word" = '--'; or set __podio_auth_line $word
            set -a __podio_auth_line $tokens
            return
        end
        switch $word
            case '-?*=*'
            case '-?*'
                contains -- "$__podio_auth_command|$word" $__podio_auth_value_options; and set -e tokens[1]
            case '*'
                set -l child "$__podio_auth_command|$word"
                if test $__podio_auth_arguments = 0; and contains -- $child $__podio_auth_children
                    set __podio_auth_command (string trim -- "$__podio_auth_command $word")
                else
                    set __podio_auth_arguments (math $__podio_auth_arguments + 1)
                end
        end
    end
end

# True when completing command $argv[1]; with "first", only while it has no argument yet.
function __podio_auth_at
    __podio_auth_parse
    test "$__podio_auth_command" = "$argv[1]"; or return 1
    test "$argv[2]" != first; or test $__podio_auth_arguments = 0
end

function __podio_auth_profiles
    command podio-auth __complete profiles 2>/dev/null
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

# The switches of complete for a value that completes as $argv[1], one a line.
function __podio_auth_value_switches --argument-names value
    switch $value
        case profile
            printf '%s\n' -x -a '(__podio_auth_profiles)'
        case file
            printf '%s\n' -r -F
        case command-line
            printf '%s\n' -x -a '(__podio_auth_command_line)'
        case 'words *'
            printf '%s\n' -x -a (string sub -s 7 -- $value)
        case none
            printf '%s\n' -x
    end
end

# Offers the subcommands of command $argv[1] ('' for podio-auth's own), described, where condition $argv[2] holds.
# False if it has none.
function __podio_auth_offer_commands --argument-names parent condition
    set -l commands $__podio_auth_commands
    set -l found 1
    while set -q commands[3]
        set -l name $commands[1]
        set -l name_parent (string replace -r ' ?[^ ]+$' '' -- $name)
        if test -n "$name"; and test "$name_parent" = "$parent"
            set -l leaf (string replace -r '.* ' '' -- $name)
            complete -c podio-auth -n $condition -a (string escape -- $leaf) -d $commands[2]
            set found 0
        end
        set -e commands[1..3]
    end
    return $found
end

function __podio_auth_register_command --argument-names name description argument
    set -l here "__podio_auth_at "(string escape -- $name)
    # No file names unless the command takes one; exec's command line offers them itself where they fit.
    contains -- "$argument" file command-line; or complete -c podio-auth -n $here -f
    if test -n "$name"
        set -a __podio_auth_children (string replace -r ' ?[^ ]+$' '' -- $name)'|'(string replace -r '.* ' '' -- $name)
    end
    if test "$argument" = command-name
        __podio_auth_offer_commands '' "$here first"
    else if not __podio_auth_offer_commands $name "$here first"; and test -n "$argument"
        complete -c podio-auth -n "$here first" (__podio_auth_value_switches $argument)
    end
    if test "$argument" = command-line
        set -a __podio_auth_command_lines $name
        complete -c podio-auth -n "__podio_auth_at "(string escape -- "$name --") -x -a '(__podio_auth_command_line)'
    end
end

function __podio_auth_register_option --argument-names command names value description
    set -l switches
    for name in (string split ' ' -- $names)
        if string match -q -- '--*' $name
            set -a switches -l (string sub -s 3 -- $name)
        else if test (string length -- $name) = 2
            set -a switches -s (string sub -s 2 -- $name)
        else
            set -a switches -o (string sub -s 2 -- $name)
        end
        test -n "$value"; and set -a __podio_auth_value_options "$command|$name"
    end
    set -l here "__podio_auth_at "(string escape -- $command)
    complete -c podio-auth -n $here $switches (__podio_auth_value_switches $value) -d $description
end

# Registers the completions the data describes, and the lists __podio_auth_parse looks words up in:
# __podio_auth_children ("command|subcommand"), __podio_auth_value_options ("command|option", for the options that
# take a value) and __podio_auth_command_lines (the commands that run one).
function __podio_auth_register
    set -g __podio_auth_children
    set -g __podio_auth_value_options
    set -g __podio_auth_command_lines
    set -l commands $__podio_auth_commands
    while set -q commands[3]
        __podio_auth_register_command $commands[1..3]
        set -e commands[1..3]
    end
    set -l options $__podio_auth_options
    while set -q options[4]
        __podio_auth_register_option $options[1..4]
        set -e options[1..4]
    end
end

__podio_auth_register
