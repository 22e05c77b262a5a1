#include "core/metrics/Bootstrap.h"

#include <algorithm>
#include <cmath>

#include "core/data/SeededRandom.h"
#include "core/util/Error.h"

namespace rgpb {

double quantile(std::vector<double>& values, double q) {
    requireArgument(!values.empty(), "quantile", "values", "at least one value", "none");
    requireArgument(q >= 0.0 && q <= 1.0, "quantile", "q", "a value in [0, 1]", q);
    std::sort(values.begin(), values.end());
    const double h = q * static_cast<double>(values.size() - 1);
    const auto lo = static_cast<std::size_t>(std::floor(h));
    const std::size_t hi = std::min(lo + 1, values.size() - 1);
    return values[lo] + (h - static_cast<double>(lo)) * (values[hi] - values[lo]);
}

namespace {

struct PairTerms {
    double s_pos, t_pos, agility;
};

void summarize(const std::vector<PairTerms>& terms, const std::vector<std::size_t>& rows,
               double& perplexity, double& agility) {
    double s = 0.0, t = 0.0, a = 0.0;
    for (std::size_t r : rows) {
        s += terms[r].s_pos;
        t += terms[r].t_pos;
        a += terms[r].agility;
    }
    perplexity = std::exp(-s / t);
    agility = a / static_cast<double>(rows.size());
}

}  // namespace

PerplexityAgility bootstrapPerplexityAgility(const std::vector<PairRecord>& pairs,
                                             const BootstrapOptions& options) {
    requireArgument(!pairs.empty(), "bootstrap", "pairs", "at least one evaluated pair", "none");
    requireArgument(options.resamples >= 1, "bootstrap", "resamples", "at least 1",
                    options.resamples);
    requireArgument(options.level > 0.0 && options.level < 1.0, "bootstrap", "level",
                    "a value in (0, 1)", options.level);
    std::vector<PairTerms> terms;
    terms.reserve(pairs.size());
    for (const PairRecord& p : pairs)
        terms.push_back(
            {p.s_pos, p.t_pos, std::exp(p.s_pos / p.t_pos) - std::exp(p.s_neg / p.t_neg)});

    const std::size_t n = pairs.size();
    std::vector<std::size_t> rows(n);
    for (std::size_t i = 0; i < n; ++i)
        rows[i] = i;
    PerplexityAgility out;
    out.pairs = n;
    summarize(terms, rows, out.perplexity.value, out.agility.value);

    SeededRandom rng(options.seed);
    std::vector<double> ppl(static_cast<std::size_t>(options.resamples));
    std::vector<double> agility(ppl.size());
    for (std::size_t b = 0; b < ppl.size(); ++b) {
        for (std::size_t i = 0; i < n; ++i)
            rows[i] = static_cast<std::size_t>(rng.below(n));
        summarize(terms, rows, ppl[b], agility[b]);
    }
    const double tail = (1.0 - options.level) / 2.0;
    out.perplexity.low = quantile(ppl, tail);
    out.perplexity.high = quantile(ppl, 1.0 - tail);
    out.agility.low = quantile(agility, tail);
    out.agility.high = quantile(agility, 1.0 - tail);
    return out;
}

}  // namespace rgpb
