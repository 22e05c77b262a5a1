// Helper of check_gpt2_encoder.sh: collects texts and encodes them with the npm package
// gpt-3-encoder (an independent GPT-2 encoder, the JavaScript port of OpenAI's encoder.py).
//   node gpt2_encoder_reference.js PACKAGE_DIR TEXTS_OUT.jsonl IDS_OUT.txt MAX_RECORDS FILE...
// A FILE ending in .jsonl.gz (HH-RLHF) contributes the "chosen" and "rejected" texts of its
// first MAX_RECORDS records; any other file contributes its whole text and each of its
// paragraphs. Writes one JSON string per line (the texts) and one line of ids per text.
'use strict';
const fs = require('fs');
const zlib = require('zlib');
const path = require('path');

const [pkg, textsOut, idsOut, maxRecords, ...files] = process.argv.slice(2);
const { encode } = require(path.resolve(pkg, 'Encoder.js'));

const texts = [];
for (const file of files) {
  if (file.endsWith('.jsonl.gz')) {
    const lines = zlib.gunzipSync(fs.readFileSync(file)).toString('utf-8').split('\n');
    let n = 0;
    for (const line of lines) {
      if (!line.trim()) continue;
      const r = JSON.parse(line);
      texts.push(r.chosen, r.rejected);
      if (++n >= Number(maxRecords)) break;
    }
  } else {
    const text = fs.readFileSync(file, 'utf-8');
    texts.push(text);
    for (const p of text.split(/\n\n+/)) if (p.trim()) texts.push(p);
  }
}
// "<|endoftext|>" written in text is a special token for Hugging Face tokenizers (and rgpb)
// but plain text for gpt-3-encoder: such texts are left out of the comparison.
const special = texts.filter((t) => t.includes('<|endoftext|>')).length;
texts.splice(0, texts.length, ...texts.filter((t) => !t.includes('<|endoftext|>')));
if (special) process.stderr.write(`left out ${special} texts containing <|endoftext|>\n`);
fs.writeFileSync(textsOut, texts.map((t) => JSON.stringify(t)).join('\n') + '\n');
fs.writeFileSync(idsOut, texts.map((t) => encode(t).join(' ')).join('\n') + '\n');
process.stderr.write(`gpt-3-encoder: ${texts.length} texts encoded\n`);
