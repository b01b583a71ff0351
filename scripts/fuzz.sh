#!/usr/bin/env bash
# Builds the fuzz targets (fuzz/) with clang, libFuzzer, AddressSanitizer and
# UndefinedBehaviorSanitizer in their own build folder, and runs each in turn:
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]
#
# SECONDS per target (default 60); TARGETs: json_reader go_json_unique_key
# row_decoder copy_encoder rpc_request jsonl_jobs jsonb_text (default: all). Environment:
#   RIVERQUEUE_FUZZ_RUNS       also stop a target after this many executions
#   RIVERQUEUE_FUZZ_MAX_LEN    longest input libFuzzer makes (default 4096; longer
#                              seeds, the nesting-limit ones, are cut to it: the
#                              corpus replay runs them whole)
#   RIVERQUEUE_FUZZ_BUILD_DIR  build folder (default build-fuzz)
#   CXX                        the clang++ to use (default clang++-14, else clang++)
#
# Each target starts from its committed corpus (fuzz/corpus/<target>, read
# only) and keeps what it finds to be new in <build>/corpus/<target>. A crash
# or failed check is saved under <build>/findings/<target>/ and makes the
# script fail; keep it as fuzz/corpus/<target>/finding-<name> once fixed.
# Prints the executions, time and findings of each target.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
seconds=${1:-60}
shift || true
all_targets=(json_reader go_json_unique_key row_decoder copy_encoder rpc_request jsonl_jobs jsonb_text)
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=("${all_targets[@]}")
build_dir=${RIVERQUEUE_FUZZ_BUILD_DIR:-$root/build-fuzz}

cxx=${CXX:-}
if [ -z "$cxx" ]; then
  for candidate in clang++-14 clang++; do
    if command -v "$candidate" >/dev/null 2>&1; then cxx=$candidate; break; fi
  done
fi
if [ -z "$cxx" ] || ! "$cxx" --version 2>/dev/null | grep -q clang; then
  echo "fuzz: clang is needed (Debian: apt-get install clang-14 libclang-rt-14-dev)" >&2
  exit 2
fi

# The library and the targets are instrumented for coverage
# (-fsanitize=fuzzer-no-link) and built with ASan + UBSan
# (RIVERQUEUE_SANITIZE, which also makes every UB report fatal); the targets
# are linked with libFuzzer's main. UBSan's checks are those of `undefined`
# but `function`: clang 14 cannot compile the library's coroutines
# (src/core/ops) with it and coverage together ("Cannot represent a difference
# across sections").
ubsan=alignment,bool,builtin,bounds,enum,float-cast-overflow,integer-divide-by-zero,nonnull-attribute,null
ubsan=$ubsan,object-size,pointer-overflow,return,returns-nonnull-attribute,shift,signed-integer-overflow
ubsan=$ubsan,unreachable,vla-bound,vptr
cmake -S "$root" -B "$build_dir" -G Ninja -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_FLAGS="-fsanitize=fuzzer-no-link" -DRIVERQUEUE_SANITIZE="address,$ubsan" \
  -DRIVERQUEUE_FUZZ_ENGINE=libfuzzer -DRIVERQUEUE_FUZZ=ON -DRIVERQUEUE_BUILD_TESTS=OFF \
  -DRIVERQUEUE_BUILD_EXAMPLES=OFF >/dev/null
cmake --build "$build_dir" --parallel "$(nproc)" --target "${targets[@]/#/fuzz_}"

runs=()
[ -z "${RIVERQUEUE_FUZZ_RUNS:-}" ] || runs=("-runs=$RIVERQUEUE_FUZZ_RUNS")
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

status=0
summary=()
for target in "${targets[@]}"; do
  seeds=$root/fuzz/corpus/$target
  work=$build_dir/corpus/$target
  findings=$build_dir/findings/$target
  log=$build_dir/logs/$target.log
  mkdir -p "$work" "$findings" "$(dirname "$log")"
  # JSON's tokens (and River's names) for the targets that read JSON.
  dict=()
  [ "$target" = row_decoder ] || dict=("-dict=$root/fuzz/json.dict")
  stamp=$build_dir/logs/$target.start
  touch "$stamp"
  echo "== $target: ${seconds}s${RIVERQUEUE_FUZZ_RUNS:+ or $RIVERQUEUE_FUZZ_RUNS runs}"
  start=$(date +%s)
  set +e
  "$build_dir/bin/fuzz_$target" -max_total_time="$seconds" -max_len="${RIVERQUEUE_FUZZ_MAX_LEN:-4096}" \
    "${runs[@]}" "${dict[@]}" -print_final_stats=1 \
    -artifact_prefix="$findings/" "$work" "$seeds" >"$log" 2>&1
  rc=$?
  set -e
  elapsed=$(( $(date +%s) - start ))
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  found=$(find "$findings" -type f -newer "$stamp" | wc -l)
  line="$target: ${execs:-?} execs in ${elapsed}s, $found finding(s) in $findings"
  if [ $rc -ne 0 ]; then
    line="$line; FAILED (exit $rc), see $log"
    grep -m1 -E "ERROR: |check failed|runtime error" "$log" >&2 || tail -5 "$log" >&2
    status=1
  fi
  echo "$line"
  summary+=("$line")
done
echo "== summary"
printf '%s\n' "${summary[@]}"
exit $status
