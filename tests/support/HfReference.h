// Test helper: independent reference forward passes of Hugging Face's GPT-2 and GPT-NeoX
// (float64, one sequence, no batching), written from the Hugging Face modeling code with explicit
// formulas, for checking the model's imported weights and logits. Includes LibTorch.
#pragma once

#include <torch/torch.h>

#include <cmath>
#include <map>
#include <string>
#include <vector>

namespace rgpb::test::hf {

using Weights = std::map<std::string, torch::Tensor>;

inline torch::Tensor layerNorm(const torch::Tensor& x, const torch::Tensor& w,
                               const torch::Tensor& b, double eps) {
    auto mean = x.mean(-1, true);
    auto var = (x - mean).pow(2).mean(-1, true);  // biased, as nn.LayerNorm
    return (x - mean) / (var + eps).sqrt() * w + b;
}

inline torch::Tensor geluNew(const torch::Tensor& x) {  // HF NewGELUActivation
    return 0.5 * x * (1.0 + torch::tanh(std::sqrt(2.0 / M_PI) * (x + 0.044715 * x.pow(3))));
}

inline torch::Tensor geluErf(const torch::Tensor& x) {  // HF "gelu" (exact)
    return 0.5 * x * (1.0 + torch::erf(x / std::sqrt(2.0)));
}

// softmax(q k^T / sqrt(d) + causal mask) v for q, k, v [heads, L, d].
inline torch::Tensor causalAttention(const torch::Tensor& q, const torch::Tensor& k,
                                     const torch::Tensor& v) {
    const int64_t length = q.size(1);
    auto scores = torch::matmul(q, k.transpose(1, 2)) / std::sqrt(static_cast<double>(q.size(2)));
    for (int64_t i = 0; i < length; ++i)
        for (int64_t j = i + 1; j < length; ++j)
            scores.select(1, i).select(1, j).fill_(-INFINITY);
    return torch::matmul(torch::softmax(scores, -1), v);
}

struct RefShape {
    int64_t heads = 0, layers = 0;
    double eps = 1e-5;
    int64_t rotary_dims = 0;
    double rotary_base = 10000;
    bool parallel = true;
};

// GPT2LMHeadModel.forward, following modeling_gpt2.py: Conv1D is x @ W + b; c_attn's output
// splits into q, k, v of n_embd each, each split into heads; tied lm_head (x @ wte^T).
inline torch::Tensor gpt2Reference(const Weights& w0, const RefShape& s,
                                   const std::vector<int64_t>& ids) {
    Weights w;
    for (const auto& [k, v] : w0)
        w[k] = v.to(torch::kFloat64);
    const int64_t length = static_cast<int64_t>(ids.size());
    auto idx = torch::tensor(ids, torch::kInt64);
    auto x = w.at("transformer.wte.weight").index_select(0, idx) +
             w.at("transformer.wpe.weight").narrow(0, 0, length);
    const int64_t hidden = x.size(1), hd = hidden / s.heads;
    for (int64_t i = 0; i < s.layers; ++i) {
        const std::string p = "transformer.h." + std::to_string(i) + ".";
        auto a = layerNorm(x, w.at(p + "ln_1.weight"), w.at(p + "ln_1.bias"), s.eps);
        auto qkv = torch::matmul(a, w.at(p + "attn.c_attn.weight")) + w.at(p + "attn.c_attn.bias");
        auto heads = [&](int part) {
            return qkv.narrow(1, part * hidden, hidden).view({length, s.heads, hd}).transpose(0, 1);
        };
        auto o =
            causalAttention(heads(0), heads(1), heads(2)).transpose(0, 1).reshape({length, hidden});
        o = torch::matmul(o, w.at(p + "attn.c_proj.weight")) + w.at(p + "attn.c_proj.bias");
        x = x + o;
        auto m = layerNorm(x, w.at(p + "ln_2.weight"), w.at(p + "ln_2.bias"), s.eps);
        m = geluNew(torch::matmul(m, w.at(p + "mlp.c_fc.weight")) + w.at(p + "mlp.c_fc.bias"));
        m = torch::matmul(m, w.at(p + "mlp.c_proj.weight")) + w.at(p + "mlp.c_proj.bias");
        x = x + m;
    }
    x = layerNorm(x, w.at("transformer.ln_f.weight"), w.at("transformer.ln_f.bias"), s.eps);
    return torch::matmul(x, w.at("transformer.wte.weight").t());
}

// Rotary by the formula, element by element: for j < r/2 with angle t * base^(-2j/r),
// y_j = x_j cos - x_{j+r/2} sin, y_{j+r/2} = x_{j+r/2} cos + x_j sin; dims >= r untouched.
inline torch::Tensor rotaryReference(const torch::Tensor& x, int64_t r, double base) {
    auto y = x.clone();
    const int64_t heads = x.size(0), length = x.size(1);
    auto xa = x.accessor<double, 3>();
    auto ya = y.accessor<double, 3>();
    for (int64_t h = 0; h < heads; ++h)
        for (int64_t t = 0; t < length; ++t)
            for (int64_t j = 0; j < r / 2; ++j) {
                const double angle =
                    static_cast<double>(t) *
                    std::pow(base, -2.0 * static_cast<double>(j) / static_cast<double>(r));
                const double c = std::cos(angle), sn = std::sin(angle);
                ya[h][t][j] = xa[h][t][j] * c - xa[h][t][j + r / 2] * sn;
                ya[h][t][j + r / 2] = xa[h][t][j + r / 2] * c + xa[h][t][j] * sn;
            }
    return y;
}

// GPTNeoXForCausalLM.forward, following modeling_gpt_neox.py: query_key_value output viewed
// [L, heads, 3 * head_dim] and split per head; partial rotary; parallel or sequential residual.
inline torch::Tensor neoxReference(const Weights& w0, const RefShape& s,
                                   const std::vector<int64_t>& ids) {
    Weights w;
    for (const auto& [k, v] : w0)
        w[k] = v.to(torch::kFloat64);
    const int64_t length = static_cast<int64_t>(ids.size());
    auto x = w.at("gpt_neox.embed_in.weight").index_select(0, torch::tensor(ids, torch::kInt64));
    const int64_t hidden = x.size(1), hd = hidden / s.heads;
    auto linear = [&](const torch::Tensor& in, const std::string& name) {
        return torch::matmul(in, w.at(name + ".weight").t()) + w.at(name + ".bias");
    };
    for (int64_t i = 0; i < s.layers; ++i) {
        const std::string p = "gpt_neox.layers." + std::to_string(i) + ".";
        auto a = layerNorm(x, w.at(p + "input_layernorm.weight"), w.at(p + "input_layernorm.bias"),
                           s.eps);
        auto qkv = linear(a, p + "attention.query_key_value").view({length, s.heads, 3 * hd});
        auto q = rotaryReference(qkv.narrow(2, 0, hd).transpose(0, 1).contiguous(), s.rotary_dims,
                                 s.rotary_base);
        auto k = rotaryReference(qkv.narrow(2, hd, hd).transpose(0, 1).contiguous(), s.rotary_dims,
                                 s.rotary_base);
        auto v = qkv.narrow(2, 2 * hd, hd).transpose(0, 1);
        auto o = causalAttention(q, k, v).transpose(0, 1).reshape({length, hidden});
        o = linear(o, p + "attention.dense");
        auto mlp = [&](const torch::Tensor& in) {
            auto m = layerNorm(in, w.at(p + "post_attention_layernorm.weight"),
                               w.at(p + "post_attention_layernorm.bias"), s.eps);
            return linear(geluErf(linear(m, p + "mlp.dense_h_to_4h")), p + "mlp.dense_4h_to_h");
        };
        if (s.parallel) {
            x = x + o + mlp(x);
        } else {
            x = x + o;
            x = x + mlp(x);
        }
    }
    x = layerNorm(x, w.at("gpt_neox.final_layer_norm.weight"),
                  w.at("gpt_neox.final_layer_norm.bias"), s.eps);
    return torch::matmul(x, w.at("embed_out.weight").t());
}

// ---- Checkpoints written by the test ------------------------------------------------------

constexpr int64_t kVocab = 23, kHidden = 12, kHeads = 3, kLayers = 2, kInner = 20, kPositions = 16;

// Random values rounded to what bf16 (and so f16 at this range) represents exactly, so the
// same checkpoint can be written in any of the three dtypes.
}  // namespace rgpb::test::hf
