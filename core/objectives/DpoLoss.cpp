#include "core/objectives/DpoLoss.h"

#include <torch/torch.h>

#include "core/util/Error.h"

namespace rgpb {

DpoLoss::DpoLoss(double beta, DpoOptions options) : beta_(beta), options_(options) {
    requireArgument(std::isfinite(beta) && beta > 0, "DpoLoss", "beta", "finite and > 0", beta);
    requireArgument(options.label_smoothing >= 0 && options.label_smoothing < 0.5, "DpoLoss",
                    "label_smoothing", "in [0, 0.5)", options.label_smoothing);
}

ObjectiveResult DpoLoss::compute(const PairLogProbs& batch) const {
    detail::checkPairBatch(batch, "DpoLoss", needsReference());
    const auto& pos = batch.pos;
    const auto& neg = batch.neg;
    torch::Tensor ref_pos, ref_neg;
    if (options_.reference_free) {
        ref_pos = torch::zeros_like(pos.sum);
        ref_neg = torch::zeros_like(neg.sum);
    } else {
        ref_pos = batch.ref_pos_sum.to(pos.sum.scalar_type()).detach();
        ref_neg = batch.ref_neg_sum.to(neg.sum.scalar_type()).detach();
    }

    ObjectiveResult r;
    torch::Tensor chosen = pos.sum - ref_pos;    // log-ratio of the good sequence
    torch::Tensor rejected = neg.sum - ref_neg;  // log-ratio of the bad sequence
    torch::Tensor h = beta_ * (chosen - rejected);
    if (options_.ipo) {
        torch::Tensor d = (pos.sum - ref_pos) / pos.count - (neg.sum - ref_neg) / neg.count;
        r.loss = (d - 1.0 / (2.0 * beta_)).pow(2).mean();
    } else {
        const double e = options_.label_smoothing;
        torch::Tensor per_pair = -torch::log_sigmoid(h);
        if (e > 0) {
            per_pair = (1.0 - e) * per_pair - e * torch::log_sigmoid(-h);
        }
        r.loss = per_pair.mean();
    }
    torch::Tensor rc = (beta_ * chosen).detach();
    torch::Tensor rr = (beta_ * rejected).detach();
    r.stats.emplace_back("dpo/reward_chosen", rc.mean());
    r.stats.emplace_back("dpo/reward_rejected", rr.mean());
    r.stats.emplace_back("dpo/reward_margin", (rc - rr).mean());
    r.stats.emplace_back("dpo/reward_accuracy", (rc > rr).to(rc.scalar_type()).mean());
    // s(-h) is the factor every DPO gradient is multiplied by (spec.md 4.4): near 0 means DPO
    // has stopped learning from these pairs.
    r.stats.emplace_back("dpo/grad_scale", torch::sigmoid(-h.detach()).mean());
    return r;
}

}  // namespace rgpb
