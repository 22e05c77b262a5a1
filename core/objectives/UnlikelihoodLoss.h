// Unlikelihood (spec.md section 2, paper eq. 5):
//   loss = -m+ - beta * (1/T-) * sum_t log(1 - exp(l-_t))
// log(1 - exp(l)) is computed with log1mexp; P-(y-_t) is clamped to at most max_prob so the
// loss stays finite when it rounds to 1. The clamp is straight-through: the gradient of a
// clamped token is the closed form evaluated at max_prob (huge, finite), so the explosion the
// paper describes stays visible; the count of clamped tokens is the "ul/clamped_tokens" stat.
// Shapes: batch.pos.mean [B]; batch.neg.token_logp, .mask [B, T-], .count [B].
#pragma once

#include "core/objectives/Objective.h"

namespace rgpb {

class UnlikelihoodLoss : public Objective {
public:
    explicit UnlikelihoodLoss(double beta, double max_prob = 1.0 - 1e-6);
    std::string name() const override { return "ul"; }
    ObjectiveResult compute(const PairLogProbs& batch) const override;

private:
    double beta_;
    double max_prob_;
};

}  // namespace rgpb
