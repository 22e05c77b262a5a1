// The plain-number side of the gradient diagnostics (torch-free, tested with hand-computed
// values): the quartiles of a weight distribution, the likelihood displacement of the eval pairs
// since a stage began, and the scalars that join the evaluation's metrics row.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "core/diagnostics/Diagnostics.h"
#include "core/metrics/PairMetrics.h"
#include "core/run/RunStore.h"

namespace rgpb {

// `values` with their quartiles (numpy's linear interpolation, core/metrics/Bootstrap.h);
// non-finite values are left out of the quartiles (NaN quartiles when none is finite).
WeightDistribution weightDistribution(std::string term, std::string formula,
                                      std::vector<double> values);

// Each pair's change since `baseline` (d_pos = S+ - S+_start, d_margin = (S+ - S-) - (S+ - S-)
// at start); displaced: d_pos < 0 and d_margin > 0. share = displaced / pairs, alert when
// share >= threshold, top: the `top` displaced pairs with the most negative d_pos (ties: lower
// index first). ArgumentError when baseline and `now` differ in length.
DisplacementInfo measureDisplacement(const StageBaseline& baseline,
                                     const std::vector<PairRecord>& now, double threshold,
                                     std::size_t top);

// The row's scalars for the curves: "diag/<term>_weight_median", "diag/displacement_share",
// and from the "all" gradient group "diag/grad_pos_norm", "diag/grad_neg_norm",
// "diag/grad_cosine".
NamedValues diagnosticsMetrics(const DiagnosticsRow& row);

}  // namespace rgpb
