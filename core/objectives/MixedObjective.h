// A weighted sum of objectives (spec.md section 2: loss = sum_i w_i L_i, e.g. DPO + 0.2 MLE).
// Each term's stats keep their names; the weighted term losses appear as "mix/<i>_<name>".
#pragma once

#include <memory>
#include <vector>

#include "core/objectives/Objective.h"

namespace rgpb {

class MixedObjective : public Objective {
public:
    struct Term {
        double weight;
        std::unique_ptr<Objective> objective;
    };
    explicit MixedObjective(std::vector<Term> terms);
    std::string name() const override;
    bool needsReference() const override;
    ObjectiveResult compute(const PairLogProbs& batch) const override;

private:
    std::vector<Term> terms_;
};

}  // namespace rgpb
