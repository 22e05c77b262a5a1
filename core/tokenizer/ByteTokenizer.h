// The byte-level tokenizer: every byte of the UTF-8 text is one token (id 4 + byte), after the
// four special ids. Needs no training and no files, covers any text, and is the default for
// small experiments where sequence length is cheap. Torch-free; made by makeByteTokenizer().
#pragma once

#include "core/tokenizer/Tokenizer.h"

namespace rgpb {

class ByteTokenizer : public Tokenizer {
public:
    static constexpr int32_t kFirstByteId = 4;
    static constexpr int32_t kVocabSize = kFirstByteId + 256;

    std::string kind() const override { return "byte"; }
    int32_t vocabSize() const override { return kVocabSize; }
    SpecialTokens specials() const override { return SpecialTokens{}; }
    std::vector<int32_t> encode(const std::string& text) const override;
    std::string decode(const std::vector<int32_t>& ids) const override;
    void save(const std::string& dir) const override;
};

}  // namespace rgpb
