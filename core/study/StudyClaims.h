// The paper's findings (spec.md section 5) as predicates over a study's aggregated numbers, each
// evaluated with its effect size and 95% interval and marked supported, contradicted or
// inconclusive by the data, whichever way it falls. A claim the study cannot test (a regime it
// has no task for, one beta where the claim is about raising beta) says so. Torch-free.
#pragma once

#include <string>
#include <vector>

#include "core/study/StudyAggregate.h"

namespace rgpb {

enum class ClaimVerdict { Supported, Contradicted, Inconclusive, NotTested };
const char* claimVerdictName(ClaimVerdict verdict);  // "supported", ...

struct ClaimResult {
    std::string id;         // "low.exmate_agility_gt_mle"
    std::string statement;  // "At low information difference, ExMATE's agility exceeds MLE's"
    std::string task;       // the task it was tested on (one result per matching task)
    ClaimVerdict verdict = ClaimVerdict::NotTested;
    // The tested effect (a paired difference, oriented so that the claim predicts > 0), its
    // interval and p-value; empty `why` when tested.
    MeanInterval effect;
    double p_value = 1.0;
    std::string why;  // why not tested / how the verdict was reached, in words
};

std::vector<ClaimResult> evaluateClaims(const StudyResults& results,
                                        const StudyAggregate& aggregate);

}  // namespace rgpb
