// Per-token and per-sequence log-probabilities of response tokens (spec.md section 1).
// Implementation header: includes LibTorch; the GUI never includes it.
//
// Shapes: logits [B, T, V] where logits[b, t] is the model's prediction for labels[b, t]
// (callers shift inputs by one: labels = input_ids[:, 1:], logits = model(input_ids)[:, :-1]);
// labels [B, T] integer token ids; mask [B, T] bool or float, 1 on response tokens only (prompt
// and padding carry no loss). Labels under a 0 mask may be anything (e.g. -100).
#pragma once

#include <torch/types.h>

#include <string>

namespace rgpb {

struct SequenceLogProbs {
    torch::Tensor token_logp;  // [B, T] float, l_t = log P(y_t | x, y_<t); 0 where mask is 0
    torch::Tensor mask;        // [B, T] same dtype as token_logp, 1 on response tokens
    torch::Tensor sum;         // [B] S = sum_t l_t
    torch::Tensor count;       // [B] T = number of response tokens (as float)
    torch::Tensor mean;        // [B] m = S / T
};

// Throws rgpb::ArgumentError naming `side` ("positive"/"negative") and the argument when shapes
// or dtypes do not match, a label under the mask is outside [0, V), or a row has no response
// token (an empty sequence has no mean log-prob).
SequenceLogProbs sequenceLogProbs(const torch::Tensor& logits, const torch::Tensor& labels,
                                  const torch::Tensor& mask, const std::string& side = "sequence");

// log(1 - exp(x)) for x <= 0, stable on both ends (spec.md section 2): log(-expm1(x)) for
// x > -ln 2, log1p(-exp(x)) otherwise. Returns -inf at x = 0; callers clamp first.
torch::Tensor log1mexp(const torch::Tensor& x);

}  // namespace rgpb
