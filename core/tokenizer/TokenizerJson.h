// Writers of Hugging Face tokenizer.json files for byte-level BPE: one from GPT-2's original
// vocabulary + merges files, one equivalent to the byte tokenizer (for exported runs). Both
// produce what BpeTokenizer::fromTokenizerJson reads and transformers loads as a fast tokenizer.
// Torch-free.
#pragma once

#include <nlohmann/json_fwd.hpp>

#include <string>

namespace rgpb {

// GPT-2's files as a tokenizer.json: `vocab` is encoder.json / vocab.json (an object token ->
// id), `merges_text` is vocab.bpe / merges.txt (one "a b" per line, an optional "#version" first
// line, blank lines skipped). "<|endoftext|>", when in the vocabulary, becomes a special added
// token; the pre-tokenizer, post-processor and decoder are GPT-2's ByteLevel ones. Compact JSON.
std::string gpt2TokenizerJson(const nlohmann::json& vocab, const std::string& merges_text);

// A tokenizer.json equivalent to the byte tokenizer (ids 0-3 the specials <|pad|>, <|bos|>,
// <|eos|>, <|sep|>; byte b is id 4 + b through GPT-2's byte-to-unicode characters; no merges),
// so an exported byte-level run loads in transformers as a fast tokenizer. Indented JSON.
std::string byteTokenizerJson();

}  // namespace rgpb
