#!/usr/bin/env bash
# Fuzzes every parser of outside input (fuzz/, issue #17) with libFuzzer, AddressSanitizer and
# UndefinedBehaviorSanitizer.
#
#   scripts/fuzz.sh [seconds] [target...]     # default: 600 s each, every target
#   FUZZ_JOBS=2 scripts/fuzz.sh 20            # two targets at a time (the CI does this)
#
# Installs what is missing (scripts/bootstrap.sh: clang-14, libclang-rt-14-dev), configures a
# clang build folder (FUZZ_BUILD_DIR, default build-fuzz/; only the fuzz targets and the torch-free
# libraries they link are built), then runs each target for `seconds` on a copy of its seed
# corpus (tests/fuzz/corpus/<target>/, never grown by a run) with its dictionary
# (fuzz/<target>.dict) when there is one, under -rss_limit_mb=2048 -malloc_limit_mb=2048
# -timeout=10. Prints one line per target: executions, exec/s, coverage (cov: edges, ft:
# features), corpus size at the end, result. A crash, a sanitizer report, a leak, an uncaught
# exception other than the project's own rgpb::Error, a timeout or an allocation over 2 GB is a
# finding: the input that caused it is kept (its path is printed) and the script exits 1.
# Each run's work folder (corpus copy, log, findings) is FUZZ_OUT/<target> (default
# build-fuzz/fuzz-runs/<target>), emptied at the start of the run.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SECONDS_EACH="${1:-600}"
shift || true
BUILD_DIR="${FUZZ_BUILD_DIR:-$ROOT/build-fuzz}"
OUT="${FUZZ_OUT:-$BUILD_DIR/fuzz-runs}"
JOBS="${FUZZ_JOBS:-1}"
CXX_FUZZ="${CXX_FUZZ:-clang++-14}"

if ! [[ "$SECONDS_EACH" =~ ^[0-9]+$ ]] || [ "$SECONDS_EACH" -lt 1 ]; then
  echo "usage: scripts/fuzz.sh [seconds] [target...]  (seconds: a positive integer)" >&2
  exit 2
fi

bash "$ROOT/scripts/bootstrap.sh"

launcher=()
if command -v ccache >/dev/null 2>&1; then launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache); fi
# The fuzz folder builds nothing of LibTorch, the GUI, the tests or the benchmarks.
mkdir -p "$BUILD_DIR"
cmake -S "$ROOT" -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_CXX_COMPILER="$CXX_FUZZ" "${launcher[@]}" -DRGPB_BUILD_FUZZ=ON \
  -DRGPB_BUILD_GUI=OFF -DRGPB_BUILD_TESTS=OFF -DRGPB_BUILD_BENCH=OFF -DRGPB_USE_PCH=OFF \
  >"$BUILD_DIR/configure.log" 2>&1 || { cat "$BUILD_DIR/configure.log" >&2; exit 1; }

mapfile -t all_targets < <(sed -n 's/^fuzz_//p' "$BUILD_DIR/fuzz_targets.txt")
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then targets=("${all_targets[@]}"); fi
build=()
for t in "${targets[@]}"; do
  if ! printf '%s\n' "${all_targets[@]}" | grep -qx -- "$t"; then
    echo "fuzz.sh: no target '$t'; the targets are: ${all_targets[*]}" >&2
    exit 2
  fi
  build+=("fuzz_$t")
done
cmake --build "$BUILD_DIR" -j "${BUILD_JOBS:-2}" --target "${build[@]}"

export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=0}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

# run_one TARGET: fuzzes it and writes OUT/TARGET/summary (one line, ending in "ok" or a
# finding).
run_one() {
  local t="$1" dir="$OUT/$1"
  rm -rf "$dir"
  mkdir -p "$dir/corpus" "$dir/findings"
  if [ -d "$ROOT/tests/fuzz/corpus/$t" ]; then cp -a "$ROOT/tests/fuzz/corpus/$t/." "$dir/corpus/"; fi
  local args=(-max_total_time="$SECONDS_EACH" -rss_limit_mb=2048 -malloc_limit_mb=2048
              -timeout=10 -print_final_stats=1 -artifact_prefix="$dir/findings/")
  if [ -f "$ROOT/fuzz/$t.dict" ]; then args+=(-dict="$ROOT/fuzz/$t.dict"); fi
  local rc=0
  "$BUILD_DIR/fuzz/fuzz_$t" "${args[@]}" "$dir/corpus" >"$dir/log" 2>&1 || rc=$?
  local execs rate cov ft corpus result
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$dir/log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$dir/log" | tail -1)
  cov=$(grep -o 'cov: [0-9]*' "$dir/log" | tail -1 | cut -d' ' -f2)
  ft=$(grep -o 'ft: [0-9]*' "$dir/log" | tail -1 | cut -d' ' -f2)
  corpus=$(find "$dir/corpus" -type f | wc -l)
  local found
  found=$(find "$dir/findings" -type f | head -1)
  if [ "$rc" -eq 0 ] && [ -z "$found" ]; then
    result="ok"
  else
    result="FINDING (exit $rc): ${found:-no input saved} (log: $dir/log)"
  fi
  printf '%-24s %10s execs %7s exec/s  cov %5s  ft %6s  corpus %5s  %s\n' "$t" "${execs:-?}" \
    "${rate:-?}" "${cov:-?}" "${ft:-?}" "$corpus" "$result" >"$dir/summary"
}

mkdir -p "$OUT"
echo "fuzz.sh: ${#targets[@]} targets, ${SECONDS_EACH} s each, $JOBS at a time; work folders in $OUT"
names=() failed=0
for t in "${targets[@]}"; do
  while [ "$(jobs -rp | wc -l)" -ge "$JOBS" ]; do wait -n || true; done
  run_one "$t" &
  names+=("$t")
done
wait || true
for t in "${names[@]}"; do
  if [ -f "$OUT/$t/summary" ]; then cat "$OUT/$t/summary"; else echo "$t: no result (see $OUT/$t/log)"; fi
  if ! grep -q ' ok$' "$OUT/$t/summary" 2>/dev/null; then failed=1; fi
done
if [ "$failed" -ne 0 ]; then
  echo "fuzz.sh: FINDINGS above; reproduce one with: $BUILD_DIR/fuzz/fuzz_<target> <input>" >&2
  exit 1
fi
echo "fuzz.sh: no findings"
