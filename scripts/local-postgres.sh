#!/usr/bin/env bash
# Starts or stops a throwaway PostgreSQL for tests, the demo and benchmarks.
#
#   scripts/local-postgres.sh start DIR   # prints the connection URL
#   scripts/local-postgres.sh stop DIR
#   scripts/local-postgres.sh url DIR
#
# The server listens only on a unix socket inside DIR, with fsync off: it is
# fast and disposable. PostgreSQL refuses to run as root, so when run as root
# the server runs as the `postgres` system user. When DATABASE_URL is set,
# `start` does nothing and prints it: the caller's database is used instead.
set -euo pipefail

cmd=${1:?usage: local-postgres.sh start|stop|url DIR}
dir=${2:?usage: local-postgres.sh start|stop|url DIR}

pg_bin=${PG_BIN:-}
if [ -z "$pg_bin" ]; then
  for candidate in /usr/lib/postgresql/*/bin; do
    [ -x "$candidate/initdb" ] && pg_bin=$candidate
  done
fi
if [ -z "$pg_bin" ] || [ ! -x "$pg_bin/initdb" ]; then
  echo "local-postgres.sh: PostgreSQL server binaries not found (install postgresql-15)" >&2
  exit 1
fi

run_as_server_user() {
  if [ "$(id -u)" = 0 ]; then
    # runuser keeps the environment small; -u needs no login shell.
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

url() {
  echo "postgresql:///postgres?host=$dir/socket&user=${PGUSER_OVERRIDE:-postgres}"
}

case "$cmd" in
  url)
    url
    ;;
  start)
    if [ -n "${DATABASE_URL:-}" ]; then
      echo "$DATABASE_URL"
      exit 0
    fi
    mkdir -p "$dir/socket"
    if [ "$(id -u)" = 0 ]; then
      chown -R postgres: "$dir"
      # The server user must be able to reach DIR through its parents.
      p=$dir
      while [ "$p" != "/" ]; do chmod o+x "$p" 2>/dev/null || true; p=$(dirname "$p"); done
    fi
    if [ ! -f "$dir/data/PG_VERSION" ]; then
      run_as_server_user "$pg_bin/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 \
        --locale=C.UTF-8 --no-sync >"$dir/initdb.log" 2>&1 ||
        { cat "$dir/initdb.log" >&2; exit 1; }
    fi
    if run_as_server_user "$pg_bin/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
      url
      exit 0
    fi
    run_as_server_user "$pg_bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start \
      -o "-c listen_addresses='' -c unix_socket_directories='$dir/socket' -c fsync=off \
          -c synchronous_commit=off -c full_page_writes=off -c max_connections=200 \
          -c shared_buffers=256MB -c max_wal_size=4GB" >/dev/null ||
      { cat "$dir/server.log" >&2; exit 1; }
    url
    ;;
  stop)
    if [ -n "${DATABASE_URL:-}" ] || [ ! -f "$dir/data/PG_VERSION" ]; then exit 0; fi
    run_as_server_user "$pg_bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
    ;;
  *)
    echo "local-postgres.sh: unknown command $cmd" >&2
    exit 2
    ;;
esac
