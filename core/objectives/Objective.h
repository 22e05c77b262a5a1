// The objective interface of spec.md section 2: a loss per pair from the log-probabilities of
// the good and bad sequences (and, for DPO, the cached reference log-probs); the batch loss is
// the mean over pairs. Implementation header (LibTorch). One file per family:
// MleLoss, DpoLoss, UnlikelihoodLoss, ExmateLoss, LmLoss, and MixedObjective for weighted sums.
#pragma once

#include <torch/types.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/objectives/ObjectiveSpec.h"
#include "core/objectives/SequenceLogProbs.h"

namespace rgpb {

// Everything an objective needs for a batch of B pairs.
struct PairLogProbs {
    SequenceLogProbs pos;       // good sequences (x+, y+)
    SequenceLogProbs neg;       // bad sequences (x-, y-)
    torch::Tensor ref_pos_sum;  // [B] S+_ref under the frozen reference; undefined if none
    torch::Tensor ref_neg_sum;  // [B] S-_ref
};

struct ObjectiveResult {
    torch::Tensor loss;  // scalar, mean over pairs, differentiable
    // Detached scalar diagnostics, named "<family>/<what>", e.g. "dpo/reward_margin".
    std::vector<std::pair<std::string, torch::Tensor>> stats;
};

class Objective {
public:
    virtual ~Objective() = default;
    virtual std::string name() const = 0;
    // True when compute() reads ref_pos_sum / ref_neg_sum.
    virtual bool needsReference() const { return false; }
    // Throws rgpb::ArgumentError when pos and neg batch sizes differ or a needed reference is
    // missing or of the wrong shape.
    virtual ObjectiveResult compute(const PairLogProbs& batch) const = 0;
};

// Builds the objective a spec describes (validate() first). One term gives that family's
// objective directly; several give a MixedObjective.
std::unique_ptr<Objective> makeObjective(const ObjectiveSpec& spec);

// Copies every stat to the host in one transfer: (name, value) in order.
std::vector<std::pair<std::string, double>> statValues(const ObjectiveResult& result);

namespace detail {
// Shared argument checks: same batch size on both sides; reference present and [B] if needed.
void checkPairBatch(const PairLogProbs& batch, const char* where, bool needs_reference);
}  // namespace detail

}  // namespace rgpb
