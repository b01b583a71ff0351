#!/usr/bin/env bash
# The bash completion (tools/cli/completion.bash) against the tool itself:
#   bash_completion_test.sh RIVERQUEUE COMPLETION_FILE
# - `riverqueue <TAB>`: the commands `riverqueue --help` lists, --help, --version;
# - `riverqueue COMMAND --<TAB>`: exactly the flags `riverqueue COMMAND --help` lists;
# - after a flag that --help shows taking a value: nothing offered (no flags),
#   except --unique-by-state: River's state names, after a comma too;
# - migrate's directions once; insert-many's files; partial words completed.
set -euo pipefail
cli=$1
completion=$2
status=0
problem() {
  echo "bash_completion: $*" >&2
  status=1
}
# complete WORD... : what the completion offers for the last word (sorted, one line).
complete_words() {
  bash -c 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _riverqueue; printf "%s\n" "${COMPREPLY[@]}"' \
    _ "$completion" riverqueue "$@" | sed '/^$/d' | sort | tr '\n' ' ' | sed 's/ $//'
}
expect() {
  local want=$1
  shift
  local got
  got=$(complete_words "$@")
  [ "$got" = "$want" ] || problem "riverqueue $* <TAB>: offered '$got', expected '$want'"
}
section() { awk -v s="$1" '$0 == s {on = 1; next} on && /^$/ {exit} on {print}'; }

bash -n "$completion" || problem "$completion is not valid bash"
commands=$("$cli" --help | section "Subcommands:" | awk '{print $1}')
top_flags=$("$cli" --help | section "Options:" | grep -oE -- '--[a-z][a-z-]*')
expect "$(printf '%s\n' $commands $top_flags | sort | tr '\n' ' ' | sed 's/ $//')" ""

for command in $commands; do
  options=$("$cli" "$command" --help | section "Options:")
  flags=$(echo "$options" | grep -oE '^ +(-[a-z],)?--[a-z][a-z-]*' | sed -E 's/^ +(-[a-z],)?//' | sort | tr '\n' ' ' | sed 's/ $//')
  expect "$flags" "$command" --
  # Flags shown with a value type (TEXT, INT, FLOAT, INT:MS) take a value.
  for flag in $(echo "$options" | awk '$1 ~ /^--/ && NF > 1 && $2 ~ /^[A-Z][A-Z:]*$/ {print $1}'); do
    case $flag in
      --unique-by-state) ;;
      --unique-by-args) ;;  # its value is optional (--unique-by-args=k1,k2): flags may follow
      *) expect "" "$command" "$flag" "" ;;
    esac
  done
done

states="available cancelled completed discarded pending retryable running scheduled"
expect "$states" insert --unique-by-state ""
expect "retryable running" unique-key --unique-by-state r
expect "available,pending" insert --kind k --unique-by-state available,pe
expect "insert insert-many" ins
expect "--unique-by-args --unique-by-period --unique-by-queue --unique-by-state" insert --unique-by-
expect "up" migrate u
expect "down list up" migrate ""
expect "" migrate up ""
expect "--schema" migrate up --sc

dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
touch "$dir/jobs.jsonl" "$dir/other.txt"
got=$(cd "$dir" && complete_words insert-many jo)
[ "$got" = jobs.jsonl ] || problem "riverqueue insert-many jo<TAB>: offered '$got', expected 'jobs.jsonl'"

[ $status = 0 ] && echo "bash_completion: commands, every command's flags and values complete as --help lists them"
exit $status
