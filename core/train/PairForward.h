// One forward pass of the policy over a collated pair batch (rows 0..B-1 positive, B..2B-1
// negative; or the B positive rows alone when the batch's negatives are shared, and then the
// negative side is the positive one) and the log-probabilities the objectives and metrics
// need. Implementation header.
#pragma once

#include <torch/types.h>

#include <functional>

#include "core/data/PairBatch.h"
#include "core/model/LanguageModel.h"
#include "core/objectives/Objective.h"
#include "core/train/TrainingObserver.h"

namespace rgpb {

struct PairForward {
    PairLogProbs logprobs;  // pos / neg sequence log-probs (reference sums not filled)
    // Decoder-only: [B, L-1, V], position t predicts the batch's labels[:, t]. T5: [B, T, V]
    // over the decoder positions of toSeq2Seq(batch). Either way the masks mark the loss
    // tokens, in the same order.
    torch::Tensor pos_logits;
    torch::Tensor neg_logits;
    torch::Tensor pos_mask;  // [B, L-1] or [B, T] loss mask
    torch::Tensor neg_mask;
    // Real (non-padding) tokens the model read (T5: encoder and decoder tokens), and the slots
    // it computed (rows x length of each input: the real tokens plus the padding).
    int64_t tokens = 0;
    int64_t slots = 0;
};

PairForward forwardPairs(const LanguageModel& model, const SequenceBatch& batch,
                         const torch::Device& device);

// The labels and loss mask that `f`'s logits are aligned with: the batch's own (decoder-only)
// or those of toSeq2Seq(batch) (T5), for code that reads tokens at loss positions.
struct AlignedTargets {
    torch::Tensor labels, loss_mask;  // [N, L-1] or [N, T], on the CPU
};
AlignedTargets alignedTargets(const LanguageModel& model, const SequenceBatch& batch);

// Inference batches of at most `batch_size` pairs, every index of `pairs` once: the pairs sorted
// by length (longest first, then index), so that a batch pads to little more than its own
// pairs. Each pair's log-probabilities do not depend on its batch mates; evaluation and the DPO
// reference cache both use this order.
std::vector<std::vector<std::size_t>> inferenceBatches(const std::vector<TokenizedPair>& pairs,
                                                       int64_t batch_size);

// S+ and S- of pairs[indices] under `model` without gradients, in batches: [N, 2] float32 CPU.
// Checks `control` (if given) between batches and throws CancelledError when cancelled; calls
// `progress` (if given) with the number of pairs done after each batch.
torch::Tensor sequenceSums(const LanguageModel& model, const std::vector<TokenizedPair>& pairs,
                           int32_t pad_id, int64_t batch_size, const torch::Device& device,
                           const RunControl* control = nullptr,
                           const std::function<void(int64_t done)>& progress = {});

}  // namespace rgpb
