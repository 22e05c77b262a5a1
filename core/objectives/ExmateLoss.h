// ExMATE (spec.md section 2, paper eq. 6): loss = -m+ + beta * exp(m-), mean over pairs.
// Shapes: batch.pos.mean [B], batch.neg.mean [B].
#pragma once

#include "core/objectives/Objective.h"

namespace rgpb {

class ExmateLoss : public Objective {
public:
    explicit ExmateLoss(double beta);
    std::string name() const override { return "exmate"; }
    ObjectiveResult compute(const PairLogProbs& batch) const override;

private:
    double beta_;
};

}  // namespace rgpb
