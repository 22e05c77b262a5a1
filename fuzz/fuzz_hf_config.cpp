// Hugging Face config.json (core/model/ModelConfig.h): ModelConfig::fromHfJson() on the input
// as JSON, then what `rgpb import-hf` does with a config before any weight is read: validate()
// and the claimed parameter count. A config that validates must survive toHfJson() and back.
#include <nlohmann/json.hpp>

#include <cstdio>
#include <cstdlib>

#include "core/model/ModelConfig.h"
#include "fuzz/FuzzSupport.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const nlohmann::json j = nlohmann::json::parse(data, data + size, nullptr, false);
    if (j.is_discarded())
        return 0;  // not JSON: the reader's own message (readJsonFile) says so before this
    rgpb::fuzz::expectClean([&] {
        const rgpb::ModelConfig c = rgpb::ModelConfig::fromHfJson(j, "config.json");
        c.validate();
        (void)c.claimedParameters();
        const rgpb::ModelConfig back = rgpb::ModelConfig::fromHfJson(c.toHfJson(), "written.json");
        if (back.hidden_size != c.hidden_size || back.num_layers != c.num_layers ||
            back.vocab_size != c.vocab_size || back.architecture != c.architecture) {
            std::fprintf(stderr, "toHfJson() does not read back as the same config\n");
            std::abort();
        }
    });
    return 0;
}
