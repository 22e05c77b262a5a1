#include "core/train/PairForward.h"

#include <torch/torch.h>

#include <algorithm>
#include <numeric>

#include "core/util/Error.h"

namespace rgpb {

PairForward forwardPairs(GptNeoX& model, const SequenceBatch& batch, const torch::Device& device) {
    torch::Tensor ids = batch.input_ids.to(device, /*non_blocking=*/true);
    torch::Tensor attn = batch.attention_mask.to(device, true);
    torch::Tensor labels = batch.labels.to(device, true);
    torch::Tensor lmask = batch.loss_mask.to(device, true);
    const int64_t n = ids.size(0), len = ids.size(1);
    const int64_t b = batch.negatives_shared ? n : n / 2;
    torch::Tensor logits = model->forward(ids, attn).slice(1, 0, len - 1);

    PairForward f;
    f.pos_logits = logits.slice(0, 0, b);
    f.pos_mask = lmask.slice(0, 0, b);
    f.logprobs.pos = sequenceLogProbs(f.pos_logits, labels.slice(0, 0, b), f.pos_mask, "positive");
    if (batch.negatives_shared) {
        // Documents: the negative side is the positive one, computed once.
        f.neg_logits = f.pos_logits;
        f.neg_mask = f.pos_mask;
        f.logprobs.neg = f.logprobs.pos;
    } else {
        f.neg_logits = logits.slice(0, b, n);
        f.neg_mask = lmask.slice(0, b, n);
        f.logprobs.neg =
            sequenceLogProbs(f.neg_logits, labels.slice(0, b, n), f.neg_mask, "negative");
    }
    f.tokens = batch.attention_mask.sum().item<int64_t>();  // a host tensor: no device sync
    f.slots = batch.attention_mask.numel();
    return f;
}

std::vector<std::vector<std::size_t>> inferenceBatches(const std::vector<TokenizedPair>& pairs,
                                                       int64_t batch_size) {
    std::vector<std::size_t> order(pairs.size());
    std::iota(order.begin(), order.end(), std::size_t(0));
    auto length = [&](std::size_t i) {
        return std::max(pairs[i].pos.ids.size(), pairs[i].neg.ids.size());
    };
    std::stable_sort(order.begin(), order.end(),
                     [&](std::size_t a, std::size_t b) { return length(a) > length(b); });
    const auto bs = static_cast<std::size_t>(std::max<int64_t>(1, batch_size));
    std::vector<std::vector<std::size_t>> batches;
    for (std::size_t start = 0; start < order.size(); start += bs) {
        const auto first = order.begin() + static_cast<std::ptrdiff_t>(start);
        batches.emplace_back(
            first, first + static_cast<std::ptrdiff_t>(std::min(bs, order.size() - start)));
    }
    return batches;
}

torch::Tensor sequenceSums(GptNeoX& model, const std::vector<TokenizedPair>& pairs, int32_t pad_id,
                           int64_t batch_size, const torch::Device& device,
                           const RunControl* control,
                           const std::function<void(int64_t done)>& progress) {
    torch::NoGradGuard no_grad;
    bool was_training = model->is_training();
    model->eval();
    torch::Tensor out = torch::empty({static_cast<int64_t>(pairs.size()), 2}, torch::kFloat32);
    int64_t done = 0;
    for (const std::vector<std::size_t>& idx : inferenceBatches(pairs, batch_size)) {
        if (control && control->cancelRequested()) {
            model->train(was_training);
            throw CancelledError();
        }
        PairForward f = forwardPairs(model, collatePairs(pairs, idx, pad_id, true), device);
        torch::Tensor sums = torch::stack({f.logprobs.pos.sum, f.logprobs.neg.sum}, 1);
        const std::vector<int64_t> rows(idx.begin(), idx.end());
        out.index_copy_(0, torch::tensor(rows, torch::kLong),
                        sums.to(torch::kCPU, torch::kFloat32));
        done += static_cast<int64_t>(idx.size());
        if (progress)
            progress(done);
    }
    model->train(was_training);
    return out;
}

}  // namespace rgpb
