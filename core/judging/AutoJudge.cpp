#include "core/judging/AutoJudge.h"

#include "core/data/PairText.h"
#include "core/data/SyntheticTask.h"

namespace rgpb::judging {

Winner autoJudge(const std::string& prompt, const std::string& reference,
                 const std::string& response_a, const std::string& response_b) {
    PairText pair;
    pair.prompt_pos = prompt;
    pair.prompt_neg = prompt;
    pair.reference = reference;
    pair.origin = "comparison item";
    const bool a = isCorrectResponse(pair, response_a);
    const bool b = isCorrectResponse(pair, response_b);
    if (a && b)
        return Winner::Tie;
    if (a)
        return Winner::ModelA;
    if (b)
        return Winner::ModelB;
    return Winner::BothBad;
}

}  // namespace rgpb::judging
