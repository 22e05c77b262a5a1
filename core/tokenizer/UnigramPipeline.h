// The Unigram side of a Hugging Face tokenizer.json (what SentencePiece models such as T5's
// become when transformers converts them): the model (vocab [[piece, score], ...], unk_id), its
// added tokens, and the normalizers, pre-tokenizer and decoder in front of and behind it,
// applied as `tokenizers` applies them. Internal to core/tokenizer (T5Tokenizer uses it).
// Torch-free.
//
// Supported, everything else refused as InputError "<source> (<key>)" saying what is supported:
//  - normalizer: null, Precompiled (PrecompiledCharsMap.h), Strip, Replace with a string
//    pattern or the regex " {2,}" (a run of two or more spaces), or a Sequence of those;
//  - pre_tokenizer: null, Metaspace (replacement, prepend_scheme "always" / "first" / "never"
//    or the older add_prefix_space, split), WhitespaceSplit, or a Sequence of those;
//  - decoder: null or Metaspace: the replacement becomes a space, and unless prepend_scheme is
//    "never" each token loses one leading replacement until some text has come out (what
//    SentencePiece's decoder does; `tokenizers` strips only the first token, which differs only
//    when that token is a lone "\u2581" followed by another "\u2581"-led one);
//  - model: type "Unigram", unk_id an id of the vocab, byte_fallback false.
// Added tokens keep their ids but the model never produces them from text (`tokenizers` matches
// them before the model; which of them text may produce is the caller's choice).
#pragma once

#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/tokenizer/UnigramModel.h"

namespace rgpb {

class PrecompiledCharsMap;

class UnigramPipeline {
public:
    struct AddedToken {
        int32_t id = 0;
        std::string content;
        bool special = false;
    };

    // `j`: the parsed tokenizer.json; `source` names it in messages.
    UnigramPipeline(const nlohmann::json& j, const std::string& source);
    ~UnigramPipeline();

    // Appends the ids of `text` (free of added tokens). `at_start`: `text` starts the input
    // (prepend_scheme "first" prepends the replacement only there).
    void encode(std::string_view text, bool at_start, std::vector<int32_t>& out) const;
    // The text of the tokens `pieces` through the decoder.
    std::string decode(const std::vector<std::string>& pieces) const;

    const UnigramModel& model() const { return *model_; }
    const std::vector<AddedToken>& addedTokens() const { return added_; }

private:
    struct Normalizer {
        enum class Kind { Precompiled, Strip, Replace, ReplaceSpaceRuns } kind = Kind::Strip;
        bool left = false, right = false;  // Strip
        std::string pattern, content;      // Replace
        std::shared_ptr<PrecompiledCharsMap> charsmap;
    };
    struct PreTokenizer {
        enum class Kind { Metaspace, WhitespaceSplit } kind = Kind::WhitespaceSplit;
        std::string replacement;
        enum class Prepend { Always, First, Never } prepend = Prepend::Always;
        bool split = true;
    };
    void readNormalizer(const nlohmann::json& n, const std::string& source, const std::string& key);
    void readPreTokenizer(const nlohmann::json& p, const std::string& source,
                          const std::string& key);
    void readDecoder(const nlohmann::json& d, const std::string& source);
    void readModel(const nlohmann::json& j, const std::string& source);
    std::string normalize(std::string_view text) const;

    std::unique_ptr<UnigramModel> model_;
    std::vector<AddedToken> added_;
    std::vector<Normalizer> normalizers_;
    std::vector<PreTokenizer> pre_tokenizers_;
    bool decode_metaspace_ = false;
    std::string decode_replacement_;
    bool decode_strip_first_ = true;
};

}  // namespace rgpb
