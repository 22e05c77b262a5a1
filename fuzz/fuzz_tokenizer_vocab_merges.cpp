// GPT-2's original tokenizer files (vocab.json + merges.txt, through loadTokenizerFrom() on a
// model folder): the input up to its first NUL byte is vocab.json, the rest merges.txt. A
// tokenizer that loads encodes and decodes a fixed text.
#include <memory>

#include "core/tokenizer/Tokenizer.h"
#include "core/tokenizer/TokenizerFactory.h"
#include "fuzz/FuzzSupport.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const auto [vocab, merges] = rgpb::fuzz::splitAtNul(rgpb::fuzz::asText(data, size));
    rgpb::fuzz::writeInput("gpt2/vocab.json", vocab);
    rgpb::fuzz::writeInput("gpt2/merges.txt", merges);
    rgpb::fuzz::expectClean([&] {
        const std::unique_ptr<rgpb::Tokenizer> t =
            rgpb::loadTokenizerFrom(rgpb::fuzz::tempPath("gpt2"));
        (void)t->decode(t->encode("Human: hello world\n\nAssistant: 12 + 3 = 15 <|endoftext|>"));
    });
    return 0;
}
