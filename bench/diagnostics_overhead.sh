#!/usr/bin/env bash
# The gradient diagnostics' cost (issue 15: at most 10 % of a run's wall time at the default
# evaluation interval): trains CONFIG (default presets/demo.yaml) REPEATS times (default 3) with
# diagnostics off and on, alternating, and prints each run's wall time and the overhead of the
# means, and, less sensitive to other load on the machine, the diagnostics' own time (the rows'
# "seconds" in diagnostics.jsonl) as a share of the runs' wall time. Extra arguments go to
# `rgpb train` (e.g. --set stages.0.steps=200).
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
python3 - "$WORK/runs" <<'PY'
import glob, json, sys
diag = wall = 0.0
for run in glob.glob(sys.argv[1] + "/*/"):
    try:
        rows = [json.loads(l) for l in open(run + "diagnostics.jsonl")]
    except FileNotFoundError:
        continue
    diag += sum(r["seconds"] for r in rows)
    wall += json.load(open(run + "summary.json"))["wall_time_s"]
print(f"diagnostics' own time {diag:.1f} s of {wall:.1f} s wall: {100 * diag / wall:.1f} %")
PY
