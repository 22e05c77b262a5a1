# Shared by demo.sh and test.sh: install what is missing, configure and build.
# BUILD_DIR (default build/), BUILD_TYPE (default Release: -O2, no debug info) and CMAKE_ARGS
# (extra configure arguments) may be set.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD_DIR="${BUILD_DIR:-$ROOT/build}"
bash "$ROOT/scripts/bootstrap.sh"
# shellcheck disable=SC2086
cmake -S "$ROOT" -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=${BUILD_TYPE:-Release} ${CMAKE_ARGS:-}
# Two cores and ~1.5 GB per LibTorch translation unit: -j2 fits the 24 GiB machine.
cmake --build "$BUILD_DIR" -j "${BUILD_JOBS:-2}"
