#include "core/objectives/UnlikelihoodLoss.h"

#include <torch/torch.h>

#include <cmath>

#include "core/util/Error.h"

namespace rgpb {

UnlikelihoodLoss::UnlikelihoodLoss(double beta, double max_prob)
    : beta_(beta), max_prob_(max_prob) {
    requireArgument(std::isfinite(beta) && beta > 0, "UnlikelihoodLoss", "beta", "finite and > 0",
                    beta);
    requireArgument(max_prob > 0 && max_prob < 1, "UnlikelihoodLoss", "max_prob", "in (0, 1)",
                    max_prob);
}

ObjectiveResult UnlikelihoodLoss::compute(const PairLogProbs& batch) const {
    detail::checkPairBatch(batch, "UnlikelihoodLoss", false);
    const auto& neg = batch.neg;
    const double l_max = std::log(max_prob_);  // largest log P-(y-_t) let through
    torch::Tensor l = neg.token_logp;
    torch::Tensor clamped = (l > l_max) & (neg.mask > 0);
    // Straight-through clamp: value min(l, l_max), gradient d/dl = 1.
    torch::Tensor l_c = l + (l.clamp_max(l_max) - l).detach();
    torch::Tensor penalty = (log1mexp(l_c) * neg.mask).sum(1) / neg.count;  // [B], <= 0

    ObjectiveResult r;
    torch::Tensor nll = -batch.pos.mean;
    r.loss = (nll - beta_ * penalty).mean();
    r.stats.emplace_back("ul/nll", nll.detach().mean());
    r.stats.emplace_back("ul/neg_term", (-penalty).detach().mean());
    r.stats.emplace_back("ul/clamped_tokens", clamped.sum().to(torch::kFloat64));
    // Largest P-(y-_t)/(1-P-(y-_t)) in the batch: the factor that explodes as P- -> 1.
    torch::Tensor p = torch::exp(l_c.detach());
    torch::Tensor ratio = (p / (1 - p)) * neg.mask;
    r.stats.emplace_back("ul/max_neg_odds", ratio.max());
    return r;
}

}  // namespace rgpb
