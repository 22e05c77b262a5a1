// Test helper for the gradient lab's tests: tokenized pairs written by hand and a small GPT-NeoX
// with random weights larger than the init (its distributions far from uniform and different
// between contexts). Includes LibTorch.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <utility>
#include <vector>

#include "core/data/PairBatch.h"
#include "core/model/GptNeoX.h"
#include "core/model/ModelConfig.h"

namespace rgpb::test {

inline TokenizedSequence seq(std::vector<int32_t> ids, int32_t response_start) {
    return TokenizedSequence{std::move(ids), response_start};
}

// 0: same prompt, responses share the first token then differ (and differ in length);
// 1: different prompts, same response (context contrast); 2: very different lengths;
// 3: single-token responses under the same prompt. Token ids below 32.
inline std::vector<TokenizedPair> handMadePairs() {
    return {
        {seq({1, 5, 6, 7, 2, 10, 11, 12, 3}, 5), seq({1, 5, 6, 7, 2, 10, 13, 3}, 5)},
        {seq({1, 5, 6, 2, 20, 21, 3}, 4), seq({1, 5, 8, 2, 20, 21, 3}, 4)},
        {seq({1, 9, 2, 14, 15, 16, 17, 3}, 3), seq({1, 9, 2, 18, 3}, 3)},
        {seq({1, 4, 4, 2, 25}, 4), seq({1, 4, 4, 2, 26}, 4)},
    };
}

// A model of `config` with every parameter drawn from N(0, std) after torch::manual_seed(seed),
// in eval mode.
inline GptNeoX randomGptNeoX(const ModelConfig& config, uint64_t seed, double std) {
    torch::manual_seed(seed);
    GptNeoX m(config);
    torch::NoGradGuard ng;
    for (auto& p : m->parameters())
        p.normal_(0.0, std);
    m->eval();
    return m;
}

}  // namespace rgpb::test
