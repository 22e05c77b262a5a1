#include "core/objectives/MleLoss.h"

#include <torch/torch.h>

#include "core/util/Error.h"

namespace rgpb {

ObjectiveResult MleLoss::compute(const PairLogProbs& batch) const {
    requireArgument(batch.pos.mean.defined() && batch.pos.mean.dim() == 1, "MleLoss", "pos.mean",
                    "a [B] tensor", batch.pos.mean.defined() ? "other shape" : "undefined");
    ObjectiveResult r;
    r.loss = -batch.pos.mean.mean();
    r.stats.emplace_back("mle/nll", r.loss.detach());
    return r;
}

}  // namespace rgpb
