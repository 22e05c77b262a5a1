// The weight each penalising term of an objective puts on a pair's negative example (spec.md
// 4.4, the factor in front of the negative side's per-token gradient), per pair, from the same
// log-probs and reference the loss reads. Implementation header (LibTorch).
//   DPO      beta * sigmoid(-h), h = beta*((S+ - S+_ref) - (S- - S-_ref)); with label smoothing
//            e: beta * ((1-e) sigmoid(-h) - e sigmoid(h)); reference_free: S_ref = 0
//   UL       max over the rejected response's tokens of P-/(1-P-), P- clamped to ul_max_prob
//            like the loss
//   ExMATE   beta * exp(m-), m- = S- / T-
// A term of weight w != 1 in a mixed objective has its weights multiplied by w. IPO terms
// (squared loss, no sigmoid weight) and MLE/LM terms give none.
#pragma once

#include <torch/types.h>

#include <string>
#include <vector>

#include "core/objectives/Objective.h"

namespace rgpb {

struct TermWeights {
    std::string term;      // "dpo", "ul", "exmate"
    std::string formula;   // "beta*sigmoid(-h)", "max_t P-/(1-P-)", "beta*exp(m-)" ("w*" prefixed)
    torch::Tensor values;  // [B] float64, detached
};

// One entry per penalising term of `spec`, in its term order. A DPO term without the reference
// it needs (batch.ref_*_sum undefined) gives none.
std::vector<TermWeights> negativeWeights(const ObjectiveSpec& spec, const PairLogProbs& batch);

}  // namespace rgpb
