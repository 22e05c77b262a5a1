#!/usr/bin/env bash
# Prepares .device/ (git-ignored) HERE, for scripts/device-check.sh on the GPU machine, which has
# no network, a Python PyTorch 2.x with CUDA, and none of the other libraries the core needs.
# What it holds (printed with its size at the end; the `run` tool carries at most 64 MiB,
# working tree included):
#   src/*.tar.gz    Debian 12 SOURCES of yaml-cpp, fmt, spdlog, sentencepiece and zlib, with
#                   Debian's patches applied (dpkg-source -x) and tests/data trimmed; the check
#                   builds them THERE into a prefix, since that machine's glibc is unknown
#                   (Debian 12 binaries need glibc >= 2.36).
#   json/usr/...    nlohmann-json3-dev unpacked (header-only: headers and CMake config).
#   tools/          fallbacks for a machine without them: ninja (Debian's ninja-build binary) and
#                   pkg-config (pkgconf + libpkgconf.so.3), both glibc >= 2.34; device-check.sh
#                   uses them only when the machine has none of its own. CMake is not carried
#                   (Debian's is linked to ~40 libraries): the check finds the machine's, or the
#                   `cmake` Python package's, and says so when there is none.
#   MANIFEST.txt    package versions and sha256 sums.
# Needs apt-get and dpkg-source (dpkg-dev) and network access to deb.debian.org; uses a private
# sources list and state folder (nothing under /etc/apt changes, no root needed for apt-get
# source/download).
#
# usage: bash scripts/device-prefix.sh [DEST]   (DEST defaults to .device/ in the repo root)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEST="${1:-$ROOT/.device}"
SUITE="${DEVICE_PREFIX_SUITE:-bookworm}"
MIRROR="${DEVICE_PREFIX_MIRROR:-http://deb.debian.org/debian}"

for tool in apt-get dpkg-source dpkg-deb tar gzip sha256sum; do
    command -v "$tool" >/dev/null ||
        { echo "device-prefix: '$tool' not found (apt-get install dpkg-dev)" >&2; exit 1; }
done

WORK="$(mktemp -d /tmp/rgpb-device-prefix.XXXXXX)"
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$WORK/apt/lists/partial" "$WORK/apt/archives/partial" "$WORK/src" "$WORK/deb"
cat >"$WORK/apt/sources.list" <<EOF
deb $MIRROR $SUITE main
deb-src $MIRROR $SUITE main
EOF
APT=(apt-get -q -o "Dir::Etc::SourceList=$WORK/apt/sources.list" -o "Dir::Etc::SourceParts=/dev/null"
     -o "Dir::State::Lists=$WORK/apt/lists" -o "Dir::Cache::Archives=$WORK/apt/archives"
     -o "APT::Sandbox::User=root")
echo "device-prefix: reading the $SUITE package lists (private state under $WORK)"
"${APT[@]}" update >/dev/null

rm -rf "$DEST"
mkdir -p "$DEST/src" "$DEST/json" "$DEST/tools"
echo "# Prepared by scripts/device-prefix.sh on $(date -u +%FT%TZ) from $MIRROR $SUITE" \
    >"$DEST/MANIFEST.txt"

# Source packages: name in Debian, folders the build does not need (tests, data, docs).
declare -A TRIM=(
    [yaml-cpp]="test docs"
    [fmtlib]="test doc"
    [spdlog]="tests example bench"
    [sentencepiece]="data python doc"
    [zlib]="contrib/ada contrib/dotzlib contrib/delphi contrib/pascal contrib/vstudio contrib/iostream3 doc examples"
)
for pkg in yaml-cpp fmtlib spdlog sentencepiece zlib; do
    (cd "$WORK/src" && "${APT[@]}" source --download-only "$pkg" >/dev/null)
    dsc="$(ls "$WORK/src/${pkg}"_*.dsc)"
    version="$(sed -n 's/^Version: //p' "$dsc")"
    dir="$WORK/src/$pkg"
    dpkg-source -q -x --no-check "$dsc" "$dir" >/dev/null
    rm -rf "$dir/debian" "$dir/.pc"
    for t in ${TRIM[$pkg]}; do rm -rf "${dir:?}/$t"; done
    # Debian's zlib source drops win32/, which zlib's CMakeLists.txt lists (ignored off Windows).
    if [[ "$pkg" == zlib ]]; then mkdir -p "$dir/win32" && : >"$dir/win32/zlib1.rc"; fi
    tar -C "$WORK/src" -czf "$DEST/src/$pkg.tar.gz" "$pkg"
    echo "source $pkg $version $(sha256sum "$DEST/src/$pkg.tar.gz" | cut -d' ' -f1)" \
        >>"$DEST/MANIFEST.txt"
done

# Binary packages: nlohmann-json3-dev (architecture all, header-only) and the tool fallbacks.
(cd "$WORK/deb" && "${APT[@]}" download nlohmann-json3-dev ninja-build pkgconf-bin libpkgconf3 >/dev/null)
for deb in "$WORK"/deb/*.deb; do
    echo "deb $(dpkg-deb -f "$deb" Package) $(dpkg-deb -f "$deb" Version)" >>"$DEST/MANIFEST.txt"
done
dpkg-deb -x "$WORK"/deb/nlohmann-json3-dev_*.deb "$DEST/json"
rm -rf "$DEST/json/usr/share/doc"
mkdir -p "$WORK/x"
for deb in "$WORK"/deb/ninja-build_*.deb "$WORK"/deb/pkgconf-bin_*.deb "$WORK"/deb/libpkgconf3_*.deb; do
    dpkg-deb -x "$deb" "$WORK/x"
done
cp "$WORK/x/usr/bin/ninja" "$WORK/x/usr/bin/pkgconf" "$DEST/tools/"
# The library under its soname, as a file: the run tool carries a link only as a link.
cp -L "$WORK/x/usr/lib/x86_64-linux-gnu/libpkgconf.so.3" "$DEST/tools/"

echo "device-prefix: $DEST"
sed -n '2,$p' "$DEST/MANIFEST.txt" | sed 's/^/  /'
carried_kib="$(du -sk "$DEST" | cut -f1)"
tree_kib="$(cd "$ROOT" && git ls-files -z --cached --others --exclude-standard |
    du -ck --files0-from=- 2>/dev/null | tail -1 | cut -f1)"
echo "device-prefix: .device is $((carried_kib / 1024)) MiB ($carried_kib KiB); with the working" \
    "tree ($((tree_kib / 1024)) MiB) the run tool carries $(((carried_kib + tree_kib) / 1024)) MiB" \
    "of its 64 MiB"
