#include "core/diagnostics/GradientSplit.h"

#include <torch/torch.h>

#include <cmath>
#include <limits>
#include <map>

namespace rgpb {

SideGradients splitGradient(const LanguageModel& model, const Objective& objective,
                            const PairLogProbs& batch) {
    ObjectiveResult r = objective.compute(batch);
    SideGradients out;
    std::vector<torch::Tensor> params;
    for (const auto& p : model->named_parameters()) {
        out.names.push_back(p.key());
        params.push_back(p.value());
    }
    const torch::Tensor& lp = batch.pos.token_logp;
    const torch::Tensor& ln = batch.neg.token_logp;
    // dL/dl+ and dL/dl- (a side the loss does not read gets zeros).
    auto dl = torch::autograd::grad({r.loss}, {lp, ln}, {}, /*retain_graph=*/true,
                                    /*create_graph=*/false, /*allow_unused=*/true);
    auto side = [&](const torch::Tensor& logp, torch::Tensor upstream, bool keep) {
        if (!upstream.defined())
            upstream = torch::zeros_like(logp);
        auto g = torch::autograd::grad({logp}, params, {upstream}, keep, false, true);
        for (std::size_t i = 0; i < g.size(); ++i) {
            if (!g[i].defined())
                g[i] = torch::zeros_like(params[i]);
        }
        return g;
    };
    const bool same = lp.is_same(ln);  // documents: one sequence is both sides
    out.pos = side(lp, dl[0], /*keep=*/true);
    out.neg = same ? std::vector<torch::Tensor>(params.size()) : side(ln, dl[1], false);
    if (same) {
        for (std::size_t i = 0; i < params.size(); ++i)
            out.neg[i] = torch::zeros_like(params[i]);
    }
    return out;
}

std::vector<GradientGroup> groupGradients(const SideGradients& g) {
    struct Sums {
        double pp = 0, nn = 0, pn = 0;
    };
    const ParameterGrouping grouping = groupParameters(g.names);
    std::vector<Sums> sums(grouping.groups.size());
    Sums all;
    for (std::size_t i = 0; i < g.names.size(); ++i) {
        torch::Tensor p = g.pos[i].to(torch::kFloat64), n = g.neg[i].to(torch::kFloat64);
        torch::Tensor s = torch::stack({(p * p).sum(), (n * n).sum(), (p * n).sum()}).cpu();
        const auto a = s.accessor<double, 1>();
        Sums& at = sums[grouping.group_of[i]];
        at.pp += a[0];
        at.nn += a[1];
        at.pn += a[2];
        all.pp += a[0];
        all.nn += a[1];
        all.pn += a[2];
    }
    auto make = [](const std::string& name, const Sums& s) {
        GradientGroup gg;
        gg.name = name;
        gg.pos_norm = std::sqrt(s.pp);
        gg.neg_norm = std::sqrt(s.nn);
        gg.cosine = gg.pos_norm > 0 && gg.neg_norm > 0 ? s.pn / (gg.pos_norm * gg.neg_norm)
                                                       : std::numeric_limits<double>::quiet_NaN();
        return gg;
    };
    std::vector<GradientGroup> out;
    for (std::size_t k = 0; k < grouping.groups.size(); ++k)
        out.push_back(make(grouping.groups[k], sums[k]));
    out.push_back(make("all", all));
    return out;
}

}  // namespace rgpb
