# bash completion for the `riverqueue` tool; installed as
# share/bash-completion/completions/riverqueue (bash-completion loads it on
# first use), or read it yourself: source completion.bash
#
# Commands, their flags (from each command's --help), migrate's directions,
# state names for --unique-by-state (a comma-separated list) and files for
# insert-many. tests/cli/bash_completion_test.sh checks that every flag of
# every command's --help is offered here, and nothing else.

_riverqueue() {
    local cur=${COMP_WORDS[COMP_CWORD]}
    local prev=""
    [ "$COMP_CWORD" -gt 0 ] && prev=${COMP_WORDS[COMP_CWORD - 1]}
    COMPREPLY=()

    if [ "$COMP_CWORD" -le 1 ]; then
        COMPREPLY=($(compgen -W "migrate insert insert-many unique-key --help --version" -- "$cur"))
        return 0
    fi

    local connection="--database-url --schema"
    local inserting="--no-notify --advisory-lock-prefix --statement-timeout"
    local job="--kind --args --queue --priority --max-attempts --scheduled-at --tags --metadata --pending
               --unique-by-args --unique-by-period --unique-by-queue --unique-by-state --unique-exclude-kind"
    local flags
    case ${COMP_WORDS[1]} in
        migrate) flags="--to $connection" ;;
        insert) flags="$job $inserting $connection" ;;
        insert-many) flags="--fast $inserting $connection" ;;
        unique-key) flags="$job --now" ;;
        *) return 0 ;;
    esac
    flags="$flags --help"

    # The value of a flag that takes one.
    case $prev in
        --unique-by-state)
            local states="available cancelled completed discarded pending retryable running scheduled"
            local done_part=""
            case $cur in *,*) done_part=${cur%,*}, ;; esac
            COMPREPLY=($(compgen -P "$done_part" -W "$states" -- "${cur##*,}"))
            return 0
            ;;
        --database-url | --schema | --to | --kind | --args | --queue | --priority | --max-attempts | \
            --scheduled-at | --tags | --metadata | --unique-by-period | --advisory-lock-prefix | \
            --statement-timeout | --now)
            return 0  # free text: nothing to offer
            ;;
    esac

    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "$flags" -- "$cur"))
        return 0
    fi
    case ${COMP_WORDS[1]} in
        migrate)
            # The direction, once.
            local i
            for ((i = 2; i < COMP_CWORD; i++)); do
                case ${COMP_WORDS[i]} in up | down | list) return 0 ;; esac
            done
            COMPREPLY=($(compgen -W "up down list" -- "$cur"))
            ;;
        insert-many)
            compopt -o filenames 2>/dev/null
            COMPREPLY=($(compgen -f -- "$cur"))
            ;;
    esac
    return 0
}
complete -F _riverqueue riverqueue
