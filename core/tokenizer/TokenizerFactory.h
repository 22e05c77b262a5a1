// Making, training and reloading tokenizers. The rest of the workbench holds a
// std::unique_ptr<Tokenizer> and never names a concrete class: a run's tokenizer is either the
// fixed byte tokenizer or a SentencePiece model trained on the run's own training texts, and
// both are saved into the run folder (rgpb_tokenizer.json plus the files it names) so that
// loadTokenizer() restores exactly the ids the model was trained with. Torch-free.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/tokenizer/Tokenizer.h"

namespace rgpb {

// The name of the descriptor every saved tokenizer folder holds.
inline constexpr const char* kTokenizerDescriptorFile = "rgpb_tokenizer.json";

// Byte-level tokenizer, nothing to train: ids 0-3 are the specials, byte b is id 4 + b,
// vocabulary 260. Any byte string round-trips exactly.
std::unique_ptr<Tokenizer> makeByteTokenizer();

// Trains a SentencePiece *unigram* model with byte fallback on `texts` (split into lines;
// newlines themselves are encoded through byte fallback), saves it into `dir` (created if
// missing: spm.model, spm.vocab for humans, rgpb_tokenizer.json) and returns it loaded.
// - ids: pad 0, bos 1, eos 2, <sep> 3 (control symbols: text never produces them), <unk> 4,
//   the 256 byte pieces <0x00>..<0xFF> at 5..260, learnt pieces above; so vocab_size must be
//   at least 262 and leave room for the characters of the text.
// - no normalisation and no whitespace folding, so decode(encode(s)) == s for any UTF-8 s.
// - deterministic: one thread, no sentence shuffling, fixed seed; at most 100000 lines are
//   used (the first ones) so training takes seconds.
// Throws rgpb::ArgumentError for an empty text list or vocab_size below 262, and rgpb::Error
// with SentencePiece's reason when training fails (e.g. vocab_size too large for the text).
std::unique_ptr<Tokenizer> trainSentencePieceTokenizer(const std::vector<std::string>& texts,
                                                       int vocab_size, const std::string& dir);

// Reads dir/rgpb_tokenizer.json ({"kind": "byte" | "sentencepiece" | "bpe" | "t5", ...}) and the
// files it names. Throws rgpb::InputError naming the file (and the key) on anything missing or
// wrong. "bpe" (Hugging Face byte-level BPE, core/tokenizer/BpeTokenizer.h) reads {"file":
// "tokenizer.json", "tokens": {"bos": text, ...}} beside it; "t5" (T5Tokenizer.h) {"model":
// "spiece.model", "extra_ids": N} or {"file": "tokenizer.json"}.
std::unique_ptr<Tokenizer> loadTokenizer(const std::string& dir);

// Any of: a tokenizer.json file (byte-level BPE, or Unigram: T5's); a spiece.model file (T5's);
// a folder with rgpb_tokenizer.json; a run folder (its tokenizer/); a Hugging Face model folder
// (spiece.model first, with tokenizer_config.json's extra_ids; else tokenizer.json; else GPT-2's
// vocab.json + merges.txt). InputError naming the path when none applies, and naming
// tokenizer.json's model.type when it is neither BPE nor Unigram.
std::unique_ptr<Tokenizer> loadTokenizerFrom(const std::string& path);

}  // namespace rgpb
