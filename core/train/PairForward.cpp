#include "core/train/PairForward.h"

#include <torch/torch.h>

#include <algorithm>
#include <numeric>

#include "core/util/Error.h"

namespace rgpb {

namespace {

Seq2SeqBatch seq2seqOf(const LanguageModel& model, const SequenceBatch& batch) {
    const T5Config& c = model.t5()->config();
    return toSeq2Seq(batch, c.eos_token_id, c.decoder_start_token_id, c.pad_token_id);
}

}  // namespace

AlignedTargets alignedTargets(const LanguageModel& model, const SequenceBatch& batch) {
    if (!model.seq2seq())
        return {batch.labels, batch.loss_mask};
    Seq2SeqBatch s = seq2seqOf(model, batch);
    return {s.labels, s.loss_mask};
}

PairForward forwardPairs(const LanguageModel& model, const SequenceBatch& batch,
                         const torch::Device& device) {
    torch::Tensor logits, labels, lmask;
    PairForward f;
    if (model.seq2seq()) {
        const Seq2SeqBatch s = seq2seqOf(model, batch);
        logits =
            model.t5()->forward(s.encoder_ids.to(device, true), s.encoder_mask.to(device, true),
                                s.decoder_ids.to(device, true), s.decoder_mask.to(device, true));
        labels = s.labels.to(device, true);
        lmask = s.loss_mask.to(device, true);
        f.tokens = s.encoder_mask.sum().item<int64_t>() + s.decoder_mask.sum().item<int64_t>();
        f.slots = s.encoder_mask.numel() + s.decoder_mask.numel();
    } else {
        torch::Tensor ids = batch.input_ids.to(device, /*non_blocking=*/true);
        torch::Tensor attn = batch.attention_mask.to(device, true);
        labels = batch.labels.to(device, true);
        lmask = batch.loss_mask.to(device, true);
        logits = model.neox()->forward(ids, attn).slice(1, 0, ids.size(1) - 1);
        f.tokens = batch.attention_mask.sum().item<int64_t>();  // a host tensor: no device sync
        f.slots = batch.attention_mask.numel();
    }
    const int64_t n = logits.size(0);
    const int64_t b = batch.negatives_shared ? n : n / 2;
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

torch::Tensor sequenceSums(const LanguageModel& model, const std::vector<TokenizedPair>& pairs,
                           int32_t pad_id, int64_t batch_size, const torch::Device& device,
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
