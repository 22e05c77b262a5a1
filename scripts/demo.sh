#!/usr/bin/env bash
# Installs what is missing, builds, and starts the workbench on the built-in demo.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$ROOT"
echo
echo "== RGPB headless demo: the paper's shared-token gradient coefficients (spec.md 4.2) =="
for m in dpo ul exmate; do
  "$BUILD_DIR/app/rgpb" gradlab analytic --method "$m" --case shared --beta 1 \
      --u 0.1:0.9:5 --e 0.05
done
