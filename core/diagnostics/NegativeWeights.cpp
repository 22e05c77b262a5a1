#include "core/diagnostics/NegativeWeights.h"

#include <torch/torch.h>

#include <cmath>

#include "core/util/Error.h"

namespace rgpb {

namespace {

std::string weighted(const std::string& formula, double w) {
    return w == 1.0 ? formula : detail::concat(w, "*", formula);
}

}  // namespace

std::vector<TermWeights> negativeWeights(const ObjectiveSpec& spec, const PairLogProbs& batch) {
    torch::NoGradGuard no_grad;
    std::vector<TermWeights> out;
    const auto f64 = torch::kFloat64;
    for (const ObjectiveTerm& t : spec.terms) {
        TermWeights w;
        switch (t.kind) {
            case ObjectiveKind::Dpo: {
                if (t.dpo.ipo)
                    continue;
                torch::Tensor s_pos = batch.pos.sum.detach().to(f64);
                torch::Tensor s_neg = batch.neg.sum.detach().to(f64);
                torch::Tensor h;
                if (t.dpo.reference_free) {
                    h = t.beta * (s_pos - s_neg);
                } else {
                    if (!batch.ref_pos_sum.defined() || !batch.ref_neg_sum.defined())
                        continue;
                    h = t.beta *
                        ((s_pos - batch.ref_pos_sum.to(f64)) - (s_neg - batch.ref_neg_sum.to(f64)));
                }
                const double e = t.dpo.label_smoothing;
                w.term = "dpo";
                if (e > 0) {
                    w.values = t.beta * ((1.0 - e) * torch::sigmoid(-h) - e * torch::sigmoid(h));
                    w.formula = "beta*((1-e)*sigmoid(-h)-e*sigmoid(h))";
                } else {
                    w.values = t.beta * torch::sigmoid(-h);
                    w.formula = "beta*sigmoid(-h)";
                }
                break;
            }
            case ObjectiveKind::Unlikelihood: {
                torch::Tensor l = batch.neg.token_logp.detach().to(f64);
                torch::Tensor mask = batch.neg.mask.detach() > 0;
                torch::Tensor p = torch::exp(l.clamp_max(std::log(t.ul_max_prob)));
                torch::Tensor ratio = torch::where(mask, p / (1.0 - p), torch::zeros_like(p));
                w.term = "ul";
                w.formula = "max_t P-/(1-P-)";
                w.values = std::get<0>(ratio.max(1));
                break;
            }
            case ObjectiveKind::Exmate:
                w.term = "exmate";
                w.formula = "beta*exp(m-)";
                w.values = t.beta * torch::exp(batch.neg.mean.detach().to(f64));
                break;
            case ObjectiveKind::Mle:
            case ObjectiveKind::Lm:
                continue;
        }
        w.values = (w.values * t.weight).cpu();
        w.formula = weighted(w.formula, t.weight);
        out.push_back(std::move(w));
    }
    return out;
}

}  // namespace rgpb
