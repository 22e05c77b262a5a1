// Feeds a batch of model outputs into a PairMetricsAccumulator (spec.md section 3).
// Implementation header (LibTorch).
#pragma once

#include <torch/types.h>

#include "core/metrics/PairMetrics.h"
#include "core/objectives/Objective.h"

namespace rgpb {

// Adds one PairRecord per pair from S and T of both sides (and the reference sums if defined).
void addPairRecords(PairMetricsAccumulator& acc, const PairLogProbs& batch);

// grad_diff of spec.md section 3: for t = 1..K, ||softmax(pos_logits at the t-th response
// position) - softmax(neg_logits at the t-th response position)||_p for p = 1, 2.
// Shapes: pos_logits [B, T+, V], pos_mask [B, T+]; neg_logits [B, T-, V], neg_mask [B, T-];
// logits[b, t] predicts the token at label position t (as in sequenceLogProbs).
void addGradDiff(PairMetricsAccumulator& acc, const torch::Tensor& pos_logits,
                 const torch::Tensor& pos_mask, const torch::Tensor& neg_logits,
                 const torch::Tensor& neg_mask, int steps);

// The distribution P(.|context) at each of the first `steps` response positions of row b:
// [k, V] with k = min(steps, response length of the row).
torch::Tensor responseDistributions(const torch::Tensor& logits, const torch::Tensor& mask,
                                    int64_t row, int steps);

}  // namespace rgpb
