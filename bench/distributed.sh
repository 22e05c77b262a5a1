#!/usr/bin/env bash
# Data-parallel training on this machine (issue #13): the same run (tiny model, batch 16, STEPS
# steps, evaluations off but at the end) as 1 process x 2 threads and as 2 processes x 1 thread
# (`rgpb train --nproc 2`, Gloo), REPEATS times alternating. Prints each run's training tokens/s
# (median over the steps after the first 5; a step's tokens are the whole batch's, all ranks) and,
# for the two-process runs, the time per step in the gradient all-reduce (metrics' allreduce_ms)
# and its share of the step. Extra arguments go to `rgpb train` (e.g. --set model.size=micro).
#   bash bench/distributed.sh [STEPS] [REPEATS] [rgpb train options...]
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
RGPB="${RGPB:-$ROOT/build/app/rgpb}"
STEPS="${1:-40}"
REPEATS="${2:-2}"
shift $(( $# > 2 ? 2 : $# ))
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
cat > "$WORK/bench.yaml" <<YAML
name: dp-bench
seed: 1
data: {synthetic: {count: 2000}, eval_pairs: 32, max_length: 96, max_prompt_length: 64}
tokenizer: {kind: byte}
model: {size: tiny}
optimizer: {batch_size: 16, warmup_steps: 5}
eval: {every: 0, batch_size: 32, samples: 0}
diagnostics: {enabled: false}
stages:
  - {method: exmate, beta: 0.5, steps: $STEPS}
YAML
for ((i = 1; i <= REPEATS; i++)); do
  "$RGPB" train "$WORK/bench.yaml" --run-dir "$WORK/one-$i" --threads 2 --plain "$@" \
    > "$WORK/log" 2>&1 || { cat "$WORK/log"; exit 1; }
  "$RGPB" train "$WORK/bench.yaml" --run-dir "$WORK/two-$i" --threads 1 --nproc 2 --plain "$@" \
    > "$WORK/log" 2>&1 || { cat "$WORK/log"; exit 1; }
done
python3 - "$WORK" "$REPEATS" <<'PY'
import json, statistics, sys
work, repeats = sys.argv[1], int(sys.argv[2])
def train_rows(run):
    rows = [json.loads(l) for l in open(f"{work}/{run}/metrics.jsonl")]
    return [r for r in rows if r.get("split") == "train"][5:]
for kind, label in (("one", "1 process x 2 threads"), ("two", "2 processes x 1 thread")):
    for i in range(1, repeats + 1):
        rows = train_rows(f"{kind}-{i}")
        tps = statistics.median(r["tokens_per_s"] for r in rows)
        step = statistics.median(r["step_time_ms"] for r in rows)
        line = f"{label:24s} repeat {i}: {tps:8.0f} tokens/s, {step:7.1f} ms/step"
        if kind == "two":
            ar = statistics.mean(r["allreduce_ms"] for r in rows)
            line += f", all-reduce {ar:6.2f} ms/step ({100 * ar / step:4.1f} % of the step)"
        print(line)
PY
