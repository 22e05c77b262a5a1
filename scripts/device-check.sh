#!/usr/bin/env bash
# The prepared GPU check of issue 13, run THERE (the GPU machine: no network, a Python PyTorch
# 2.x with CUDA, transformers, nothing of ours) in one call of the `run` tool, with .device/
# (scripts/device-prefix.sh) carried:
#   bash scripts/device-check.sh               # everything, within DEVICE_CHECK_BUDGET_S (540 s)
#   bash scripts/device-check.sh --build-only  # detect, build the deps and the project, stop
# It detects the tools and reports what is missing, builds yaml-cpp, fmt, spdlog, sentencepiece
# and zlib from .device/src into a prefix, configures the project against the Python torch's
# LibTorch (GUI and Qt tests off), builds rgpb, cuda_check and bench_model with every core, then
# runs each check under its own `timeout` (a failing or hanging step never stops the next):
#   a. bench/cuda_check (CUDA vs CPU forward, objective gradients, bf16 autocast, KV cache) and
#      a short `rgpb train` on cuda (ExMATE then DPO, bf16);
#   b. bench/hf_parity.py against transformers, on cuda;
#   c. bench_model: pythia-160m shape (vocab 50304) bf16 training tokens/s, MFU, DPO/ExMATE;
#   d. `rgpb train` under NCCL with world size 1 (torchrun's variables).
# Results: $OUT/summary.txt (one line per step: name, PASS/FAIL/SKIP, detail, seconds) and at
# most 7 logs beside it (the run tool brings back 8 files): environment.txt, build.log,
# cuda_check.log, train.log, hf_parity.log, bench.log. Without $OUT they go to out-device/.
# Here (no GPU), `--build-only` builds against Debian's LibTorch; `BUILD_DIR`, `JOBS`,
# `TORCH_CMAKE_PREFIX` (a LibTorch's share/cmake), `CMAKE_ARGS` (more configure arguments), `RGPB_DEVICE_CARRIED_TOOLS=1` (use the
# carried ninja and pkg-config even where the machine has its own) may be set.
# Exit status: 0 when every step that ran passed, 1 otherwise, 2 when the build could not run.
set -uo pipefail
# The whole script is one block: bash reads it before running it, so editing the file while it
# runs (a long build) cannot change what the running copy does.
{
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT" || exit 2
BUILD_ONLY=0
[[ "${1:-}" == "--build-only" ]] && BUILD_ONLY=1
OUT="${OUT:-$ROOT/out-device}"
DEVICE_DIR="${DEVICE_DIR:-$ROOT/.device}"
BUILD="${BUILD_DIR:-$ROOT/build-device}"
PREFIX="$BUILD/prefix"
WORK="$BUILD/work"
JOBS="${JOBS:-$(nproc)}"
# Time limits are the GPU machine's (16 cores, one 10-minute call); a machine with fewer than 8
# cores (a build-half test here) gets 6 times as long for the deps and the build.
SLOW=1
((JOBS < 8)) && SLOW=6
BUDGET="${DEVICE_CHECK_BUDGET_S:-$((SLOW == 1 ? 540 : 3600))}"
START=$SECONDS
mkdir -p "$OUT" "$BUILD" "$WORK" || exit 2
SUMMARY="$OUT/summary.txt"
ENVFILE="$OUT/environment.txt"
BUILDLOG="$OUT/build.log"
: >"$SUMMARY"
: >"$BUILDLOG"
FAILED=0

# result NAME PASS|FAIL|SKIP DETAIL: one line of the summary (also on stdout).
result() {
    local line
    line="$(printf '%-16s %-4s %s (%ss)' "$1" "$2" "$3" "$((SECONDS - START))")"
    echo "$line" >>"$SUMMARY"
    echo "== $line"
    [[ "$2" == FAIL ]] && FAILED=1
    return 0
}
# budget WANT: seconds a step may take, WANT or what is left of the whole budget (less 15 s to
# write the summary), at least 5.
budget() {
    local left=$((BUDGET - (SECONDS - START) - 15))
    ((left < WANT_MIN)) && left=$WANT_MIN
    ((left < $1)) && echo "$left" || echo "$1"
}
WANT_MIN=5
# step NAME WANT LOG CMD...: runs CMD under `timeout`, appending its output to LOG; returns its
# status (124 when it ran out of time).
step() {
    local name="$1" want="$2" log="$3" t rc
    shift 3
    t="$(budget "$want")"
    STEP_LOG="$log"
    STEP_FROM=$(($(wc -l <"$log" 2>/dev/null || echo 0) + 1))
    echo "---- $name: $* (timeout ${t}s)" >>"$log"
    timeout --kill-after=5 "$t" "$@" >>"$log" 2>&1
    rc=$?
    ((rc == 124 || rc == 137)) && echo "$name: timed out after ${t}s" >>"$log"
    echo "---- $name: exit $rc after $((SECONDS - START))s" >>"$log"
    return $rc
}
# why: the last step's first line that names an error (else its last line), for the summary.
why() {
    local lines
    lines="$(tail -n "+$STEP_FROM" "$STEP_LOG" | grep -v '^---- ')"
    { grep -m1 -E '(error|Error)(:| )|failed|FAILED|timed out' <<<"$lines" || tail -1 <<<"$lines"; } |
        cut -c1-300
}
# late NAME [PROGRAM]: true (and a SKIP line) when less than 20 s of the budget are left for
# step NAME, or PROGRAM was not built.
late() {
    if [[ -n "${2:-}" && ! -x "$2" ]]; then
        result "$1" SKIP "${2##*/} was not built"
    elif ((BUDGET - (SECONDS - START) - 15 < 20)); then
        result "$1" SKIP "out of time (${BUDGET}s budget)"
    else
        return 1
    fi
}
# run_summary DIR: a run's status, steps and wall time from its summary.json.
run_summary() {
    grep -oE '"(status|step|total_steps|wall_time_s)": *("[a-z]*"|[0-9.]+)' "$1/summary.json" \
        2>/dev/null | tr -d '"' | tr '\n' ' '
}
finish() {
    echo "total $((SECONDS - START))s of a ${BUDGET}s budget" >>"$SUMMARY"
    echo "==== $SUMMARY"
    cat "$SUMMARY"
    exit "$1"
}

# LibTorch's CMake code looks for the CUDA toolkit (find_package(CUDAToolkit) finds it through nvcc).
if ! command -v nvcc >/dev/null && [[ -x /usr/local/cuda/bin/nvcc ]]; then
    export PATH="/usr/local/cuda/bin:$PATH"
fi

# ---- 0. What this machine has --------------------------------------------------------------
{
    echo "date: $(date -u +%FT%TZ)"
    echo "uname: $(uname -a)"
    grep -h '^PRETTY_NAME=' /etc/os-release 2>/dev/null
    echo "glibc: $(ldd --version 2>/dev/null | head -1)"
    echo "cpus: $(nproc); memory: $(free -g 2>/dev/null | awk '/^Mem:/ {print $2 " GiB"}')"
    echo "disk: $(df -h "$ROOT" 2>/dev/null | awk 'NR==2 {print $4 " free"}')"
    if command -v nvidia-smi >/dev/null; then
        nvidia-smi -L 2>&1 | head -4
        nvidia-smi --query-gpu=driver_version,memory.total --format=csv,noheader 2>&1 | head -2
    else
        echo "nvidia-smi: MISSING"
    fi
    echo "nvcc: $(nvcc --version 2>/dev/null | tail -1)"
    for t in c++ g++ gcc cc clang++ cmake ninja make pkg-config pkgconf ccache python3 tar gzip; do
        if command -v "$t" >/dev/null; then
            echo "$t: $(command -v "$t") ($("$t" --version 2>&1 | head -1))"
        else
            echo "$t: MISSING"
        fi
    done
    python3 - <<'EOF' 2>&1
import importlib
for name in ("torch", "transformers", "safetensors", "cmake", "ninja"):
    try:
        m = importlib.import_module(name)
        print(f"python {name}: {getattr(m, '__version__', '?')} at {m.__file__}")
    except Exception as e:  # noqa: BLE001
        print(f"python {name}: MISSING ({e.__class__.__name__}: {e})")
try:
    import torch
    print("torch cmake prefix:", torch.utils.cmake_prefix_path)
    print("torch cuda:", torch.version.cuda, "available:", torch.cuda.is_available(),
          "devices:", torch.cuda.device_count())
    print("torch cxx11 abi:", torch._C._GLIBCXX_USE_CXX11_ABI)
    if torch.cuda.is_available():
        print("gpu:", torch.cuda.get_device_name(0), torch.cuda.get_device_capability(0))
except Exception as e:  # noqa: BLE001
    print("torch details:", e)
EOF
} >"$ENVFILE" 2>&1

# ---- 1. Tools: compiler, cmake, ninja (or make), pkg-config ----------------------------------
missing=()
CXX="${CXX:-$(command -v c++ || command -v g++ || command -v clang++ || true)}"
CC="${CC:-$(command -v cc || command -v gcc || command -v clang || true)}"
[[ -n "$CXX" ]] || missing+=("a C++17 compiler (c++/g++/clang++)")
[[ -n "$CC" ]] || missing+=("a C compiler (cc/gcc/clang; zlib and sentencepiece)")
# tool NAME PYTHON_MODULE_EXPR: the machine's NAME, or the one of the Python package.
tool() {
    command -v "$1" 2>/dev/null && return 0
    python3 -c "$2" 2>/dev/null
}
CMAKE="$(tool cmake 'import cmake, os; print(os.path.join(cmake.CMAKE_BIN_DIR, "cmake"))')"
[[ -n "$CMAKE" && -x "$CMAKE" ]] || { CMAKE=""; missing+=("cmake >= 3.21 (PATH or pip's cmake)"); }
# The carried fallbacks, copied out with their execute bits (whatever the copy kept).
TOOLS="$BUILD/tools"
mkdir -p "$TOOLS"
cp -P "$DEVICE_DIR"/tools/* "$TOOLS/" 2>/dev/null && chmod +x "$TOOLS/ninja" "$TOOLS/pkgconf"
carried_ok() { "$TOOLS/ninja" --version >/dev/null 2>&1; }
NINJA=""
if [[ "${RGPB_DEVICE_CARRIED_TOOLS:-0}" != 1 ]]; then
    NINJA="$(tool ninja 'import ninja, os; print(os.path.join(ninja.BIN_DIR, "ninja"))')"
fi
if [[ -z "$NINJA" ]] && carried_ok; then
    NINJA="$TOOLS/ninja"
fi
GENERATOR=(-G Ninja -DCMAKE_MAKE_PROGRAM="$NINJA")
if [[ -z "$NINJA" ]]; then
    if command -v make >/dev/null; then
        GENERATOR=(-G "Unix Makefiles")
    else
        missing+=("ninja or make (PATH, pip's ninja, or .device/tools/ninja, which needs glibc >= 2.34)")
    fi
fi
PKGCONFIG=""
[[ "${RGPB_DEVICE_CARRIED_TOOLS:-0}" != 1 ]] && PKGCONFIG="$(command -v pkg-config || command -v pkgconf || true)"
if [[ -z "$PKGCONFIG" ]]; then
    # Debian's pkgconf with its library beside it, through a wrapper.
    # shellcheck disable=SC2016  # the wrapper's own ${LD_LIBRARY_PATH}
    printf '#!/bin/sh\nLD_LIBRARY_PATH="%s${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" exec "%s" "$@"\n' \
        "$TOOLS" "$TOOLS/pkgconf" >"$TOOLS/pkg-config"
    chmod +x "$TOOLS/pkg-config"
    if "$TOOLS/pkg-config" --version >/dev/null 2>&1; then
        PKGCONFIG="$TOOLS/pkg-config"
    else
        missing+=("pkg-config (PATH, or .device/tools/pkgconf, which needs glibc >= 2.34)")
    fi
fi
[[ -f "$DEVICE_DIR/src/yaml-cpp.tar.gz" ]] ||
    missing+=("$DEVICE_DIR/src (prepare it here with scripts/device-prefix.sh; carry [\".device\"])")
LAUNCHER=()
command -v ccache >/dev/null && LAUNCHER=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
{
    echo "chosen: CXX=$CXX CC=$CC CMAKE=$CMAKE NINJA=${NINJA:-none (make)} PKGCONFIG=$PKGCONFIG jobs=$JOBS"
    [[ -n "$CMAKE" ]] && echo "cmake version: $("$CMAKE" --version | head -1)"
} >>"$ENVFILE"
if ((${#missing[@]})); then
    result tools FAIL "missing: $(IFS=';'; echo "${missing[*]}")"
    finish 2
fi
result tools PASS "$("$CMAKE" --version | head -1), ${NINJA:+ninja }${NINJA:-make}, $("$CXX" --version | head -1)"
export CC CXX
export PKG_CONFIG_PATH="$PREFIX/lib/pkgconfig:$PREFIX/lib64/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"

# ---- 2. The core's libraries from source, into $PREFIX --------------------------------------
# dep NAME CMAKE_ARGS...: unpacks .device/src/NAME.tar.gz, configures, builds, installs.
# Debian 12's sources predate GCC 13, whose headers no longer bring in <cstdint> on the way
# (yaml-cpp 0.7's emitterutils.cpp uses uint16_t without it): every C++ source gets it first.
# shellcheck disable=SC2317  # dep and build_deps run in the `bash -c` of the deps step
dep() {
    local name="$1"
    shift
    rm -rf "$WORK/src/$name" "$WORK/dep-$name"
    mkdir -p "$WORK/src"
    tar -C "$WORK/src" -xzf "$DEVICE_DIR/src/$name.tar.gz" &&
        "$CMAKE" -S "$WORK/src/$name" -B "$WORK/dep-$name" "${GENERATOR[@]}" "${LAUNCHER[@]}" \
            -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX="$PREFIX" \
            -DCMAKE_INSTALL_LIBDIR=lib -DCMAKE_PREFIX_PATH="$PREFIX" \
            -DCMAKE_POSITION_INDEPENDENT_CODE=ON -DBUILD_SHARED_LIBS=OFF \
            "-DCMAKE_CXX_FLAGS=-include cstdint" "$@" &&
        "$CMAKE" --build "$WORK/dep-$name" -j "$JOBS" &&
        "$CMAKE" --install "$WORK/dep-$name"
}
# shellcheck disable=SC2317
build_deps() {
    dep zlib &&
        rm -f "$PREFIX"/lib/libz.so* &&  # the static libz.a, no run-time path to carry
        dep fmtlib -DFMT_TEST=OFF -DFMT_DOC=OFF &&
        dep spdlog -DSPDLOG_FMT_EXTERNAL=ON -DSPDLOG_BUILD_EXAMPLE=OFF -DSPDLOG_BUILD_TESTS=OFF &&
        dep yaml-cpp -DYAML_CPP_BUILD_TESTS=OFF -DYAML_CPP_BUILD_TOOLS=OFF \
            -DYAML_CPP_BUILD_CONTRIB=OFF &&
        dep sentencepiece -DSPM_ENABLE_SHARED=ON -DSPM_ENABLE_TCMALLOC=OFF
}
if [[ -f "$PREFIX/.complete" ]] && cmp -s "$PREFIX/.complete" "$DEVICE_DIR/MANIFEST.txt"; then
    result deps PASS "already built in $PREFIX"
elif step deps $((240 * SLOW)) "$BUILDLOG" bash -c "$(declare -p WORK DEVICE_DIR CMAKE GENERATOR LAUNCHER PREFIX JOBS)
        $(declare -f dep build_deps); build_deps"; then
    cp "$DEVICE_DIR/MANIFEST.txt" "$PREFIX/.complete"
    result deps PASS "yaml-cpp, fmt, spdlog, sentencepiece, zlib from .device/src into $PREFIX"
else
    result deps FAIL "$(why)"
    finish 2
fi

# ---- 3. The project: core, rgpb, cuda_check, bench_model -------------------------------------
TORCH_CMAKE="${TORCH_CMAKE_PREFIX:-$(python3 -c 'import torch; print(torch.utils.cmake_prefix_path)' 2>/dev/null)}"
if [[ -n "$TORCH_CMAKE" && ! -f "$TORCH_CMAKE/Torch/TorchConfig.cmake" ]]; then
    # Debian's python3-torch names a folder it does not ship.
    echo "torch cmake prefix $TORCH_CMAKE has no Torch/TorchConfig.cmake: not used" >>"$ENVFILE"
    TORCH_CMAKE=""
fi
PROJECT_BUILD="$BUILD/rgpb"
cmake_args=(-DCMAKE_BUILD_TYPE=Release -DRGPB_BUILD_GUI=OFF -DRGPB_BUILD_TESTS=OFF
    -DRGPB_BUILD_BENCH=ON -DRGPB_BUILD_MAN=OFF "-DPKG_CONFIG_EXECUTABLE=$PKGCONFIG"
    "-DCMAKE_PREFIX_PATH=${TORCH_CMAKE:+$TORCH_CMAKE;}$PREFIX;$DEVICE_DIR/json/usr")
# Unity batches help 2 cores; with many, one source per compiler keeps them all busy.
((JOBS >= 8)) && cmake_args+=(-DRGPB_UNITY_BUILD=OFF)
# shellcheck disable=SC2206  # CMAKE_ARGS: extra configure arguments, split on spaces
cmake_args+=(${CMAKE_ARGS:-})
# A LibTorch whose headers demand C++20 gets it (the project itself is C++17).
if [[ -n "$TORCH_CMAKE" ]] &&
    grep -qs 'C++20 or later' "$TORCH_CMAKE/../../include/torch/csrc/api/include/torch/all.h"; then
    cmake_args+=(-DCMAKE_CXX_STANDARD=20)
fi
# NCCL's header for c10d's ProcessGroupNCCL (core/train/Distributed.cpp): pip's torch keeps it in
# the nvidia-nccl package; without it the build has no NCCL backend and says so when asked.
NCCL_INCLUDE="$(python3 -c 'import nvidia.nccl, os; print(os.path.join(list(nvidia.nccl.__path__)[0], "include"))' 2>/dev/null || true)"
if [[ -n "$NCCL_INCLUDE" && -f "$NCCL_INCLUDE/nccl.h" ]]; then
    cmake_args+=("-DCMAKE_CXX_FLAGS=-I$NCCL_INCLUDE")
    echo "nccl.h: $NCCL_INCLUDE" >>"$ENVFILE"
else
    echo "nccl.h: not found (pip's nvidia-nccl); the build has no NCCL backend" >>"$ENVFILE"
fi
# The CUDA architecture for torch's CMake code (it would otherwise run a detection program);
# the project compiles no CUDA code itself. 9.0: Hopper (H100, H200).
export TORCH_CUDA_ARCH_LIST="${TORCH_CUDA_ARCH_LIST:-9.0}"
echo "torch cmake prefix: ${TORCH_CMAKE:-none, find_package default}" >>"$ENVFILE"
if step configure 120 "$BUILDLOG" "$CMAKE" -S "$ROOT" -B "$PROJECT_BUILD" "${GENERATOR[@]}" \
    "${LAUNCHER[@]}" "${cmake_args[@]}"; then
    result configure PASS "$(grep -m1 -o 'Found Torch: [^ ]*' "$BUILDLOG" || echo 'Torch found')"
else
    result configure FAIL "$(why)"
    finish 2
fi
RGPB="$PROJECT_BUILD/app/rgpb"
CUDA_CHECK="$PROJECT_BUILD/bench/cuda_check"
BENCH_MODEL="$PROJECT_BUILD/bench/bench_model"
# Keeps going past a failing source (a LibTorch 2.x API difference, say) so that whatever can be
# built is, and the checks that have their program still run.
rm -f "$RGPB" "$CUDA_CHECK" "$BENCH_MODEL"
keep_going=(-k 0)
[[ -z "$NINJA" ]] && keep_going=(-k)
if step build $((420 * SLOW)) "$BUILDLOG" "$CMAKE" --build "$PROJECT_BUILD" -j "$JOBS" --target rgpb cuda_check \
    bench_model -- "${keep_going[@]}"; then
    result build PASS "rgpb, cuda_check, bench_model with $JOBS jobs"
else
    built=""
    for f in "$RGPB" "$CUDA_CHECK" "$BENCH_MODEL"; do [[ -x "$f" ]] && built+=" ${f##*/}"; done
    result build FAIL "built:${built:- nothing}; $(why)"
    [[ -n "$built" ]] || finish 2
