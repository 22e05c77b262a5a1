// The pair readers (core/data/PairDataset.h): the input as a data file of one format
// (RGPB_FUZZ_FORMAT, set per target by fuzz/CMakeLists.txt: HhRlhf, Trl, Contrast,
// CausalDialogue), plain or gzipped (detected by content), read under both malformed-record
// policies, then with format detection (auto).
#include "core/data/PairDataset.h"
#include "fuzz/FuzzSupport.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using rgpb::DataFormat;
    using rgpb::MalformedPolicy;
    const std::string path = rgpb::fuzz::writeInput("pairs.data", rgpb::fuzz::asText(data, size));
    rgpb::fuzz::expectClean(
        [&] { rgpb::readPairDataset(path, DataFormat::RGPB_FUZZ_FORMAT, MalformedPolicy::Skip); });
    rgpb::fuzz::expectClean(
        [&] { rgpb::readPairDataset(path, DataFormat::RGPB_FUZZ_FORMAT, MalformedPolicy::Stop); });
    rgpb::fuzz::expectClean(
        [&] { rgpb::readPairDataset(path, DataFormat::Auto, MalformedPolicy::Skip); });
    return 0;
}
