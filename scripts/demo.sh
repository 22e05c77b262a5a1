#!/usr/bin/env bash
# Installs what is missing, builds, and starts the workbench on the built-in demo preset
# (presets/demo.yaml: ExMATE on the synthetic task with the ~1M-parameter micro model; press Run).
# Without a display (a server, CI, ssh) it trains the same demo headless with the `rgpb` tool.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$ROOT"
if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ] && [ -x "$BUILD_DIR/app/rgpb-workbench" ]; then
  exec "$BUILD_DIR/app/rgpb-workbench" --runs-dir "$ROOT/runs" --preset "$ROOT/presets/demo.yaml" "$@"
fi
echo "No display found: training the demo headless (the window needs X11 or Wayland;"
echo "try: xvfb-run -a bash scripts/demo.sh for a virtual one)."
exec "$BUILD_DIR/app/rgpb" train "$ROOT/presets/demo.yaml" --runs-dir "$ROOT/runs" "$@"