fi
"$RGPB" --version >>"$ENVFILE" 2>&1
if ((BUILD_ONLY)); then
    finish $FAILED
fi

rm -rf "$WORK/train-cuda" "$WORK/train-nccl" "$WORK/hf_parity"  # runs of an earlier check
# LibTorch's libraries, in case the run-time path misses them.
TORCH_LIB="$(python3 -c 'import torch, os; print(os.path.join(os.path.dirname(torch.__file__), "lib"))' 2>/dev/null)"
[[ -n "$TORCH_LIB" ]] && export LD_LIBRARY_PATH="$TORCH_LIB${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"

# ---- 4a. CUDA checks -------------------------------------------------------------------------
LOG="$OUT/cuda_check.log"
if ! late cuda_check "$CUDA_CHECK"; then
    step cuda_check 90 "$LOG" "$CUDA_CHECK" --device cuda --require-cuda
    rc=$?
    case $rc in
    0) result cuda_check PASS "$(grep -c '^PASS' "$LOG") checks passed" ;;
    3) result cuda_check SKIP "CUDA not available to LibTorch" ;;
    *) result cuda_check FAIL "exit $rc: $(grep -E '^FAIL' "$LOG" | tr '\n' ';' | cut -c1-300) $(why)" ;;
    esac
fi

