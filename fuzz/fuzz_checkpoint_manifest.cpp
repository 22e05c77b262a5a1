// A checkpoint's manifest.json (core/train/CheckpointManifest.h), verified against the files of
// a checkpoint folder as every checkpoint loader does first: the input split at NUL bytes into
// manifest.json, model.safetensors, optimizer.safetensors and state.json (missing parts: files
// left out). verifyCheckpoint() reports problems and never throws; requireIntactCheckpoint()
// throws the project's InputError when there are any.
#include <array>

#include "core/train/CheckpointManifest.h"
#include "fuzz/FuzzSupport.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    rgpb::fuzz::clearTempDir();
    std::string_view rest = rgpb::fuzz::asText(data, size);
    const std::array<const char*, 4> files = {"manifest.json", "model.safetensors",
                                              "optimizer.safetensors", "state.json"};
    for (std::size_t i = 0; i < files.size() && (i == 0 || !rest.empty()); ++i) {
        const auto [part, after] = rgpb::fuzz::splitAtNul(rest);
        rgpb::fuzz::writeInput(std::string("step-1/") + files[i], part);
        rest = after;
    }
    const std::string dir = rgpb::fuzz::tempPath("step-1");
    const rgpb::CheckpointCheck check = rgpb::verifyCheckpoint(dir);
    if (!check.has_manifest)
        std::abort();  // manifest.json was written above
    (void)check.describe();
    rgpb::fuzz::expectClean([&] { rgpb::requireIntactCheckpoint(dir); });
    return 0;
}
