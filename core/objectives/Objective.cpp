#include "core/objectives/Objective.h"

#include <torch/torch.h>

#include "core/objectives/DpoLoss.h"
#include "core/objectives/ExmateLoss.h"
#include "core/objectives/LmLoss.h"
#include "core/objectives/MixedObjective.h"
#include "core/objectives/MleLoss.h"
#include "core/objectives/UnlikelihoodLoss.h"
#include "core/util/Error.h"

namespace rgpb {

std::unique_ptr<Objective> makeObjective(const ObjectiveSpec& spec) {
    validate(spec);
    auto make = [](const ObjectiveTerm& t) -> std::unique_ptr<Objective> {
        switch (t.kind) {
            case ObjectiveKind::Mle:
                return std::make_unique<MleLoss>();
            case ObjectiveKind::Dpo:
                return std::make_unique<DpoLoss>(t.beta, t.dpo);
            case ObjectiveKind::Unlikelihood:
                return std::make_unique<UnlikelihoodLoss>(t.beta, t.ul_max_prob);
            case ObjectiveKind::Exmate:
                return std::make_unique<ExmateLoss>(t.beta);
            case ObjectiveKind::Lm:
                return std::make_unique<LmLoss>();
        }
        return nullptr;
    };
    if (spec.terms.size() == 1 && spec.terms[0].weight == 1.0) {
        return make(spec.terms[0]);
    }
    std::vector<MixedObjective::Term> terms;
    for (const ObjectiveTerm& t : spec.terms) {
        terms.push_back({t.weight, make(t)});
    }
    return std::make_unique<MixedObjective>(std::move(terms));
}

std::vector<std::pair<std::string, double>> statValues(const ObjectiveResult& result) {
    std::vector<std::pair<std::string, double>> out;
    if (result.stats.empty()) {
        return out;
    }
    std::vector<torch::Tensor> parts;
    parts.reserve(result.stats.size());
    for (const auto& s : result.stats) {
        parts.push_back(s.second.detach().reshape({1}).to(torch::kFloat64));
    }
    torch::Tensor host = torch::cat(parts).to(torch::kCPU);
    auto acc = host.accessor<double, 1>();
    for (std::size_t i = 0; i < result.stats.size(); ++i) {
        out.emplace_back(result.stats[i].first, acc[static_cast<int64_t>(i)]);
    }
    return out;
}

namespace detail {

void checkPairBatch(const PairLogProbs& batch, const char* where, bool needs_reference) {
    requireArgument(batch.pos.sum.defined() && batch.neg.sum.defined(), where, "batch",
                    "log-probs for both the positive and the negative side", "a missing side");
    const int64_t b = batch.pos.sum.size(0);
    requireArgument(batch.neg.sum.size(0) == b, where, "batch",
                    "the same number of positive and negative sequences", batch.pos.sum.size(0),
                    " positive vs ", batch.neg.sum.size(0), " negative");
    if (needs_reference) {
        requireArgument(batch.ref_pos_sum.defined() && batch.ref_neg_sum.defined(), where,
                        "ref_pos_sum/ref_neg_sum", "reference log-probs (or reference_free: true)",
                        "none");
        requireArgument(batch.ref_pos_sum.dim() == 1 && batch.ref_pos_sum.size(0) == b &&
                            batch.ref_neg_sum.dim() == 1 && batch.ref_neg_sum.size(0) == b,
                        where, "ref_pos_sum/ref_neg_sum", "[B] tensors matching the batch",
                        "B = ", b, ", shapes ", batch.ref_pos_sum.sizes(), " and ",
                        batch.ref_neg_sum.sizes());
    }
}

}  // namespace detail
}  // namespace rgpb
