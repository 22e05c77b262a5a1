#include "core/objectives/SequenceLogProbs.h"

#include <torch/torch.h>

#include <cmath>
#include <sstream>

#include "core/util/Error.h"
#include "core/util/TensorText.h"

namespace rgpb {
SequenceLogProbs sequenceLogProbs(const torch::Tensor& logits, const torch::Tensor& labels,
                                  const torch::Tensor& mask, const std::string& side) {
    const std::string where = "sequenceLogProbs(" + side + ")";
    requireArgument(logits.defined() && logits.dim() == 3, where.c_str(), "logits",
                    "a [B, T, V] tensor", logits.defined() ? shapeOf(logits) : "undefined");
    requireArgument(torch::isFloatingType(logits.scalar_type()), where.c_str(), "logits",
                    "floating point", logits.scalar_type());
    requireArgument(labels.defined() && labels.dim() == 2 && labels.size(0) == logits.size(0) &&
                        labels.size(1) == logits.size(1),
                    where.c_str(), "labels", "a [B, T] tensor matching logits [B, T, V]",
                    labels.defined() ? shapeOf(labels) : "undefined", " for logits ",
                    shapeOf(logits));
    requireArgument(!torch::isFloatingType(labels.scalar_type()), where.c_str(), "labels",
                    "integer token ids", labels.scalar_type());
    requireArgument(mask.defined() && mask.sizes() == labels.sizes(), where.c_str(), "mask",
                    "the shape of labels " + shapeOf(labels),
                    mask.defined() ? shapeOf(mask) : "undefined");
    const int64_t vocab = logits.size(2);
    requireArgument(vocab > 0, where.c_str(), "logits", "a non-empty vocabulary dimension",
                    shapeOf(logits));

    // Compute in at least float32: bf16 log-sums lose whole nats over long responses.
    torch::Tensor lg =
        logits.scalar_type() == torch::kFloat64 ? logits : logits.to(torch::kFloat32);
    torch::Tensor m = mask.to(lg.scalar_type());
    torch::Tensor on = mask.to(torch::kBool);

    torch::Tensor count = m.sum(1);
    // The two checks below read a value back to the host; on a GPU that would stall the stream
    // twice per side and step, so they run on host tensors only (the trainer's batches were
    // laid out on the host by collatePairs, which guarantees a response token in every row).
    const bool on_host = !mask.is_cuda();
    if (on_host) {
        torch::Tensor empty = (count <= 0);
        if (empty.any().item<bool>()) {
            int64_t row = empty.nonzero()[0][0].item<int64_t>();
            throw ArgumentError(where, "mask",
                                "at least one response token in every row (an empty sequence "
                                "has no log-probability)",
                                "row " + std::to_string(row) + " with none");
        }
    }
    torch::Tensor ids = labels.to(torch::kLong).masked_fill(~on, 0);
    if (on_host) {
        torch::Tensor bad = on & ((ids < 0) | (ids >= vocab));
        if (bad.any().item<bool>()) {
            torch::Tensor at = bad.nonzero()[0];
            int64_t b = at[0].item<int64_t>(), t = at[1].item<int64_t>();
            throw ArgumentError(where, "labels",
                                "token ids in [0, " + std::to_string(vocab) + ") under the mask",
                                std::to_string(ids[b][t].item<int64_t>()) + " at [" +
                                    std::to_string(b) + ", " + std::to_string(t) + "]");
        }
    }

    // log softmax at the label only: gather - logsumexp, without a [B, T, V] log-softmax copy.
    torch::Tensor picked = lg.gather(2, ids.unsqueeze(2)).squeeze(2);
    torch::Tensor token_logp = (picked - torch::logsumexp(lg, 2)) * m;

    SequenceLogProbs out;
    out.token_logp = token_logp;
    out.mask = m;
    out.sum = token_logp.sum(1);
    out.count = count;
    out.mean = out.sum / count;
    return out;
}

torch::Tensor log1mexp(const torch::Tensor& x) {
    const double ln2 = std::log(2.0);
    // Evaluate each branch only where it is accurate and finite, so that neither branch's
    // gradient can leak a NaN through torch::where.
    torch::Tensor near = x > -ln2;
    torch::Tensor x_near = torch::where(near, x, torch::full_like(x, -1.0));
    torch::Tensor x_far = torch::where(near, torch::full_like(x, -1.0), x);
    return torch::where(near, torch::log(-torch::expm1(x_near)), torch::log1p(-torch::exp(x_far)));
}

}  // namespace rgpb
