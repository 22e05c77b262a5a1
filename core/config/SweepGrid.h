// The sweep grid: one run config per method x beta, built from a base config. The one place
// that expands a sweep, for `rgpb sweep` and the window's Sweep alike, with one rule for the
// cells' run names (safe as folder names: "exmate -> dpo" never reaches a path).
#pragma once

#include <string>
#include <vector>

#include "core/config/RunConfig.h"

namespace rgpb {

struct SweepCell {
    std::string method;  // the method every single-objective stage takes; empty: the base's own
    double beta = 0;     // set on every term of every stage
    RunConfig config;    // the base with the method, beta and run name applied
};

// Cells in method-major order (for each method, every beta). An empty `methods` list, or an
// empty name in it, keeps the base's methods. Mixed stages keep their terms (only their beta
// changes). Run names are "<base name>[-<method>]-b<beta>", made safe by runNameSlug().
// Throws rgpb::ArgumentError for an unknown method or a beta <= 0 or not finite.
std::vector<SweepCell> sweepGrid(const RunConfig& base, const std::vector<std::string>& methods,
                                 const std::vector<double>& betas);

// A run name safe as a folder name: letters, digits, '.', '_', '+' and '-' are kept, every
// other run of characters becomes one '-' ("exmate -> dpo" -> "exmate-dpo"); leading and
// trailing '-' are dropped; never empty ("run").
std::string runNameSlug(const std::string& name);

// "%g" of a beta as it appears in run names ("0.5", "1e-05").
std::string betaText(double beta);

}  // namespace rgpb
