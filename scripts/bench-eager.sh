#!/usr/bin/env bash
# rgpb's training step against PyTorch eager on the same GPT-NeoX shapes (issue 19).
#
# For each size x objective x precision x thread count it runs bench/eager_reference.py
# (/usr/bin/python3, Debian's python3-torch) and build/bench/bench_model back to back, the order
# alternating between repeats, takes the median tokens/s of the repeats on each side and prints
# the ratio rgpb / eager (the issue's target: >= 1.3x), rgpb's achieved training GFLOP/s and its
# model-FLOP utilisation against the peak matrix product (bench_matmul, same precision and
# threads, measured before and after the cases; the higher). Both sides run under the same
# OpenMP wait policy, --wait-policy passive (default: OMP_WAIT_POLICY=PASSIVE, what rgpb starts
# with) or active; "shipped" leaves it unset, so eager gets OpenMP's default (spinning, which
# collapses on a loaded machine: issue 19) and rgpb its own passive default. Before timing, a
# parity check per size: the eager model loaded with rgpb's weights
# must give rgpb's logits, and every objective rgpb's loss and gradient norm (relative 1e-4).
#
# usage: scripts/bench-eager.sh [--threads "1 2"] [--sizes micro,tiny]
#            [--objectives mle,dpo,exmate] [--precision "fp32 bf16"] [--repeats 3]
#            [--seconds 3] [--wait-policy passive|active|shipped] [--build build]
#            [--python /usr/bin/python3] [--no-check]
# Lists take spaces or commas. Needs the bench_model and bench_matmul targets:
#   cmake --build build -j2 --target bench_model bench_matmul
# Measurements on a shared machine are noisy: the load (uptime) is printed before and after.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

threads="1 2"
sizes="micro,tiny"
objectives="mle,dpo,exmate"
precisions="fp32 bf16"
repeats=3
seconds=3
build="$ROOT/build"
python=/usr/bin/python3
check=1
wait_policy=passive

usage() {
    sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//'
    exit "${1:-0}"
}
need_value() {
    if [[ $# -lt 2 || -z "$2" ]]; then
        echo "bench-eager.sh: option $1 expects a value" >&2
        exit 2
    fi
}
while [[ $# -gt 0 ]]; do
    case "$1" in
    --threads) need_value "$@"; threads="$2"; shift 2 ;;
    --sizes) need_value "$@"; sizes="$2"; shift 2 ;;
    --objectives | --objective) need_value "$@"; objectives="$2"; shift 2 ;;
    --precision) need_value "$@"; precisions="$2"; shift 2 ;;
    --repeats) need_value "$@"; repeats="$2"; shift 2 ;;
    --seconds) need_value "$@"; seconds="$2"; shift 2 ;;
    --build) need_value "$@"; build="$2"; shift 2 ;;
    --python) need_value "$@"; python="$2"; shift 2 ;;
    --wait-policy) need_value "$@"; wait_policy="$2"; shift 2 ;;
    --no-check) check=0; shift ;;
    -h | --help) usage 0 ;;
    *) echo "bench-eager.sh: unknown option '$1'" >&2; usage 2 ;;
    esac
done
list() { tr ',' ' ' <<<"$1"; }
if ! [[ "$repeats" =~ ^[1-9][0-9]*$ ]]; then
    echo "bench-eager.sh: --repeats expects a whole number >= 1, got '$repeats'" >&2
    exit 2
fi
for t in $(list "$threads"); do
    if ! [[ "$t" =~ ^[1-9][0-9]*$ ]]; then
        echo "bench-eager.sh: --threads expects thread counts >= 1, got '$t'" >&2
        exit 2
    fi
done
for p in $(list "$precisions"); do
    if [[ "$p" != fp32 && "$p" != bf16 ]]; then
        echo "bench-eager.sh: --precision expects fp32 and/or bf16, got '$p'" >&2
        exit 2
    fi
done
case "$wait_policy" in
passive) export OMP_WAIT_POLICY=PASSIVE ;;
active) export OMP_WAIT_POLICY=ACTIVE ;;
shipped) unset OMP_WAIT_POLICY ;;
*)
    echo "bench-eager.sh: --wait-policy expects passive, active or shipped, got '$wait_policy'" >&2
    exit 2
    ;;
esac
for o in $(list "$objectives"); do
    if [[ "$o" != mle && "$o" != dpo && "$o" != exmate && "$o" != ul ]]; then
        echo "bench-eager.sh: --objectives expects names among mle, dpo, exmate, ul, got '$o'" >&2
        exit 2
    fi
done
for s in $(list "$sizes"); do
    if [[ "$s" != micro && "$s" != tiny && "$s" != pythia-70m ]]; then
        echo "bench-eager.sh: --sizes expects names among micro, tiny, pythia-70m, got '$s'" >&2
        exit 2
    fi
done
for exe in bench_model bench_matmul; do
    if [[ ! -x "$build/bench/$exe" ]]; then
        echo "bench-eager.sh: $build/bench/$exe is missing; build it with" >&2
        echo "  cmake --build $build -j2 --target bench_model bench_matmul" >&2
        exit 2
    fi
