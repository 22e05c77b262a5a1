#!/usr/bin/env bash
# The gradient diagnostics' cost (issue 15: at most 10 % of a run's wall time at the default
# evaluation interval): trains CONFIG (default presets/demo.yaml) REPEATS times (default 3) with
# diagnostics off and on, alternating, and prints each run's wall time and the overhead of the
# means. Extra arguments go to `rgpb train` (e.g. --set stages.0.steps=200).
#   bash bench/diagnostics_overhead.sh [CONFIG] [REPEATS] [rgpb train options...]
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
RGPB="${RGPB:-$ROOT/build/app/rgpb}"
CONFIG="${1:-$ROOT/presets/demo.yaml}"
REPEATS="${2:-3}"
shift $(( $# > 2 ? 2 : $# ))
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
declare -A total=([false]=0 [true]=0)
for ((i = 1; i <= REPEATS; i++)); do
  for on in false true; do
    start=$(date +%s.%N)
    "$RGPB" train "$CONFIG" --runs-dir "$WORK/runs" --set diagnostics.enabled=$on "$@" \
      > "$WORK/log" 2>&1 || { cat "$WORK/log"; exit 1; }
    t=$(echo "$(date +%s.%N) - $start" | bc)
    total[$on]=$(echo "${total[$on]} + $t" | bc)
    printf 'repeat %d  diagnostics %-5s  %6.1f s\n' "$i" "$on" "$t"
  done
done
off=$(echo "${total[false]} / $REPEATS" | bc -l)
on=$(echo "${total[true]} / $REPEATS" | bc -l)
printf 'mean off %.1f s, on %.1f s: overhead %.1f %%\n' "$off" "$on" \
  "$(echo "($on - $off) / $off * 100" | bc -l)"
