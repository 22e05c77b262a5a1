#include "core/objectives/MixedObjective.h"

#include <torch/torch.h>

#include <sstream>

#include "core/util/Error.h"

namespace rgpb {

MixedObjective::MixedObjective(std::vector<Term> terms) : terms_(std::move(terms)) {
    requireArgument(!terms_.empty(), "MixedObjective", "terms", "at least one term", "none");
}

std::string MixedObjective::name() const {
    std::ostringstream out;
    for (std::size_t i = 0; i < terms_.size(); ++i) {
        if (i)
            out << "+";
        if (terms_[i].weight != 1.0)
            out << terms_[i].weight << "*";
        out << terms_[i].objective->name();
    }
    return out.str();
}

bool MixedObjective::needsReference() const {
    for (const Term& t : terms_) {
        if (t.objective->needsReference())
            return true;
    }
    return false;
}

ObjectiveResult MixedObjective::compute(const PairLogProbs& batch) const {
    ObjectiveResult r;
    for (std::size_t i = 0; i < terms_.size(); ++i) {
        ObjectiveResult part = terms_[i].objective->compute(batch);
        torch::Tensor weighted = terms_[i].weight * part.loss;
        r.loss = r.loss.defined() ? r.loss + weighted : weighted;
        r.stats.emplace_back("mix/" + std::to_string(i) + "_" + terms_[i].objective->name(),
                             weighted.detach());
        for (auto& s : part.stats) {
            r.stats.push_back(std::move(s));
        }
    }
    return r;
}

}  // namespace rgpb
