// A saved tokenizer folder (core/tokenizer/TokenizerFactory.h, loadTokenizer()): the input up
// to its first NUL byte is rgpb_tokenizer.json, the descriptor ({"kind": "byte" | "bpe" |
// "sentencepiece", "file", "model", "tokens", "specials", "vocab_size"}), the rest the
// tokenizer.json beside it (what a "bpe" descriptor names). A tokenizer that loads encodes and
// decodes a fixed text. SentencePiece's own model parser (a third-party library) is not fuzzed
// here: no .model file is written, so a "sentencepiece" descriptor fails on the missing file.
#include <memory>

#include "core/tokenizer/Tokenizer.h"
#include "core/tokenizer/TokenizerFactory.h"
#include "fuzz/FuzzSupport.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    rgpb::fuzz::clearTempDir();
    const auto [descriptor, tokenizer_json] =
        rgpb::fuzz::splitAtNul(rgpb::fuzz::asText(data, size));
    rgpb::fuzz::writeInput("tok/rgpb_tokenizer.json", descriptor);
    rgpb::fuzz::writeInput("tok/tokenizer.json", tokenizer_json);
    rgpb::fuzz::expectClean([&] {
        const std::unique_ptr<rgpb::Tokenizer> t = rgpb::loadTokenizer(rgpb::fuzz::tempPath("tok"));
        (void)t->decode(t->encode("Human: hello world\n\nAssistant: 12 + 3 = 15 <|endoftext|>"));
    });
    return 0;
}
