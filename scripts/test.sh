#!/usr/bin/env bash
# Installs what is missing, builds, and runs the whole test suite through CTest, two tests at a
# time (BUILD_JOBS, default 2: the machine's cores; each test process uses two LibTorch threads
# with OpenMP's passive wait policy, so two side by side share the cores without spinning).
# The benchmarks are programs, not tests: a default configure builds them (RGPB_BUILD_BENCH is ON
# by default); this script leaves them out unless RGPB_BUILD_BENCH=ON is set, which keeps the
# fresh-clone CI under 10 minutes.
CMAKE_ARGS="-DRGPB_BUILD_BENCH=${RGPB_BUILD_BENCH:-OFF} ${CMAKE_ARGS:-}"
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$BUILD_DIR"
ctest --output-on-failure --timeout 1200 -j "${BUILD_JOBS:-2}" "$@"
