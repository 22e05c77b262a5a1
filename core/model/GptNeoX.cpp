#include "core/model/GptNeoX.h"

#include <torch/version.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>

#include "core/util/Error.h"
#include "core/util/TensorText.h"

// at::scaled_dot_product_attention (fused flash / memory-efficient kernels) exists from 2.0.
#if TORCH_VERSION_MAJOR >= 2
#define RGPB_HAS_SDPA 1
#else
#define RGPB_HAS_SDPA 0
#endif

namespace rgpb {

// ---- KVCache ------------------------------------------------------------------------------

void KVCache::reset() {
    keys_.clear();
    values_.clear();
    mask_ = torch::Tensor();
    length_ = 0;
}

torch::Tensor KVCache::key(size_t layer) const {
    return keys_.at(layer).narrow(2, 0, length_);
}
torch::Tensor KVCache::value(size_t layer) const {
    return values_.at(layer).narrow(2, 0, length_);
}

std::pair<torch::Tensor, torch::Tensor> KVCache::append(size_t layer, const torch::Tensor& k,
                                                        const torch::Tensor& v,
                                                        int64_t max_positions) {
    if (keys_.size() <= layer) {
        keys_.resize(layer + 1);
        values_.resize(layer + 1);
    }
    torch::Tensor& keys = keys_[layer];
    torch::Tensor& values = values_[layer];
    const int64_t added = k.size(2), needed = length_ + added;
    if (torch::GradMode::is_enabled() && (k.requires_grad() || v.requires_grad())) {
        // Writing into shared storage would break tensors autograd saved earlier.
        if (length_ > 0) {
            keys = torch::cat({keys.narrow(2, 0, length_), k}, 2);
            values = torch::cat({values.narrow(2, 0, length_), v}, 2);
        } else {
            keys = k;
            values = v;
        }
        return {keys, values};
    }
    if (!keys.defined() || keys.size(2) < needed || keys.scalar_type() != k.scalar_type()) {
        const int64_t old = keys.defined() ? keys.size(2) : 0;
        const int64_t capacity =
            std::max(needed, std::min(max_positions, std::max<int64_t>(2 * old, 64)));
        auto grown_k = torch::empty({k.size(0), k.size(1), capacity, k.size(3)}, k.options());
        auto grown_v = torch::empty({v.size(0), v.size(1), capacity, v.size(3)}, v.options());
        if (length_ > 0) {
            grown_k.narrow(2, 0, length_).copy_(keys.narrow(2, 0, length_));
            grown_v.narrow(2, 0, length_).copy_(values.narrow(2, 0, length_));
        }
        keys = grown_k;
        values = grown_v;
    }
    keys.narrow(2, length_, added).copy_(k);
    values.narrow(2, length_, added).copy_(v);
    return {keys.narrow(2, 0, needed), values.narrow(2, 0, needed)};
}

// ---- Rotary -------------------------------------------------------------------------------

std::pair<torch::Tensor, torch::Tensor> rotaryCosSin(const torch::Tensor& positions, int64_t dims,
                                                     double base) {
    // Float32 throughout, as HF computes its tables, so checkpoints match it bit for bit.
    const auto fopts = torch::TensorOptions().dtype(torch::kFloat32).device(positions.device());
    auto exponents = torch::arange(0, dims, 2, fopts) / static_cast<double>(dims);
    auto inv_freq = 1.0 / torch::pow(torch::full({}, base, fopts), exponents);
    auto freqs = positions.to(torch::kFloat32).unsqueeze(-1) * inv_freq;
    auto emb = torch::cat({freqs, freqs}, -1);
    return {emb.cos(), emb.sin()};
}

torch::Tensor applyRotary(const torch::Tensor& x, const torch::Tensor& cos,
                          const torch::Tensor& sin) {
    const int64_t half = x.size(-1) / 2;
    auto rotated = torch::cat({-x.narrow(-1, half, half), x.narrow(-1, 0, half)}, -1);
    return x * cos + rotated * sin;
}

namespace {

// Rotary on the first `dims` of the last axis, the rest passed through.
torch::Tensor rotaryPartial(const torch::Tensor& x, const torch::Tensor& cos,
                            const torch::Tensor& sin, int64_t dims) {
    const int64_t head_dim = x.size(-1);
    if (dims == head_dim)
        return applyRotary(x, cos, sin);
    return torch::cat(
        {applyRotary(x.narrow(-1, 0, dims), cos, sin), x.narrow(-1, dims, head_dim - dims)}, -1);
}

}  // namespace

// ---- Modules ------------------------------------------------------------------------------

GptNeoXAttentionImpl::GptNeoXAttentionImpl(const ModelConfig& config)
    : heads_(config.num_heads),
      head_dim_(config.headDim()),
      rotary_dims_(config.rotaryDims()),
      max_positions_(config.max_positions) {
    const int64_t h = config.hidden_size;
    query_key_value = register_module("query_key_value", torch::nn::Linear(h, 3 * h));
    dense = register_module("dense", torch::nn::Linear(h, h));
}

torch::Tensor GptNeoXAttentionImpl::forward(const torch::Tensor& hidden,
                                            const AttentionContext& ctx, KVCache* cache,
                                            size_t layer) {
    const int64_t batch = hidden.size(0), length = hidden.size(1);
    // HF's fused layout: per head, [q | k | v] of head_dim each.
    auto qkv = query_key_value->forward(hidden).view({batch, length, heads_, 3 * head_dim_});
    auto q = qkv.narrow(3, 0, head_dim_).permute({0, 2, 1, 3});
    auto k = qkv.narrow(3, head_dim_, head_dim_).permute({0, 2, 1, 3});
    auto v = qkv.narrow(3, 2 * head_dim_, head_dim_).permute({0, 2, 1, 3});
    if (rotary_dims_ > 0) {
        // Under autocast q is half precision while the tables are float32: keep q's dtype.
        const auto dtype = q.scalar_type();
        const auto cos = ctx.cos.scalar_type() == dtype ? ctx.cos : ctx.cos.to(dtype);
        const auto sin = ctx.sin.scalar_type() == dtype ? ctx.sin : ctx.sin.to(dtype);
        q = rotaryPartial(q, cos, sin, rotary_dims_);
        k = rotaryPartial(k, cos, sin, rotary_dims_);
    }
    if (cache != nullptr)
        std::tie(k, v) = cache->append(layer, k, v, max_positions_);

#if RGPB_HAS_SDPA
    c10::optional<torch::Tensor> mask;
    if (ctx.allowed.defined())
        mask = ctx.allowed;
    auto out = at::scaled_dot_product_attention(q, k, v, mask, 0.0, ctx.causal_only);
#else
    // scores = bias + q k^T / sqrt(d) in one batched product (no separate scale and mask
    // passes over the scores, forward or backward), then softmax and the values.
    const int64_t heads = batch * heads_, total = k.size(2);
    const auto q3 = q.reshape({heads, length, head_dim_});
    const auto k3 = k.reshape({heads, total, head_dim_});
    const auto v3 = v.reshape({heads, total, head_dim_});
    const double scale = 1.0 / std::sqrt(static_cast<double>(head_dim_));
    torch::Tensor scores;
    if (!ctx.bias.defined()) {
        scores = torch::bmm(q3, k3.transpose(1, 2)).mul_(scale);
    } else {
        const torch::Tensor bias =
            ctx.bias.dim() == 3
                ? ctx.bias  // [1, L, T]: broadcast over batch and heads
                : ctx.bias.expand({batch, heads_, length, total}).reshape({heads, length, total});
        scores = torch::baddbmm(bias.to(q3.scalar_type()), q3, k3.transpose(1, 2), 1.0, scale);
    }
    auto out = torch::bmm(torch::softmax(scores, -1), v3).view({batch, heads_, length, head_dim_});
#endif
    out = out.permute({0, 2, 1, 3}).reshape({batch, length, heads_ * head_dim_});
    return dense->forward(out);
}

GptNeoXMlpImpl::GptNeoXMlpImpl(const ModelConfig& config)
    : tanh_gelu_(config.hidden_act == "gelu_new") {
    dense_h_to_4h = register_module(
        "dense_h_to_4h", torch::nn::Linear(config.hidden_size, config.intermediate_size));
    dense_4h_to_h = register_module(
        "dense_4h_to_h", torch::nn::Linear(config.intermediate_size, config.hidden_size));
}

torch::Tensor GptNeoXMlpImpl::forward(const torch::Tensor& hidden) {
    // Exact (erf) GELU: HF's "gelu"; the tanh approximation is HF's "gelu_new" (GPT-2).
    return dense_4h_to_h->forward(
        torch::gelu(dense_h_to_4h->forward(hidden), tanh_gelu_ ? "tanh" : "none"));
}

GptNeoXLayerImpl::GptNeoXLayerImpl(const ModelConfig& config)
    : parallel_residual_(config.parallel_residual) {
    auto ln = torch::nn::LayerNormOptions({config.hidden_size}).eps(config.layer_norm_eps);
    input_layernorm = register_module("input_layernorm", torch::nn::LayerNorm(ln));
    post_attention_layernorm =
        register_module("post_attention_layernorm", torch::nn::LayerNorm(ln));
    attention = register_module("attention", GptNeoXAttention(config));
    mlp = register_module("mlp", GptNeoXMlp(config));
}

torch::Tensor GptNeoXLayerImpl::forward(const torch::Tensor& hidden, const AttentionContext& ctx,
                                        KVCache* cache, size_t layer) {
    auto attn = attention->forward(input_layernorm->forward(hidden), ctx, cache, layer);
    if (parallel_residual_) {
        return hidden + attn + mlp->forward(post_attention_layernorm->forward(hidden));
    }
    auto mid = hidden + attn;
    return mid + mlp->forward(post_attention_layernorm->forward(mid));
}

GptNeoXBodyImpl::GptNeoXBodyImpl(const ModelConfig& config) {
    embed_in =
        register_module("embed_in", torch::nn::Embedding(config.vocab_size, config.hidden_size));
    if (config.learned_positions) {
        embed_pos = register_module("embed_pos",
                                    torch::nn::Embedding(config.max_positions, config.hidden_size));
    }
    layers = register_module("layers", torch::nn::ModuleList());
    for (int64_t i = 0; i < config.num_layers; ++i)
        layers->push_back(GptNeoXLayer(config));
    final_layer_norm = register_module(
        "final_layer_norm",
        torch::nn::LayerNorm(
            torch::nn::LayerNormOptions({config.hidden_size}).eps(config.layer_norm_eps)));
}

GptNeoXImpl::GptNeoXImpl(const ModelConfig& config) : config_(config) {
    config_.validate();
    gpt_neox = register_module("gpt_neox", GptNeoXBody(config_));
    if (!config_.tie_word_embeddings) {
        embed_out = register_module(
            "embed_out",
            torch::nn::Linear(
                torch::nn::LinearOptions(config_.hidden_size, config_.vocab_size).bias(false)));
    }
    auto positions = torch::arange(config_.max_positions, torch::kInt64);
    auto [cos, sin] = rotaryCosSin(positions, config_.rotaryDims(), config_.rotary_base);
    rotary_cos_ = register_buffer("rotary_cos", cos);
    rotary_sin_ = register_buffer("rotary_sin", sin);

    // GPT-NeoX init: N(0, 0.02) weights, zero biases, LayerNorm (1, 0). Module order is fixed,
    // so the same torch::manual_seed gives the same weights.
    torch::NoGradGuard no_grad;
    for (const auto& module : modules(/*include_self=*/false)) {
        if (auto* linear = module->as<torch::nn::Linear>()) {
            linear->weight.normal_(0.0, 0.02);
            if (linear->bias.defined())
                linear->bias.zero_();
        } else if (auto* embedding = module->as<torch::nn::Embedding>()) {
            embedding->weight.normal_(0.0, 0.02);
        } else if (auto* norm = module->as<torch::nn::LayerNorm>()) {
            norm->weight.fill_(1.0);
            norm->bias.zero_();
        }
    }
}

AttentionContext GptNeoXImpl::attentionContext(int64_t batch, int64_t length,
                                               const torch::Tensor& attention_mask, KVCache* cache,
                                               const torch::Device& device) {
    AttentionContext ctx;
    const int64_t past = cache != nullptr ? cache->length() : 0, total = past + length;
    const int64_t dims = config_.rotaryDims();
    const bool padded = attention_mask.defined() || (cache != nullptr && cache->mask_.defined());
    auto bool_opts = torch::TensorOptions().dtype(torch::kBool).device(device);
    torch::Tensor real;  // [B, total] bool, only when padded
    if (!padded) {
        if (dims > 0) {
            ctx.cos = rotary_cos_.narrow(0, past, length).view({1, 1, length, dims});
            ctx.sin = rotary_sin_.narrow(0, past, length).view({1, 1, length, dims});
        }
        if (config_.learned_positions) {
            ctx.positions =
                torch::arange(past, past + length,
                              torch::TensorOptions().dtype(torch::kInt64).device(device))
                    .view({1, length});
        }
    } else {
        auto fresh = attention_mask.defined() ? attention_mask.to(torch::kBool)
                                              : torch::ones({batch, length}, bool_opts);
        if (past > 0) {
            auto before =
                cache->mask_.defined() ? cache->mask_ : torch::ones({batch, past}, bool_opts);
            real = torch::cat({before, fresh}, 1);
        } else {
            real = fresh;
        }
        if (cache != nullptr)
            cache->mask_ = real;
        // Each row counts only its real tokens, so left padding does not shift positions.
        auto positions = (real.cumsum(1) - 1).clamp_min(0).narrow(1, past, length).reshape(-1);
        if (dims > 0) {
            ctx.cos = rotary_cos_.index_select(0, positions).view({batch, 1, length, dims});
            ctx.sin = rotary_sin_.index_select(0, positions).view({batch, 1, length, dims});
        }
        if (config_.learned_positions)
            ctx.positions = positions.view({batch, length});
    }

    if (!padded && length == 1)
        return ctx;  // one new token sees everything cached
    auto long_opts = torch::TensorOptions().dtype(torch::kInt64).device(device);
    auto key_index = torch::arange(total, long_opts).view({1, total});
    auto query_index = (torch::arange(length, long_opts) + past).view({length, 1});
    auto allowed = key_index <= query_index;  // [L, total] causal
    if (padded) {
        // A padding query keeps only itself: its row stays finite and no real query sees it.
        allowed = (allowed & real.view({batch, 1, 1, total})) | (key_index == query_index);
    } else {
        allowed = allowed.view({1, 1, length, total});
        ctx.causal_only = past == 0;
    }
#if RGPB_HAS_SDPA
    if (!ctx.causal_only)
        ctx.allowed = allowed;
#else
    ctx.bias = torch::zeros(allowed.sizes(), torch::TensorOptions().device(device))
                   .masked_fill_(allowed.logical_not(), -std::numeric_limits<double>::infinity());
    if (!padded)
        ctx.bias = ctx.bias.view({1, length, total});
#endif
    return ctx;
}

torch::Tensor GptNeoXImpl::forward(const torch::Tensor& input_ids,
                                   const torch::Tensor& attention_mask, KVCache* cache) {
    const char* where = "GptNeoX::forward";
    requireArgument(input_ids.defined() && input_ids.dim() == 2 && input_ids.size(1) > 0, where,
                    "input_ids", "[B, L] token ids with L > 0",
                    input_ids.defined() ? shapeOf(input_ids) : "undefined");
    const int64_t batch = input_ids.size(0), length = input_ids.size(1);
    if (attention_mask.defined()) {
        requireArgument(attention_mask.sizes() == input_ids.sizes(), where, "attention_mask",
                        "the shape of input_ids " + shapeOf(input_ids), shapeOf(attention_mask));
    }
    const int64_t past = cache != nullptr ? cache->length() : 0;
    if (cache != nullptr && past > 0) {
        requireArgument(cache->keys_.front().size(0) == batch, where, "cache",
                        "a cache for batch size " + std::to_string(batch),
                        cache->keys_.front().size(0));
    }
    requireArgument(past + length <= config_.max_positions, where, "input_ids",
                    "at most max_positions = " + std::to_string(config_.max_positions) +
                        " tokens including the cache",
                    past + length, " (", past, " cached + ", length, " new)");

    const auto ctx = attentionContext(batch, length, attention_mask, cache, input_ids.device());
    auto hidden = gpt_neox->embed_in->forward(input_ids);
    if (config_.learned_positions)
        hidden = hidden + gpt_neox->embed_pos->forward(ctx.positions);
    const auto& layers = *gpt_neox->layers;
    for (size_t i = 0; i < layers.size(); ++i) {
        hidden = layers.ptr<GptNeoXLayerImpl>(i)->forward(hidden, ctx, cache, i);
    }
    if (cache != nullptr)
        cache->advance(length);
    hidden = gpt_neox->final_layer_norm->forward(hidden);
    if (config_.tie_word_embeddings)
        return torch::nn::functional::linear(hidden, gpt_neox->embed_in->weight);
    return embed_out->forward(hidden);
}

std::vector<std::pair<std::string, torch::Tensor>> namedWeights(GptNeoX& model) {
    std::vector<std::pair<std::string, torch::Tensor>> out;
    for (const auto& item : model->named_parameters(/*recurse=*/true)) {
        out.emplace_back(item.key(), item.value());
    }
    return out;
}

}  // namespace rgpb
