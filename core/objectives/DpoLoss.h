// DPO (spec.md section 2, paper eq. 4) on summed log-probs, as the DPO reference code does:
//   h = beta * ((S+ - S+_ref) - (S- - S-_ref)),  loss = -log sigmoid(h)  (= softplus(-h))
// Options: label_smoothing e (conservative DPO: -(1-e) log s(h) - e log s(-h)), reference_free
// (S_ref = 0), ipo (((m+ - m+_ref) - (m- - m-_ref) - 1/(2 beta))^2 on per-token means).
// Shapes: batch.pos/neg.sum, .mean, .count [B]; ref_pos_sum, ref_neg_sum [B] unless
// reference_free.
#pragma once

#include "core/objectives/Objective.h"

namespace rgpb {

class DpoLoss : public Objective {
public:
    DpoLoss(double beta, DpoOptions options = {});
    std::string name() const override { return options_.ipo ? "ipo" : "dpo"; }
    bool needsReference() const override { return !options_.reference_free; }
    ObjectiveResult compute(const PairLogProbs& batch) const override;

private:
    double beta_;
    DpoOptions options_;
};

}  // namespace rgpb
