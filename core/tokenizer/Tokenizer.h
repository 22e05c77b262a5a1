// The tokenizer interface every tokenizer implements (byte-level, SentencePiece, Hugging Face
// BPE, T5's). Torch-free. Special tokens are handled the same way by every tokenizer:
// encode() never emits them from text (except the Hugging Face BPE, which like `tokenizers`
// matches its added tokens such as "<|endoftext|>" written in the text; T5's sentinels
// "<extra_id_K>" in text give their ids, but they are not among these specials), decode() drops
// them, and their ids are fixed per tokenizer and reported by specials().
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace rgpb {

struct SpecialTokens {
    int32_t pad = 0;  // padding; never carries loss
    int32_t bos = 1;  // start of every sequence
    int32_t eos = 2;  // end of a response; carries loss (the model learns to stop)
    int32_t sep = 3;  // between prompt and response
};

class Tokenizer {
public:
    virtual ~Tokenizer() = default;
    virtual std::string kind() const = 0;   // "byte", "sentencepiece", "bpe", "t5"
    virtual int32_t vocabSize() const = 0;  // including special tokens
    virtual SpecialTokens specials() const = 0;
    // Text to ids, without special tokens.
    virtual std::vector<int32_t> encode(const std::string& text) const = 0;
    // Ids to text; special-token ids are skipped, invalid ids throw rgpb::ArgumentError.
    virtual std::string decode(const std::vector<int32_t>& ids) const = 0;
    // Writes the files needed to reload it into `dir` (created if missing), including an
    // rgpb_tokenizer.json descriptor (kind, specials, files) that loadTokenizer() reads.
    virtual void save(const std::string& dir) const = 0;
};

}  // namespace rgpb
