// Prompt files for `rgpb sample` / `rgpb compare` (core/generate/Generation.h readPromptFile():
// plain lines with \n \t \\ escapes, or JSONL): the input as that file.
#include "core/generate/Generation.h"
#include "fuzz/FuzzSupport.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string path = rgpb::fuzz::writeInput("prompts.txt", rgpb::fuzz::asText(data, size));
    rgpb::fuzz::expectClean([&] { rgpb::readPromptFile(path); });
    return 0;
}
