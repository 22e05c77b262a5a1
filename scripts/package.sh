#!/usr/bin/env bash
# Builds the Debian package (and a .tar.gz) of rgpb and the workbench in Release, in its own
# build folder (default build-package/, or BUILD_DIR), then checks it with lintian when that is
# installed. The .deb is left in the build folder; its size and lintian's findings are printed.
#   bash scripts/package.sh            # BUILD_JOBS (default 2) sets the parallel jobs
# Extra configure arguments go in CMAKE_ARGS.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export BUILD_DIR="${BUILD_DIR:-$ROOT/build-package}"
launcher=""
if command -v ccache >/dev/null 2>&1; then launcher="-DCMAKE_CXX_COMPILER_LAUNCHER=ccache"; fi
# Release, without the tests and benchmarks (the package holds neither).
export CMAKE_ARGS="-DCMAKE_BUILD_TYPE=Release -DRGPB_BUILD_TESTS=OFF -DRGPB_BUILD_BENCH=OFF \
$launcher ${CMAKE_ARGS:-}"
# shellcheck source=scripts/common.sh
source "$ROOT/scripts/common.sh"  # bootstrap, configure, build
cmake --build "$BUILD_DIR" --target package

deb="$(ls -t "$BUILD_DIR"/rgpb-workbench_*.deb | head -n 1)"
echo "package: $deb ($(du -h "$deb" | cut -f1))"
dpkg-deb --field "$deb" Package Version Installed-Size Depends
if command -v lintian >/dev/null 2>&1; then
  echo "lintian:"
  lintian --info "$deb" || echo "lintian: exit $? (findings above)"
else
  echo "lintian is not installed (apt-get install lintian): the package was not checked"
fi
