// A SentencePiece model used through the rgpb_spm shim module (SpmShim.h explains why it is
// not linked directly). Holds the serialized model in memory so save() can write it anywhere.
// Its ids agree with SpecialTokens (pad 0, bos 1, eos 2, <sep> 3, all control pieces that text
// never produces); see trainSentencePieceTokenizer() in TokenizerFactory.h. Torch-free.
#pragma once

#include <memory>
#include <string>

#include "core/tokenizer/Tokenizer.h"

struct rgpb_spm_model;

namespace rgpb {

class SentencePieceTokenizer : public Tokenizer {
public:
    // Loads a .model file and checks that ids 0-3 are the expected control pieces. Throws
    // rgpb::InputError naming the file when it is missing, unreadable or not such a model.
    static std::unique_ptr<SentencePieceTokenizer> loadModelFile(const std::string& path);

    ~SentencePieceTokenizer() override;

    std::string kind() const override { return "sentencepiece"; }
    int32_t vocabSize() const override { return vocab_size_; }
    SpecialTokens specials() const override { return SpecialTokens{}; }
    std::vector<int32_t> encode(const std::string& text) const override;
    std::string decode(const std::vector<int32_t>& ids) const override;
    void save(const std::string& dir) const override;

    // The file name of the model inside a saved tokenizer folder.
    static constexpr const char* kModelFile = "spm.model";

private:
    SentencePieceTokenizer() = default;

    rgpb_spm_model* model_ = nullptr;  // owned; freed through the shim
    std::string serialized_;           // the .model file's bytes
    int32_t vocab_size_ = 0;
};

}  // namespace rgpb
