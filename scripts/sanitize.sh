#!/usr/bin/env bash
# Builds the project with sanitizers and runs the tests under them (see README, "Sanitizers").
#
#   scripts/sanitize.sh [address,undefined|thread] [extra ctest arguments...]
#
# address,undefined (the default): AddressSanitizer + LeakSanitizer + UndefinedBehaviorSanitizer,
#   every target, the whole CTest suite, in build-asan/.
# thread: ThreadSanitizer in build-tsan/, the tests of the GUI's worker threads (the app group:
#   worker job, run queue, run lifecycle, workbench, gradient lab session, judge and study tabs)
#   and the core's thread budget; only the two test executables they need are built.
#
# Installs what is missing (scripts/bootstrap.sh), configures with ccache when it is installed,
# builds at -O1 -g1 (line tables for the reports; see the README for why not -O2 -g), runs the
# tests and prints a summary: tests run and failed, and how many sanitizer reports their logs
# hold. Exits non-zero when a test fails. BUILD_JOBS (default 2) sets build and test parallelism;
# BUILD_DIR overrides the build folder.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SANITIZE="${1:-address,undefined}"
[ $# -gt 0 ] && shift
JOBS="${BUILD_JOBS:-2}"

case "$SANITIZE" in
  address,undefined | undefined,address)
    BUILD_DIR="${BUILD_DIR:-$ROOT/build-asan}"
    targets=(all)
    ;;
  thread)
    BUILD_DIR="${BUILD_DIR:-$ROOT/build-tsan}"
    targets=(rgpb_tests_app rgpb_tests_core_light)
    ;;
  *)
    echo "usage: scripts/sanitize.sh [address,undefined|thread] [ctest arguments...]" >&2
    echo "sanitize.sh: unknown sanitizer set '$SANITIZE'" >&2
    exit 2
    ;;
esac

bash "$ROOT/scripts/bootstrap.sh"

launcher=()
if command -v ccache >/dev/null 2>&1; then
  launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
fi
# RelWithDebInfo with -O1 -g1 and assertions on (no -DNDEBUG): -O1 keeps stacks exact enough and
# the tests fast; -g1 gives file:line in every report at a fraction of -g's compile and link time.
cmake -S "$ROOT" -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -g1" -DRGPB_BUILD_BENCH=OFF \
  "-DRGPB_SANITIZE=$SANITIZE" "${launcher[@]}"

start=$(date +%s)
cmake --build "$BUILD_DIR" -j "$JOBS" --target "${targets[@]}"
build_s=$(($(date +%s) - start))

# Reports go to stderr, which CTest keeps in Testing/Temporary/LastTest.log.
# halt_on_error: the first report ends the process, so it fails its test.
export ASAN_OPTIONS="detect_leaks=1:halt_on_error=1:abort_on_error=0:strict_string_checks=1:detect_stack_use_after_return=1:check_initialization_order=1:print_summary=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:print_summary=1"
# Third-party leaks only (scripts/lsan.supp says which and why).
export LSAN_OPTIONS="suppressions=$ROOT/scripts/lsan.supp:print_suppressions=0"
# Third-party libraries only (scripts/tsan.supp); one torch/OpenMP thread per process.
# history_size=7 (4M accesses per thread, the most TSan keeps): a suppression only matches a
# stack TSan can restore, and with the default history an OpenMP worker's read from early in a
# long test is forgotten by the time the process exits ("failed to restore the stack"); see
# scripts/tsan.supp.
export TSAN_OPTIONS="suppressions=$ROOT/scripts/tsan.supp:halt_on_error=1:second_deadlock_stack=1:print_suppressions=0:history_size=7"

cd "$BUILD_DIR"
if [ "$SANITIZE" = thread ]; then
  # The app group plus the core's thread budget.
  ctest_args=(-R '^test_(config_form|gradient_lab_session|judge_tab|landscape_updater|run_lifecycle|run_queue|study_tab|workbench|worker_job|thread_budget)$')
else
  ctest_args=()
fi
start=$(date +%s)
set +e
ctest --output-on-failure -j "$JOBS" "${ctest_args[@]}" "$@" 2>&1 | tee "$BUILD_DIR/sanitize-ctest.log"
status=${PIPESTATUS[0]}
set -e
test_s=$(($(date +%s) - start))

log="$BUILD_DIR/Testing/Temporary/LastTest.log"
count() { grep -c -- "$1" "$log" 2>/dev/null || true; }
echo
echo "== sanitize.sh summary ($SANITIZE, $BUILD_DIR)"
grep -E '^[0-9]+% tests passed' "$BUILD_DIR/sanitize-ctest.log" || true
echo "build: ${build_s} s, tests: ${test_s} s"
echo "AddressSanitizer reports:   $(count 'ERROR: AddressSanitizer')"
echo "LeakSanitizer reports:      $(count 'ERROR: LeakSanitizer')"
echo "UndefinedBehavior reports:  $(count 'runtime error:')"
echo "ThreadSanitizer reports:    $(count 'WARNING: ThreadSanitizer')"
echo "full logs: $log"
exit "$status"
