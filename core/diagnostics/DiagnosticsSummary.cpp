#include "core/diagnostics/DiagnosticsSummary.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/metrics/Bootstrap.h"
#include "core/util/Error.h"

namespace rgpb {

WeightDistribution weightDistribution(std::string term, std::string formula,
                                      std::vector<double> values) {
    WeightDistribution w;
    w.term = std::move(term);
    w.formula = std::move(formula);
    std::vector<double> finite;
    finite.reserve(values.size());
    for (double v : values) {
        if (std::isfinite(v))
            finite.push_back(v);
    }
    const double nan = std::numeric_limits<double>::quiet_NaN();
    w.q1 = finite.empty() ? nan : quantile(finite, 0.25);
    w.median = finite.empty() ? nan : quantile(finite, 0.5);
    w.q3 = finite.empty() ? nan : quantile(finite, 0.75);
    w.values = std::move(values);
    return w;
}

DisplacementInfo measureDisplacement(const StageBaseline& baseline,
                                     const std::vector<PairRecord>& now, double threshold,
                                     std::size_t top) {
    requireArgument(baseline.s_pos.size() == now.size() && baseline.s_neg.size() == now.size(),
                    "measureDisplacement", "baseline", "one S+ and S- per eval pair",
                    detail::concat(baseline.s_pos.size(), " for ", now.size(), " pairs"));
    DisplacementInfo d;
    d.threshold = threshold;
    std::vector<DisplacedPair> displaced;
    for (std::size_t i = 0; i < now.size(); ++i) {
        DisplacedPair p;
        p.pair = i;
        p.d_pos = now[i].s_pos - baseline.s_pos[i];
        p.d_neg = now[i].s_neg - baseline.s_neg[i];
        p.d_margin = p.d_pos - p.d_neg;
        if (p.d_pos < 0 && p.d_margin > 0)
            displaced.push_back(p);
    }
    d.pairs = displaced.size();
    d.share = now.empty() ? 0.0 : static_cast<double>(d.pairs) / static_cast<double>(now.size());
    d.alert = !now.empty() && d.share >= threshold;
    std::stable_sort(
        displaced.begin(), displaced.end(),
        [](const DisplacedPair& a, const DisplacedPair& b) { return a.d_pos < b.d_pos; });
    displaced.resize(std::min(top, displaced.size()));
    d.top = std::move(displaced);
    return d;
}

NamedValues diagnosticsMetrics(const DiagnosticsRow& row) {
    NamedValues out;
    for (const WeightDistribution& w : row.weights)
        out.emplace_back("diag/" + w.term + "_weight_median", w.median);
    out.emplace_back("diag/displacement_share", row.displacement.share);
    for (const GradientGroup& g : row.gradients) {
        if (g.name != "all")
            continue;
        out.emplace_back("diag/grad_pos_norm", g.pos_norm);
        out.emplace_back("diag/grad_neg_norm", g.neg_norm);
        out.emplace_back("diag/grad_cosine", g.cosine);
    }
    return out;
}

}  // namespace rgpb
