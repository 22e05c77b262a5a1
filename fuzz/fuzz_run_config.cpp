// Run-config YAML (core/config/RunConfig.h): parseRunConfig() on the input as a config file. A
// config that parses must survive the round trip the CLI relies on (`rgpb train` writes
// toYaml() into the run folder and `--resume` reads it back): its resolved YAML must parse.
#include <cstdio>
#include <cstdlib>

#include "core/config/RunConfig.h"
#include "fuzz/FuzzSupport.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string text(rgpb::fuzz::asText(data, size));
    rgpb::fuzz::expectClean([&] {
        const rgpb::RunConfig config = rgpb::parseRunConfig(text, "fuzz.yaml");
        const std::string yaml = rgpb::toYaml(config);
        try {
            rgpb::parseRunConfig(yaml, "resolved.yaml");
        } catch (const rgpb::Error& e) {
            std::fprintf(stderr, "toYaml() wrote a config parseRunConfig() refuses: %s\n%s\n",
                         e.what(), yaml.c_str());
            std::abort();
        }
    });
    return 0;
}
