#!/usr/bin/env bash
# `riverqueue --help` and every command's --help agree with docs/cli.md:
#   help_matches_docs.sh RIVERQUEUE DOCS_CLI_MD
# - the commands --help lists are the commands of docs/cli.md's table;
# - every flag in the Options of --help and of each command's --help is
#   named in docs/cli.md (as `--flag`);
# - every --flag docs/cli.md names is a flag of the tool or of a command.
set -euo pipefail
cli=$1
docs=$2
status=0
problem() {
  echo "help_matches_docs: $*" >&2
  status=1
}

# The first word of each line of a --help's section ("Options:", "Subcommands:").
section() { awk -v s="$1" '$0 == s {on = 1; next} on && /^$/ {exit} on {print}'; }
options_of() { section "Options:" | grep -oE '^ +(-[a-z],)?--[a-z][a-z-]*' | sed -E 's/^ +(-[a-z],)?//'; }

top=$("$cli" --help)
commands=$(echo "$top" | section "Subcommands:" | awk '{print $1}' | sort)
[ -n "$commands" ] || problem "riverqueue --help lists no commands"
documented_commands=$(grep -oE '^\| `[a-z][a-z-]*' "$docs" | sed 's/^| `//' | sort -u)
[ "$commands" = "$documented_commands" ] ||
  problem "commands in --help: $(echo $commands); in docs/cli.md's table: $(echo $documented_commands)"

help_flags=$(echo "$top" | options_of)
for command in $commands; do
  flags=$("$cli" "$command" --help | options_of)
  [ -n "$flags" ] || problem "riverqueue $command --help lists no flags"
  help_flags+=$'\n'"$flags"
done
help_flags=$(echo "$help_flags" | sort -u)

# (Flags of other programs, `cmake --build`, are not the tool's.)
documented_flags=$(grep -oE -- '(cmake )?--[a-z][a-z-]*' "$docs" | grep -v '^cmake ' | sort -u)
for flag in $help_flags; do
  grep -qxF -- "$flag" <<<"$documented_flags" || problem "$flag is in --help but not in docs/cli.md"
done
for flag in $documented_flags; do
  grep -qxF -- "$flag" <<<"$help_flags" || problem "docs/cli.md names $flag, which no --help lists"
done

[ $status = 0 ] && echo "help_matches_docs: $(echo $commands | wc -w) commands and $(echo $help_flags | wc -w) flags agree"
exit $status
