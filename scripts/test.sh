#!/usr/bin/env bash
# Installs what is missing, builds, and runs the whole test suite through CTest.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$BUILD_DIR"
ctest --output-on-failure --timeout 1200 "$@"