# ---- 4c. Throughput: pythia-160m shape, bf16, and the DPO/ExMATE step ratio -------------------
LOG="$OUT/bench.log"
if ! late bench_model "$BENCH_MODEL"; then
    if step bench_model 150 "$LOG" "$BENCH_MODEL" --device cuda \
        --sizes pythia-160m --vocab 50304 --precision bf16 --objectives mle,exmate,dpo \
        --seqs 2048 --batch 16 --seconds 5 --peak-seconds 2 --peak-size 8192 --train-only; then
        result bench_model PASS "$(grep -E '^(peak|rgpb pythia-160m)' "$LOG" | tr '\n' ';')$(grep \
            -m1 -o 'DPO step / ExMATE step: [0-9.]*x' "$LOG")"
    else
        result bench_model FAIL "exit $?: $(why)"
    fi
fi

# ---- 4a. A short training run on cuda --------------------------------------------------------
LOG="$OUT/train.log"
if ! late train_cuda "$RGPB"; then
    if step train_cuda 90 "$LOG" "$RGPB" train presets/paper/micro_exmate_dpo.yaml --device cuda \
        --set precision=bf16 --set stages.0.steps=40 --set stages.1.steps=20 --set eval.every=20 \
        --run-dir "$WORK/train-cuda" --plain; then
        result train_cuda PASS "ExMATE 40 + DPO 20 steps, bf16: $(run_summary "$WORK/train-cuda")"
    else
        result train_cuda FAIL "exit $?: $(why)"
    fi
