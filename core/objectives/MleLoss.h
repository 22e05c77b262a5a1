// MLE / SFT (spec.md section 2, paper eq. 3): loss = -m+ per pair, mean over pairs.
// Shapes: reads batch.pos.mean [B]; the negative side is ignored.
#pragma once

#include "core/objectives/Objective.h"

namespace rgpb {

class MleLoss : public Objective {
public:
    std::string name() const override { return "mle"; }
    ObjectiveResult compute(const PairLogProbs& batch) const override;
};

}  // namespace rgpb
