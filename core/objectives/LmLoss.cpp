#include "core/objectives/LmLoss.h"

#include <torch/torch.h>

#include "core/util/Error.h"

namespace rgpb {

ObjectiveResult LmLoss::compute(const PairLogProbs& batch) const {
    const SequenceLogProbs& pos = batch.pos;
    requireArgument(pos.sum.defined() && pos.sum.dim() == 1 && pos.count.defined() &&
                        pos.count.sizes() == pos.sum.sizes(),
                    "LmLoss", "pos.sum/pos.count", "two [B] tensors",
                    pos.sum.defined() ? "other shapes" : "undefined");
    ObjectiveResult r;
    r.loss = -pos.sum.sum() / pos.count.sum();
    r.stats.emplace_back("lm/nll", r.loss.detach());
    return r;
}

}  // namespace rgpb
