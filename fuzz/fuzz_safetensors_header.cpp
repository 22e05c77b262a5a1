// Safetensors headers (core/model/SafetensorsHeader.h): readSafetensorsHeader() on the input as
// a .safetensors file. What it accepts must be self-consistent: every tensor's byte range
// inside the data section, its element count matching the range.
#include <cstdio>
#include <cstdlib>

#include "core/model/SafetensorsHeader.h"
#include "fuzz/FuzzSupport.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string path =
        rgpb::fuzz::writeInput("model.safetensors", rgpb::fuzz::asText(data, size));
    rgpb::fuzz::expectClean([&] {
        const rgpb::SafetensorsHeader h = rgpb::readSafetensorsHeader(path);
        for (const rgpb::SafetensorsEntry& e : h.tensors) {
            const uint64_t bytes =
                static_cast<uint64_t>(e.numel()) * rgpb::safetensorsElementSize(e.dtype);
            if (e.begin > e.end || h.data_start + e.end > size || e.end - e.begin != bytes) {
                std::fprintf(stderr, "accepted an inconsistent entry '%s'\n", e.name.c_str());
                std::abort();
            }
        }
    });
    return 0;
}
