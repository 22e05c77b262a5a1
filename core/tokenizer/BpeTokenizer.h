// Byte-level BPE (GPT-2, GPT-NeoX/Pythia) from a Hugging Face tokenizer.json, or from GPT-2's
// original vocabulary + merges files (encoder.json / vocab.json and vocab.bpe / merges.txt).
// Torch-free.
//
// Encoding, as Hugging Face `tokenizers` does it for these models:
//  1. added_tokens are matched first, as whole strings (leftmost, longest at a position; their
//     lstrip / rstrip / single_word flags honoured), and map straight to their ids. This is how
//     "<|endoftext|>" in text becomes its id, and how Pythia's added runs of spaces apply.
//  2. the rest is pre-tokenized with GPT-2's pattern
//       's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
//     implemented by hand over code points: \p{L} and \p{N} are the Unicode general categories
//     L* and N* (tables generated from Unicode 14 by scripts/gen_unicode_classes.py), \s is the
//     Unicode White_Space property (as Rust's regex, which `tokenizers` uses). Bytes that are not
//     valid UTF-8 count as "other" characters (neither space, letter nor number) so any byte
//     string encodes and decodes back exactly.
//  3. each piece's bytes become GPT-2's byte-to-unicode characters, and the merges are applied
//     by rank (lowest first, every occurrence), with a cache of pieces already encoded.
// Not applied: a "NFC" normalizer (accepted; the text is taken as already NFC, which almost all
// text is), post-processors (encode() never adds BOS/EOS; pair tokenization adds them).
// Unsupported (InputError naming the key): model types other than BPE (Unigram, WordPiece,
// WordLevel), pre-tokenizers other than ByteLevel, other normalizers, continuing-subword
// prefixes / end-of-word suffixes, byte_fallback.
//
// Special tokens of the Tokenizer interface: bos = eos = "<|endoftext|>" (GPT-2 and GPT-NeoX
// use it as the document separator); sep (between prompt and response) is the same id (these
// models have no separator token, and the prompt text ends with its own marker, e.g.
// "\n\nAssistant:"); pad is "<|padding|>" when the file has it (Pythia), else "<|endoftext|>"
// (padding never carries loss, so sharing the id is harmless). A tokenizer without
// "<|endoftext|>" uses its first special added token. rgpb_tokenizer.json may override any of
// them by token text: {"tokens": {"pad": "<pad>", ...}}. decode() skips special added tokens
// (the interface's rule) and writes non-special added tokens as their text.
#pragma once

#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/tokenizer/Tokenizer.h"
#include "core/tokenizer/TokenizerJson.h"  // byteTokenizerJson()

namespace rgpb {

class BpeTokenizer : public Tokenizer {
public:
    // Parses a tokenizer.json (the file's text; `source` names it in messages: "source
    // (model.merges[12])"). `token_overrides` maps "bos"/"eos"/"pad"/"sep" to token texts.
    static std::unique_ptr<BpeTokenizer> fromTokenizerJson(
        const std::string& text, const std::string& source,
        const std::map<std::string, std::string>& token_overrides = {});
    static std::unique_ptr<BpeTokenizer> loadTokenizerJson(const std::string& path);
    // GPT-2's original files: vocab (a JSON object token -> id) and merges (one "a b" per line,
    // an optional "#version" first line). "<|endoftext|>" becomes a special added token.
    static std::unique_ptr<BpeTokenizer> loadVocabMerges(const std::string& vocab_path,
                                                         const std::string& merges_path);

    std::string kind() const override { return "bpe"; }
    int32_t vocabSize() const override { return vocab_size_; }
    SpecialTokens specials() const override { return specials_; }
    std::vector<int32_t> encode(const std::string& text) const override;
    std::string decode(const std::vector<int32_t>& ids) const override;
    // dir/tokenizer.json (the original text when loaded from one, else written out) and
    // dir/rgpb_tokenizer.json {"kind": "bpe", "file": "tokenizer.json", "tokens": {...}}.
    void save(const std::string& dir) const override;

    // The Hugging Face tokenizer.json text this tokenizer was read from (or an equivalent one
    // written out, for the vocab/merges files).
    const std::string& tokenizerJson() const { return json_text_; }
    // The token text of an id ("" when none).
    std::string tokenText(int32_t id) const;
    // The names of bos/eos/pad/sep as token texts.
    const std::map<std::string, std::string>& specialTokenTexts() const { return special_texts_; }

    // GPT-2's pre-tokenization of `text` (step 2 above) as byte strings; exposed for tests.
    static std::vector<std::string> preTokenize(const std::string& text);
    // GPT-2's bytes_to_unicode(): the UTF-8 text of the character standing for byte b.
    static const std::string& byteChar(uint8_t b);

private:
    BpeTokenizer() = default;
    struct AddedToken {
        int32_t id = 0;
        std::string content;
        bool special = false, lstrip = false, rstrip = false, single_word = false;
    };
    // Parts of fromTokenizerJson; errors name `source` and the JSON path.
    void checkIdRange(int32_t max_id, const std::string& source) const;
    int32_t readModel(const nlohmann::json& model, const std::string& source);
    void readMerges(const nlohmann::json& merges, const std::string& source);
    int32_t readAddedTokens(const nlohmann::json& added, const std::string& source);
    void finish(const std::map<std::string, std::string>& overrides, const std::string& source);
    // a + '\0' + b: the key of merge_rank_.
    static std::string mergeKey(const std::string& a, const std::string& b);
    void encodePiece(const std::string& bytes, std::vector<int32_t>& out) const;
    void encodeOrdinary(const std::string& text, std::vector<int32_t>& out) const;

    std::unordered_map<std::string, int32_t> vocab_;
    std::vector<std::string> id_to_token_;  // byte-level token text per id ("" = none)
    std::unordered_map<std::string, int32_t> merge_rank_;  // a + '\0' + b -> rank
    std::vector<AddedToken> added_;
    std::vector<int8_t> added_by_id_;  // 1 special, 2 non-special added token, 0 otherwise
    bool add_prefix_space_ = false, use_regex_ = true, ignore_merges_ = false;
    int32_t unk_id_ = -1;
    int32_t vocab_size_ = 0;
    SpecialTokens specials_;
    std::map<std::string, std::string> special_texts_;
    std::string json_text_;

    mutable std::mutex cache_mutex_;
    mutable std::unordered_map<std::string, std::vector<int32_t>> cache_;
};

}  // namespace rgpb
