#!/usr/bin/env bash
# Installs every Debian package the RGPB Workbench needs to build, test and run.
# Idempotent: packages already installed are skipped, and `apt-get update` runs at most once
# (only when something is missing). Needs root or passwordless sudo.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config git
  # Qt 6: Widgets, Test, Sql (+ SQLite driver), plus SVG for plot export
  qt6-base-dev qt6-base-dev-tools libqt6sql6-sqlite qt6-svg-dev libgl-dev
  # Plotting
  libqcustomplot-dev libqcustomplot2.1-qt6
  # Training core
  libtorch-dev libopenblas0-openmp
  # c10d data-parallel training: Gloo's headers (LibTorch ships the library)
  libgloo-dev
  libyaml-cpp-dev libspdlog-dev libfmt-dev nlohmann-json3-dev
  libsentencepiece-dev zlib1g-dev
  # HTTP: `rgpb serve` (server) and the model judge's OpenAI-compatible client (TLS via OpenSSL)
  libcpp-httplib-dev
  # Headless GUI runs and screenshots
  xvfb xauth
  # Fuzzing (scripts/fuzz.sh): clang with libFuzzer and the sanitizer runtimes
  clang-14 libclang-rt-14-dev
  # Man pages generated from --help at build time (optional: skipped when absent)
  help2man
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "bootstrap: all ${#packages[@]} packages are installed"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "bootstrap: need root to install: ${missing[*]}" >&2
    exit 1
  fi
fi

echo "bootstrap: installing ${#missing[@]} missing packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
echo "bootstrap: done"
