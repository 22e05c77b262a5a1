#!/usr/bin/env bash
# Shows why scripts/sanitize.sh runs ThreadSanitizer with history_size=7 (see scripts/tsan.supp):
# a worker thread runs one OpenMP region whose pool threads read a heap atomic owned by a static
# of an uninstrumented library; the worker is joined; main returns and the library's static
# destructor frees the atomic. libgomp's pool threads are detached and exit through a futex, so
# TSan reports the destructor racing with the finished pool thread. The suppression
# `race:libgomp.so.1` matches only when TSan can restore the pool thread's stack: with a short
# history (history_size=0) it cannot and the report stays; with history_size=7 it is suppressed.
# Prints both outcomes; exits non-zero if they are not as described. Needs g++ with libtsan.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dir="$(mktemp -d)"
trap 'rm -rf "$dir"' EXIT
cat >"$dir/holder.cpp" <<'EOF'
#include <atomic>
struct Holder { std::atomic<char>* p = new std::atomic<char>(1); ~Holder() { delete p; } };
static Holder holder;
extern "C" std::atomic<char>* flagPtr() { return holder.p; }
EOF
cat >"$dir/main.cpp" <<'EOF'
#include <atomic>
#include <thread>
#include <unistd.h>
extern "C" std::atomic<char>* flagPtr();
static volatile int sink[4096];
int main() {
    std::thread worker([] {
        int sum = 0;
#pragma omp parallel num_threads(2) reduction(+ : sum)
        {
            sum += flagPtr()->load();
            for (int i = 0; i < 300000; ++i) sink[i % 4096] = i;  // outlives a short history
        }
        (void)sum;
    });
    worker.join();
    usleep(200000);
    return 0;
}
EOF
g++ -O1 -fPIC -shared "$dir/holder.cpp" -o "$dir/libholder.so"
g++ -O1 -g -fsanitize=thread -fopenmp "$dir/main.cpp" -L"$dir" -lholder -Wl,-rpath,"$dir" \
  -o "$dir/exit_race"
status=0
for history in 0 7; do
  out="$(TSAN_OPTIONS="suppressions=$ROOT/scripts/tsan.supp:history_size=$history" \
    "$dir/exit_race" 2>&1 || true)"
  reports=$(grep -c "WARNING: ThreadSanitizer" <<<"$out" || true)
  echo "history_size=$history: $reports report(s)$(grep -q 'failed to restore' <<<"$out" &&
    echo ', the pool thread stack could not be restored')"
  if { [ "$history" = 0 ] && [ "$reports" = 0 ]; } || { [ "$history" = 7 ] && [ "$reports" != 0 ]; }; then
    status=1
  fi
done
exit $status
