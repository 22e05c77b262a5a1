#include "core/metrics/BatchMetrics.h"

#include <torch/torch.h>

#include "core/util/Error.h"

namespace rgpb {

void addPairRecords(PairMetricsAccumulator& acc, const PairLogProbs& batch) {
    detail::checkPairBatch(batch, "addPairRecords", false);
    const bool ref = batch.ref_pos_sum.defined() && batch.ref_neg_sum.defined();
    std::vector<torch::Tensor> cols = {batch.pos.sum, batch.pos.count, batch.neg.sum,
                                       batch.neg.count};
    if (ref) {
        cols.push_back(batch.ref_pos_sum);
        cols.push_back(batch.ref_neg_sum);
    }
    for (auto& c : cols) {
        c = c.detach().to(torch::kFloat64);
    }
    torch::Tensor table = torch::stack(cols, 1).to(torch::kCPU).contiguous();
    auto a = table.accessor<double, 2>();
    for (int64_t b = 0; b < table.size(0); ++b) {
        PairRecord p;
        p.s_pos = a[b][0];
        p.t_pos = a[b][1];
        p.s_neg = a[b][2];
        p.t_neg = a[b][3];
        if (ref) {
            p.s_pos_ref = a[b][4];
            p.s_neg_ref = a[b][5];
        }
        acc.add(p);
    }
}

torch::Tensor responseDistributions(const torch::Tensor& logits, const torch::Tensor& mask,
                                    int64_t row, int steps) {
    torch::Tensor positions = mask[row].to(torch::kBool).nonzero().flatten();
    int64_t k = std::min<int64_t>(steps, positions.size(0));
    torch::Tensor picked = logits[row].index_select(0, positions.slice(0, 0, k));
    return torch::softmax(picked.to(torch::kFloat32), -1);
}

void addGradDiff(PairMetricsAccumulator& acc, const torch::Tensor& pos_logits,
                 const torch::Tensor& pos_mask, const torch::Tensor& neg_logits,
                 const torch::Tensor& neg_mask, int steps) {
    const char* where = "addGradDiff";
    requireArgument(pos_logits.dim() == 3 && neg_logits.dim() == 3 &&
                        pos_logits.size(0) == neg_logits.size(0) &&
                        pos_logits.size(2) == neg_logits.size(2),
                    where, "pos_logits/neg_logits", "[B, T, V] tensors with the same B and V",
                    pos_logits.sizes(), " vs ", neg_logits.sizes());
    requireArgument(pos_mask.dim() == 2 && pos_mask.size(0) == pos_logits.size(0) &&
                        pos_mask.size(1) == pos_logits.size(1),
                    where, "pos_mask", "[B, T+] matching pos_logits", pos_mask.sizes());
    requireArgument(neg_mask.dim() == 2 && neg_mask.size(0) == neg_logits.size(0) &&
                        neg_mask.size(1) == neg_logits.size(1),
                    where, "neg_mask", "[B, T-] matching neg_logits", neg_mask.sizes());
    if (steps <= 0) {
        return;
    }
    torch::NoGradGuard no_grad;
    for (int64_t b = 0; b < pos_logits.size(0); ++b) {
        torch::Tensor p = responseDistributions(pos_logits, pos_mask, b, steps);
        torch::Tensor q = responseDistributions(neg_logits, neg_mask, b, steps);
        int64_t k = std::min(p.size(0), q.size(0));
        if (k == 0) {
            continue;
        }
        torch::Tensor diff = (p.slice(0, 0, k) - q.slice(0, 0, k)).to(torch::kFloat64);
        torch::Tensor norms = torch::stack({diff.abs().sum(1), diff.pow(2).sum(1).sqrt()}, 1)
                                  .to(torch::kCPU)
                                  .contiguous();
        auto a = norms.accessor<double, 2>();
        for (int64_t t = 0; t < k; ++t) {
            acc.addGradDiff(static_cast<int>(t + 1), a[t][0], a[t][1]);
        }
    }
}

}  // namespace rgpb