done
if ! "$python" -c "import torch" 2>/dev/null; then
    echo "bench-eager.sh: $python cannot import torch (apt-get install python3-torch)" >&2
    exit 2
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/rgpb-bench-eager-XXXXXX")"
trap 'rm -rf "$work"' EXIT
results="$work/results"  # lines: eager|rgpb size objective precision threads tokens/s [gflops]
: >"$results"
echo "load before: $(uptime)"

if [[ $check == 1 ]]; then
    for size in $(list "$sizes"); do
        "$build/bench/bench_model" 1 0 "$size" --seqs 64 \
            --parity-out "$work/parity-$size.safetensors" >/dev/null
        "$python" "$ROOT/bench/eager_reference.py" --check "$work/parity-$size.safetensors" ||
            { echo "bench-eager.sh: the eager model does not compute rgpb's ($size)" >&2; exit 1; }
    done
fi

declare -A peak  # "precision threads" -> GFLOP/s, the higher of two measurements
measure_peaks() {
    local p th g
    while read -r _ p th g _; do
        if [[ -z "${peak["$p $th"]:-}" ]] || awk -v a="$g" -v b="${peak["$p $th"]}" 'BEGIN { exit !(a > b) }'; then
            peak["$p $th"]="$g"
        fi
    done < <("$build/bench/bench_matmul" --threads "$(list "$threads")" --seconds 1 | grep '^peak ')
}
measure_peaks

run_eager() {  # size objective precision threads
    "$python" "$ROOT/bench/eager_reference.py" --sizes "$1" --objectives "$2" --precision "$3" \
        --threads "$4" --seconds "$seconds" | awk '$1 == "eager" { print $1, $2, $3, $4, $5, $6 }'
}
run_rgpb() {  # size objective precision threads
    "$build/bench/bench_model" "$4" "$seconds" "$1" --objectives "$2" --precision "$3" \
        --seqs 64 --train-only --peak-seconds 0 |
        awk '$1 == "rgpb" { g = $8; sub("gflops=", "", g); print $1, $2, $3, $4, $5, $6, g }'
}

cases=0
for size in $(list "$sizes"); do
    for objective in $(list "$objectives"); do
        for precision in $(list "$precisions"); do
            for t in $(list "$threads"); do
                cases=$((cases + 1))
                for ((r = 0; r < repeats; r++)); do
                    # Back to back, the order alternating so neither side always goes first.
                    if ((r % 2 == 0)); then
                        run_eager "$size" "$objective" "$precision" "$t" >>"$results"
                        run_rgpb "$size" "$objective" "$precision" "$t" >>"$results"
                    else
                        run_rgpb "$size" "$objective" "$precision" "$t" >>"$results"
                        run_eager "$size" "$objective" "$precision" "$t" >>"$results"
                    fi
                done
                echo "  done: $size $objective $precision ${t} thread(s), $repeats repeat(s)" >&2
            done
        done
    done
done
measure_peaks
echo "load after:  $(uptime)"

peaks=""
for key in "${!peak[@]}"; do
    peaks+="$key ${peak[$key]};"
done
echo
echo "Training step, batch 16 x seq 64 (63 inputs), tokens/s: median of $repeats, ${seconds} s each;"
echo "OpenMP wait policy: ${OMP_WAIT_POLICY:-unset (eager: OpenMP default, rgpb: its passive default)}"
awk -v peaks="$peaks" '
function median(list,    n, v, i, j, t) {
    n = split(list, v, " ")
    for (i = 2; i <= n; i++)  # insertion sort of the few repeats
        for (j = i; j > 1 && v[j - 1] + 0 > v[j] + 0; j--) { t = v[j]; v[j] = v[j - 1]; v[j - 1] = t }
    return n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
}
BEGIN {
    n = split(peaks, p, ";")
    for (i = 1; i <= n; i++) if (p[i] != "") { split(p[i], f, " "); peak[f[1] " " f[2]] = f[3] }
}
{
    key = $2 " " $3 " " $4 " " $5
    if (!(key in seen)) { seen[key] = 1; order[++cases] = key }
    rate[$1, key] = rate[$1, key] " " $6
    if ($1 == "rgpb") gflops[key] = gflops[key] " " $7
}
END {
    printf "| size | objective | precision | threads | eager tok/s | rgpb tok/s | rgpb/eager | rgpb GFLOP/s | MFU |\n"
    printf "|---|---|---|---|---|---|---|---|---|\n"
    below = 0
    for (c = 1; c <= cases; c++) {
        key = order[c]; split(key, k, " ")
        e = median(rate["eager", key]); r = median(rate["rgpb", key]); g = median(gflops[key])
        pk = peak[k[3] " " k[4]]
        mfu = pk > 0 ? sprintf("%.1f%% of %.0f", 100 * g / pk, pk) : "-"
        ratio = e > 0 ? r / e : 0
        if (ratio < 1.3) below++
        printf "| %s | %s | %s | %s | %.0f | %.0f | %.2fx%s | %.1f | %s |\n", k[1], k[2], k[3], k[4],
               e, r, ratio, ratio < 1.3 ? " (< 1.3)" : "", g, mfu
    }
    printf "\n%d of %d cases below the 1.3x target. Peak matrix product (2048^3, GFLOP/s):", below, cases
    for (key in peak) printf " %s %s thread(s) %.0f;", substr(key, 1, 4), substr(key, 6), peak[key]
    printf "\n"
}' "$results"