fi

# ---- 4d. NCCL, world size 1 ------------------------------------------------------------------
if ! late nccl_ws1 "$RGPB"; then
    if step nccl_ws1 90 "$LOG" env RANK=0 WORLD_SIZE=1 LOCAL_RANK=0 MASTER_ADDR=127.0.0.1 \
        MASTER_PORT=29555 "$RGPB" train presets/demo.yaml --device cuda \
        --set distributed.backend=nccl --set stages.0.steps=30 --set eval.every=15 \
        --run-dir "$WORK/train-nccl" --plain; then
        result nccl_ws1 PASS "30 steps: $(run_summary "$WORK/train-nccl")"
    else
        result nccl_ws1 FAIL "exit $?: $(why)"
    fi
fi

# ---- 4b. Hugging Face parity -----------------------------------------------------------------
LOG="$OUT/hf_parity.log"
if ! late hf_parity "$RGPB"; then
    if step hf_parity 120 "$LOG" env PYTHONUNBUFFERED=1 python3 bench/hf_parity.py --rgpb "$RGPB" \
        --device cuda --work "$WORK/hf_parity"; then
        result hf_parity PASS "$(grep -m1 '^worst' "$LOG")"
    else
        result hf_parity FAIL "exit $?: $(grep -m1 '^worst' "$LOG") $(why)"
    fi
fi
finish $FAILED
}
