// Comparison sets (`rgpb compare` output, read by `rgpb judge-import`: store/JudgmentStore.h
// readComparisonSet()): the input up to its first NUL byte is comparison.json, the rest
// items.jsonl.
#include "fuzz/FuzzSupport.h"
#include "store/JudgmentStore.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const auto [comparison, items] = rgpb::fuzz::splitAtNul(rgpb::fuzz::asText(data, size));
    rgpb::fuzz::writeInput("set/comparison.json", comparison);
    rgpb::fuzz::writeInput("set/items.jsonl", items);
    rgpb::fuzz::expectClean([&] { rgpb::judging::readComparisonSet(rgpb::fuzz::tempPath("set")); });
    return 0;
}
