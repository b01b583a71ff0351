#!/usr/bin/env bash
# Runs River's own conformance harness (TestInsertOnlyConformance, profile
# insert-only-v1) against our adapter, River Go's reference adapter beside it.
#
#   scripts/conformance/river-harness.sh ADAPTER VERSION
#
# ADAPTER is the built riverqueue-conformance-adapter, VERSION the version its
# handshake reports. The database is a throwaway one created on the server of
# RIVERQUEUE_TEST_DATABASE_URL (DATABASE_URL wins), as ctest provides.
#
# River's conformance module is never tagged, so it comes from the Go module
# proxy as the pseudo-version of one pinned commit, together with the
# reference adapter module of the same commit. Nothing of River's is kept in
# this repository: both are downloaded into a scratch directory per run.
#
# Exit status: 0 passed, 1 failed, 77 skipped because the proxy cannot serve
# the pinned commit (RIVER_CONFORMANCE_REQUIRED=1 turns that into a failure).
set -euo pipefail

# The River commit whose conformance suite has the insert-only-v1 profile
# (conformance/adapter/profiles/insert-only.json).
river_commit=fab3acd121d287c27a064eb4791767a19b28db65

adapter=${1:?usage: river-harness.sh ADAPTER VERSION}
version=${2:?usage: river-harness.sh ADAPTER VERSION}
database_url=${DATABASE_URL:-${RIVERQUEUE_TEST_DATABASE_URL:?RIVERQUEUE_TEST_DATABASE_URL is not set}}
export GOPROXY=${GOPROXY:-https://proxy.golang.org} GOFLAGS=-mod=mod

work=$(mktemp -d /tmp/river-harness.XXXXXX)
database=river_harness_$$
cleanup() {
  psql -q "$database_url" -c "DROP DATABASE IF EXISTS $database" >/dev/null 2>&1 || true
  chmod -R u+w "$work" && rm -rf "$work"
}
trap cleanup EXIT

# Downloads MODULE at the pinned commit and copies it to DIR under the scratch
# River checkout, or stops with the proxy's answer.
fetch_module() {
  local module=$1 dir=$2 answer
  local command=(go mod download -json "$module@$river_commit")
  if ! answer=$(cd "$work" && "${command[@]}" 2>&1); then
    echo "river-harness.sh: the Go module proxy ($GOPROXY) cannot serve $module at $river_commit" >&2
    echo "\$ ${command[*]}" >&2
    echo "$answer" >&2
    [ "${RIVER_CONFORMANCE_REQUIRED:-}" = 1 ] && exit 1
    exit 77
  fi
  local source version
  source=$(jq -r .Dir <<<"$answer")
  version=$(jq -r .Version <<<"$answer")
  echo "river-harness.sh: $module $version" >&2
  mkdir -p "$work/river/$dir"
  cp -R "$source/." "$work/river/$dir/"
  chmod -R u+w "$work/river/$dir"
}

# The harness finds River's repository two levels above conformance/harness
# and builds the reference with `go build ./internal/cmd/riverconformanceadapter`
# from there; a workspace joins the two modules as River's own go.work does.
fetch_module github.com/riverqueue/river/conformance conformance
fetch_module github.com/riverqueue/river/internal/cmd/riverconformanceadapter internal/cmd/riverconformanceadapter
printf 'go 1.26\n\nuse (\n\t./conformance\n\t./internal/cmd/riverconformanceadapter\n)\n' >"$work/river/go.work"

# The handshake scenario expects each implementation's version from River's
# manifest, which has no entry for this library: add ours to the scratch copy.
manifest=$work/river/conformance/manifest.json
jq --arg version "$version" '.implementations.cpp = {"version": $version}' "$manifest" >"$manifest.new"
mv "$manifest.new" "$manifest"

cat >"$work/cpp.json" <<JSON
{"application_name": "river-conformance-cpp", "command": ["$adapter"], "implementation": "cpp",
 "profiles": ["insert-only-v1"], "version": "$version"}
JSON

psql -q "$database_url" -c "CREATE DATABASE $database" >/dev/null
case $database_url in
  postgres://*\?* | postgresql://*\?*) harness_url="$database_url&dbname=$database" ;;
  postgres://* | postgresql://*) harness_url="$database_url?dbname=$database" ;;
  *) harness_url="$database_url dbname=$database" ;;
esac

cd "$work/river"
RIVER_CONFORMANCE_DATABASE_URL="$harness_url" \
RIVER_CONFORMANCE_CANDIDATE_FILE="$work/cpp.json" \
RIVER_CONFORMANCE_REQUIRED=1 \
  go test -tags riverconformance ./conformance/harness -run '^TestInsertOnlyConformance$' -count=1 -v -timeout 10m
