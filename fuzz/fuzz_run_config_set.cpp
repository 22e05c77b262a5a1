// The CLI's `--set key.path=value` overrides (core/config/RunConfig.h): each line of the input
// is one override, applied to a small valid config (and to an empty one).
#include <string>
#include <vector>

#include "core/config/RunConfig.h"
#include "fuzz/FuzzSupport.h"

namespace {

const char* const kBase = R"(name: fuzz
seed: 1
data:
  source: synthetic
  synthetic: {regime: response-contrast, count: 64, overlap: 0.5}
  eval_pairs: 8
tokenizer: {kind: byte}
model: {size: micro}
optimizer: {lr: 3.0e-3, betas: [0.9, 0.95], schedule: cosine, batch_size: 4}
eval: {every: 25, batch_size: 8}
checkpoint: {every: 100, keep_last: 2}
stages:
  - {name: first, method: dpo, beta: 0.5, steps: 4}
  - {name: second, method: mle, steps: 2}
)";

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view text = rgpb::fuzz::asText(data, size);
    std::vector<std::string> overrides;
    std::size_t start = 0;
    while (start <= text.size() && overrides.size() < 64) {
        const std::size_t end = std::min(text.find('\n', start), text.size());
        overrides.emplace_back(text.substr(start, end - start));
        start = end + 1;
    }
    rgpb::fuzz::expectClean([&] { rgpb::parseRunConfig(kBase, "base.yaml", overrides); });
    rgpb::fuzz::expectClean([&] { rgpb::parseRunConfig("", "empty.yaml", overrides); });
    return 0;
}
