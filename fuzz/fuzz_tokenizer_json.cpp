// Hugging Face tokenizer.json (core/tokenizer/BpeTokenizer.h through loadTokenizerFrom()): the
// input as a tokenizer.json file. A tokenizer that loads then encodes a fixed text and the
// input itself, and decodes the ids it produced.
#include <memory>

#include "core/tokenizer/Tokenizer.h"
#include "core/tokenizer/TokenizerFactory.h"
#include "fuzz/FuzzSupport.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view text = rgpb::fuzz::asText(data, size);
    const std::string path = rgpb::fuzz::writeInput("tokenizer.json", text);
    rgpb::fuzz::expectClean([&] {
        const std::unique_ptr<rgpb::Tokenizer> t = rgpb::loadTokenizerFrom(path);
        for (const std::string& s : {std::string("Human: hello world\n\nAssistant: 12 + 3 = 15"),
                                     std::string(text.substr(0, 256))}) {
            const std::vector<int32_t> ids = t->encode(s);
            (void)t->decode(ids);
        }
    });
    return 0;
}
