#include "core/objectives/ExmateLoss.h"

#include <torch/torch.h>

#include "core/util/Error.h"

namespace rgpb {

ExmateLoss::ExmateLoss(double beta) : beta_(beta) {
    requireArgument(std::isfinite(beta) && beta > 0, "ExmateLoss", "beta", "finite and > 0", beta);
}

ObjectiveResult ExmateLoss::compute(const PairLogProbs& batch) const {
    detail::checkPairBatch(batch, "ExmateLoss", false);
    torch::Tensor nll = -batch.pos.mean;
    torch::Tensor neg_prob = torch::exp(batch.neg.mean);  // length-normalised f-
    ObjectiveResult r;
    r.loss = (nll + beta_ * neg_prob).mean();
    r.stats.emplace_back("exmate/nll", nll.detach().mean());
    r.stats.emplace_back("exmate/neg_prob", neg_prob.detach().mean());
    return r;
}

}  // namespace rgpb
