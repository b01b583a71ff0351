# Sourced by the test scripts that install and consume riverqueue
# (tests/consumer, tests/packaging). The sourcing script sets `script_name`,
# the prefix of its messages, and may set `quiet_log`, a file that keeps the
# output of the last `quietly` command (read afterwards); without it the
# output goes to a temporary file, printed only when the command fails.

# Prints "SCRIPT_NAME: MESSAGE" to stderr and ends the script with status 1.
fail() {
  echo "${script_name:?}: $*" >&2
  exit 1
}

# Runs a command with its output kept aside, printed only when it fails.
quietly() {
  local log=${quiet_log:-} status=0
  [ -n "$log" ] || log=$(mktemp)
  "$@" >"$log" 2>&1 || status=$?
  [ "$status" = 0 ] || cat "$log" >&2
  [ -n "${quiet_log:-}" ] || rm -f "$log"
  return "$status"
}
