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
    // The beta it was tested at: one result per matching task and study beta. 0 for a claim
    // that does not compare at one beta (raising beta: smallest against largest, see `why`).
    double beta = 0.0;
    ClaimVerdict verdict = ClaimVerdict::NotTested;
    // The tested effect (a paired difference, oriented so that the claim predicts > 0), its
    // interval and p-value; for a compound claim, the part that decided the verdict (the
    // contradicted one, else the weakest). NaN when not tested.
    MeanInterval effect;
    double p_value = 1.0;
    std::string why;  // why not tested / how the verdict was reached, in words
};

// Verdict of one interval of an oriented effect: supported above 0, contradicted below 0,
// inconclusive when it contains 0 or rests on fewer than 2 seeds; not tested without seeds.
ClaimVerdict intervalVerdict(const MeanInterval& effect);
// A claim made of several comparisons: supported when all parts are, contradicted when any part
// is (whatever the others), not tested when a part is not tested and none is contradicted, else
// inconclusive.
ClaimVerdict combineVerdicts(const std::vector<ClaimVerdict>& parts);

// Every claim on every task of its regime (and, where it compares at one beta, every study beta).
// Claims about a regime the study has no task for, or about recipes it lacks, come back
// NotTested with the reason; the GPT-4 judgements always do (a study does not judge samples).
std::vector<ClaimResult> evaluateClaims(const StudyResults& results,
                                        const StudyAggregate& aggregate);

}  // namespace rgpb
