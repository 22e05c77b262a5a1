// The tensor-level entry points of the gradient lab's replay (GradientReplay.h): replay a model
// on tokenized pairs. Implementation header (LibTorch); tests and the request-level
// replayGradients() use it, the GUI never includes it.
#pragma once

#include <torch/types.h>

#include <atomic>
#include <string>
#include <vector>

#include "core/analytic/GradientReplay.h"
#include "core/data/PairBatch.h"
#include "core/model/LanguageModel.h"
#include "core/objectives/ObjectiveSpec.h"

namespace rgpb {

struct GradientReplayOptions {
    std::vector<ObjectiveKind> methods;
    double beta = 0.1;
    std::vector<double> lrs = {1e-3};
    int64_t batch_size = 16;
    torch::Device device = torch::kCPU;
    // [N, 2] S+_ref, S-_ref per pair (DPO's reference); undefined: the model's own sums (h = 0).
    torch::Tensor reference;
    GradientReplayProgress progress;
    const std::atomic<bool>* cancel = nullptr;  // checked between units: CancelledError
};

// S+ and S- of every pair under `model`, without gradients: [N, 2] float64 CPU.
torch::Tensor replaySums(const LanguageModel& model, const std::vector<TokenizedPair>& pairs,
                         int32_t pad_id, int64_t batch_size, const torch::Device& device);

// The gradient of `kind`'s batch loss (mean over all pairs, at `beta`; DPO against `reference`,
// [N, 2] as in the options, required for DPO) with respect to namedWeights(model), in that
// order, in the model's dtype. The parameters' own .grad is left untouched.
std::vector<torch::Tensor> objectiveGradient(const LanguageModel& model,
                                             const std::vector<TokenizedPair>& pairs,
                                             int32_t pad_id, ObjectiveKind kind, double beta,
                                             const torch::Tensor& reference, int64_t batch_size,
                                             const torch::Device& device);

// The replay on `model` as it is (its dtype: the request-level call passes a float64 copy).
// ArgumentError for no methods or lrs, a non-positive beta or lr, or no pairs.
GradientReplayResult replayTokenizedPairs(const LanguageModel& model,
                                          const std::vector<TokenizedPair>& pairs, int32_t pad_id,
                                          const GradientReplayOptions& options);

}  // namespace rgpb
