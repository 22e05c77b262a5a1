// Next-token language modelling on documents of unlabeled text (method lm): the negative
// log-likelihood per token of the positive side, loss = -(sum over the batch of S+) / (sum of
// T+), so that exp(loss) is the batch's perplexity as spec.md section 3 defines it (token
// weighted) and a long document weighs as much as its tokens. Text data holds each document as
// a pair with an empty prompt and the document on both sides (core/data/PairText.h
// documentPair()); the negative side is never read. Shapes: batch.pos.sum and .count [B].
#pragma once

#include "core/objectives/Objective.h"

namespace rgpb {

class LmLoss : public Objective {
public:
    std::string name() const override { return "lm"; }
    ObjectiveResult compute(const PairLogProbs& batch) const override;
};

}  // namespace rgpb
