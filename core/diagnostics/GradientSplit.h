// The gradient of an objective's loss split into the part that flows through the positive
// sequences' log-probs and the part through the negative ones (chain rule: dL/dtheta =
// dL/dl+ . dl+/dtheta + dL/dl- . dl-/dtheta, l = per-token log-probs), per group of parameters:
// each part's norm and the cosine between them. Computed with torch::autograd::grad, so the
// parameters' .grad (the optimizer's) is never touched. Implementation header (LibTorch).
#pragma once

#include <torch/types.h>

#include <string>
#include <vector>

#include "core/diagnostics/Diagnostics.h"
#include "core/model/LanguageModel.h"
#include "core/model/ParameterGroups.h"
#include "core/objectives/Objective.h"

namespace rgpb {

// Both sides' parameter gradients, in model->named_parameters() order (zeros where a side does
// not reach a parameter).
struct SideGradients {
    std::vector<std::string> names;
    std::vector<torch::Tensor> pos, neg;
};

// `batch` must come from a forward of `model` with grad mode on (its token_logp in the graph).
// The graph is freed afterwards.
SideGradients splitGradient(const LanguageModel& model, const Objective& objective,
                            const PairLogProbs& batch);

// Per group in order "embeddings", "layer 1".."layer N", "head", then "all": the norms of the
// two sides and their cosine (NaN when either side is zero).
std::vector<GradientGroup> groupGradients(const SideGradients& g);

}  // namespace rgpb
