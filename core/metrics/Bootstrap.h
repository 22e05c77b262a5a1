// Bootstrap confidence intervals for the held-out metrics of spec.md section 3 (the landscape
// view's perplexity-vs-agility points, paper Fig. 4 and 6). Pairs are resampled with
// replacement; each resample recomputes token-weighted perplexity exp(-sum S+ / sum T+) and
// agility mean(exp(S+/T+) - exp(S-/T-)); the interval is the percentile interval of those
// resampled values. Torch-free and deterministic for a seed (SeededRandom).
#pragma once

#include <cstdint>
#include <vector>

#include "core/metrics/PairMetrics.h"

namespace rgpb {

struct Interval {
    double value = 0.0;  // on all pairs
    double low = 0.0;    // percentile (1 - level) / 2 of the resampled values
    double high = 0.0;   // percentile (1 + level) / 2
};

struct BootstrapOptions {
    int resamples = 1000;
    double level = 0.95;  // central coverage, in (0, 1)
    uint64_t seed = 1;
};

struct PerplexityAgility {
    std::size_t pairs = 0;
    Interval perplexity;
    Interval agility;
};

// Throws rgpb::ArgumentError for no pairs, resamples < 1 or level outside (0, 1).
PerplexityAgility bootstrapPerplexityAgility(const std::vector<PairRecord>& pairs,
                                             const BootstrapOptions& options = {});

// The q-quantile (q in [0, 1]) of `values` by linear interpolation between order statistics
// (numpy's default, "type 7"). ArgumentError when empty. Reorders `values`.
double quantile(std::vector<double>& values, double q);

}  // namespace rgpb
