#include "core/train/PairForward.h"

#include <torch/torch.h>

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
    f.tokens = batch.attention_mask.sum().item<int64_t>();
    return f;
}

torch::Tensor sequenceSums(GptNeoX& model, const std::vector<TokenizedPair>& pairs, int32_t pad_id,
                           int64_t batch_size, const torch::Device& device,
                           const RunControl* control,
                           const std::function<void(int64_t done)>& progress) {
    torch::NoGradGuard no_grad;
    bool was_training = model->is_training();
    model->eval();
    torch::Tensor out = torch::empty({static_cast<int64_t>(pairs.size()), 2}, torch::kFloat32);
    for (std::size_t start = 0; start < pairs.size();
         start += static_cast<std::size_t>(batch_size)) {
        if (control && control->cancelRequested()) {
            model->train(was_training);
            throw CancelledError();
        }
        std::size_t end = std::min(pairs.size(), start + static_cast<std::size_t>(batch_size));
        std::vector<std::size_t> idx(end - start);
        std::iota(idx.begin(), idx.end(), start);
        PairForward f = forwardPairs(model, collatePairs(pairs, idx, pad_id, true), device);
        torch::Tensor sums = torch::stack({f.logprobs.pos.sum, f.logprobs.neg.sum}, 1);
        out.slice(0, static_cast<int64_t>(start), static_cast<int64_t>(end))
            .copy_(sums.to(torch::kCPU, torch::kFloat32));
        if (progress)
            progress(static_cast<int64_t>(end));
    }
    model->train(was_training);
    return out;
}

}  // namespace rgpb
