#include "core/model/T5.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <tuple>

#include "core/model/Safetensors.h"
#include "core/util/Error.h"
#include "core/util/TensorText.h"

namespace rgpb {

torch::Tensor t5RelativeBucket(const torch::Tensor& relative, bool bidirectional,
                               int64_t num_buckets, int64_t max_distance) {
    auto buckets = torch::zeros_like(relative);
    torch::Tensor distance;
    if (bidirectional) {
        num_buckets /= 2;
        buckets = buckets + (relative > 0).to(torch::kInt64) * num_buckets;
        distance = relative.abs();
    } else {
        distance = -torch::clamp_max(relative, 0);  // keys after the query: distance 0
    }
    const int64_t max_exact = num_buckets / 2;
    // float32 as transformers computes it, so the buckets agree at the boundaries.
    auto scaled = torch::log(distance.to(torch::kFloat32) / static_cast<double>(max_exact)) /
                  std::log(static_cast<double>(max_distance) / static_cast<double>(max_exact)) *
                  static_cast<double>(num_buckets - max_exact);
    auto large = (scaled.to(torch::kInt64) + max_exact).clamp_max(num_buckets - 1);
    return buckets + torch::where(distance < max_exact, distance, large);
}

// ---- Modules ------------------------------------------------------------------------------

T5LayerNormImpl::T5LayerNormImpl(int64_t dim, double eps) : eps_(eps) {
    weight = register_parameter("weight", torch::ones({dim}));
}

torch::Tensor T5LayerNormImpl::forward(const torch::Tensor& hidden) {
    auto variance = hidden.to(torch::kFloat32).pow(2).mean(-1, /*keepdim=*/true);
    auto normed = hidden * torch::rsqrt(variance + eps_);
    if (weight.scalar_type() == torch::kHalf || weight.scalar_type() == torch::kBFloat16)
        normed = normed.to(weight.scalar_type());
    return weight * normed;
}

namespace {

torch::nn::Linear plainLinear(int64_t in, int64_t out) {
    return torch::nn::Linear(torch::nn::LinearOptions(in, out).bias(false));
}

// 0 where `allowed` (bool) holds, the float32 minimum elsewhere (as transformers masks).
torch::Tensor additiveMask(const torch::Tensor& allowed) {
    return torch::zeros(allowed.sizes(), torch::TensorOptions().device(allowed.device()))
        .masked_fill_(allowed.logical_not(), std::numeric_limits<float>::lowest());
}

// [B, 1, 1, L] additive mask of a [B, L] key mask (true/1 = real); undefined stays undefined.
torch::Tensor keyMask(const torch::Tensor& mask) {
    if (!mask.defined())
        return {};
    return additiveMask(mask.to(torch::kBool).view({mask.size(0), 1, 1, mask.size(1)}));
}

// `storage` [B, heads, capacity, d] holds `length` tokens; writes x [B, heads, n, d] after them,
// first doubling the capacity (at least 64) when x does not fit, and returns the filled part.
// Under grad mode with an x that requires grad it concatenates instead: writing into storage
// that autograd saved for an earlier step would invalidate that step's backward.
torch::Tensor appendTokens(torch::Tensor& storage, int64_t length, const torch::Tensor& x) {
    if (torch::GradMode::is_enabled() && x.requires_grad()) {
        storage = length > 0 ? torch::cat({storage.narrow(2, 0, length), x}, 2) : x;
        return storage;
    }
    const int64_t needed = length + x.size(2);
    if (!storage.defined() || storage.size(2) < needed ||
        storage.scalar_type() != x.scalar_type()) {
        const int64_t capacity =
            std::max({needed, int64_t(64), storage.defined() ? 2 * storage.size(2) : int64_t(0)});
        auto grown = torch::empty({x.size(0), x.size(1), capacity, x.size(3)}, x.options());
        if (length > 0)
            grown.narrow(2, 0, length).copy_(storage.narrow(2, 0, length));
        storage = grown;
    }
    storage.narrow(2, length, x.size(2)).copy_(x);
    return storage.narrow(2, 0, needed);
}

}  // namespace

// ---- T5Cache ------------------------------------------------------------------------------

torch::Tensor T5Cache::selfKey(size_t block) const {
    return self_keys_.at(block).narrow(2, 0, length_);
}
torch::Tensor T5Cache::selfValue(size_t block) const {
    return self_values_.at(block).narrow(2, 0, length_);
}

std::pair<torch::Tensor, torch::Tensor> T5Cache::appendSelf(size_t block, const torch::Tensor& k,
                                                            const torch::Tensor& v) {
    if (self_keys_.size() <= block) {
        self_keys_.resize(block + 1);
        self_values_.resize(block + 1);
    }
    return {appendTokens(self_keys_[block], length_, k),
            appendTokens(self_values_[block], length_, v)};
}

T5AttentionImpl::T5AttentionImpl(const T5Config& config, bool has_relative_bias)
    : heads_(config.num_heads),
      d_kv_(config.d_kv),
      num_buckets_(config.relative_attention_num_buckets),
      max_distance_(config.relative_attention_max_distance) {
    const int64_t inner = config.num_heads * config.d_kv;
    q = register_module("q", plainLinear(config.d_model, inner));
    k = register_module("k", plainLinear(config.d_model, inner));
    v = register_module("v", plainLinear(config.d_model, inner));
    o = register_module("o", plainLinear(inner, config.d_model));
    if (has_relative_bias) {
        relative_attention_bias = register_module(
            "relative_attention_bias", torch::nn::Embedding(num_buckets_, config.num_heads));
    }
}

torch::Tensor T5AttentionImpl::positionBias(int64_t queries, int64_t keys, bool bidirectional,
                                            const torch::Device& device, int64_t first_query) {
    auto opts = torch::TensorOptions().dtype(torch::kInt64).device(device);
    auto relative = torch::arange(keys, opts).view({1, keys}) -
                    torch::arange(first_query, first_query + queries, opts).view({queries, 1});
    auto buckets = t5RelativeBucket(relative, bidirectional, num_buckets_, max_distance_);
    // [queries, keys, heads] -> [1, heads, queries, keys]
    return relative_attention_bias->forward(buckets).permute({2, 0, 1}).unsqueeze(0);
}

std::pair<torch::Tensor, torch::Tensor> T5AttentionImpl::keysValues(const torch::Tensor& source) {
    const int64_t batch = source.size(0), lk = source.size(1);
    return {k->forward(source).view({batch, lk, heads_, d_kv_}).transpose(1, 2),
            v->forward(source).view({batch, lk, heads_, d_kv_}).transpose(1, 2)};
}

torch::Tensor T5AttentionImpl::forward(const torch::Tensor& hidden, const torch::Tensor& source,
                                       const torch::Tensor& bias) {
    auto [kh, vh] = keysValues(source);
    return attend(hidden, kh, vh, bias);
}

torch::Tensor T5AttentionImpl::attend(const torch::Tensor& hidden, const torch::Tensor& kh,
                                      const torch::Tensor& vh, const torch::Tensor& bias) {
    const int64_t batch = hidden.size(0), lq = hidden.size(1);
    auto qh = q->forward(hidden).view({batch, lq, heads_, d_kv_}).transpose(1, 2);
    auto scores = torch::matmul(qh, kh.transpose(2, 3));  // no 1/sqrt(d_kv) in T5
    if (bias.defined())
        scores = scores + bias;
    auto weights = torch::softmax(scores.to(torch::kFloat32), -1).to(vh.scalar_type());
    auto out = torch::matmul(weights, vh).transpose(1, 2).reshape({batch, lq, heads_ * d_kv_});
    return o->forward(out);
}

T5DenseImpl::T5DenseImpl(const T5Config& config) : activation_(config.activation()) {
    if (config.gated()) {
        wi_0 = register_module("wi_0", plainLinear(config.d_model, config.d_ff));
        wi_1 = register_module("wi_1", plainLinear(config.d_model, config.d_ff));
    } else {
        wi = register_module("wi", plainLinear(config.d_model, config.d_ff));
    }
    wo = register_module("wo", plainLinear(config.d_ff, config.d_model));
}

torch::Tensor T5DenseImpl::forward(const torch::Tensor& hidden) {
    auto act = [&](const torch::Tensor& x) {
        if (activation_ == "relu")
            return torch::relu(x);
        return torch::gelu(x, activation_ == "gelu_new" ? "tanh" : "none");
    };
    if (wi)
        return wo->forward(act(wi->forward(hidden)));
    return wo->forward(act(wi_0->forward(hidden)) * wi_1->forward(hidden));
}

T5LayerSelfAttentionImpl::T5LayerSelfAttentionImpl(const T5Config& config, bool has_relative_bias) {
    SelfAttention = register_module("SelfAttention", T5Attention(config, has_relative_bias));
    layer_norm =
        register_module("layer_norm", T5LayerNorm(config.d_model, config.layer_norm_epsilon));
}

torch::Tensor T5LayerSelfAttentionImpl::forward(const torch::Tensor& hidden,
                                                const torch::Tensor& bias, T5Cache* cache,
                                                size_t block) {
    auto normed = layer_norm->forward(hidden);
    if (cache == nullptr)
        return hidden + SelfAttention->forward(normed, normed, bias);
    auto [k, v] = SelfAttention->keysValues(normed);
    std::tie(k, v) = cache->appendSelf(block, k, v);
    return hidden + SelfAttention->attend(normed, k, v, bias);
}

T5LayerCrossAttentionImpl::T5LayerCrossAttentionImpl(const T5Config& config) {
    EncDecAttention = register_module("EncDecAttention", T5Attention(config, false));
    layer_norm =
        register_module("layer_norm", T5LayerNorm(config.d_model, config.layer_norm_epsilon));
}

torch::Tensor T5LayerCrossAttentionImpl::forward(const torch::Tensor& hidden,
                                                 const torch::Tensor& encoder_hidden,
                                                 const torch::Tensor& bias, const T5Cache* cache,
                                                 size_t block) {
    if (cache == nullptr)
        return hidden + EncDecAttention->forward(layer_norm->forward(hidden), encoder_hidden, bias);
    return hidden + EncDecAttention->attend(layer_norm->forward(hidden), cache->crossKey(block),
                                            cache->crossValue(block), bias);
}

T5LayerFFImpl::T5LayerFFImpl(const T5Config& config) {
    DenseReluDense = register_module("DenseReluDense", T5Dense(config));
    layer_norm =
        register_module("layer_norm", T5LayerNorm(config.d_model, config.layer_norm_epsilon));
}

torch::Tensor T5LayerFFImpl::forward(const torch::Tensor& hidden) {
    return hidden + DenseReluDense->forward(layer_norm->forward(hidden));
}

T5BlockImpl::T5BlockImpl(const T5Config& config, bool decoder, bool has_relative_bias)
    : decoder_(decoder) {
    layer = register_module("layer", torch::nn::ModuleList());
    layer->push_back(T5LayerSelfAttention(config, has_relative_bias));
    if (decoder)
        layer->push_back(T5LayerCrossAttention(config));
    layer->push_back(T5LayerFF(config));
}

T5Attention& T5BlockImpl::selfAttention() {
    return layer->ptr<T5LayerSelfAttentionImpl>(0)->SelfAttention;
}

T5Attention& T5BlockImpl::crossAttention() {
    requireArgument(decoder_, "T5Block::crossAttention", "block", "a decoder block",
                    "an encoder block");
    return layer->ptr<T5LayerCrossAttentionImpl>(1)->EncDecAttention;
}

torch::Tensor T5BlockImpl::forward(const torch::Tensor& hidden, const torch::Tensor& self_bias,
                                   const torch::Tensor& encoder_hidden,
                                   const torch::Tensor& cross_bias, T5Cache* cache, size_t index) {
    auto out = layer->ptr<T5LayerSelfAttentionImpl>(0)->forward(hidden, self_bias, cache, index);
    if (decoder_) {
        out = layer->ptr<T5LayerCrossAttentionImpl>(1)->forward(out, encoder_hidden, cross_bias,
                                                                cache, index);
    }
    return layer->ptr<T5LayerFFImpl>(decoder_ ? 2 : 1)->forward(out);
}

T5StackImpl::T5StackImpl(const T5Config& config, bool decoder) : decoder_(decoder) {
    block = register_module("block", torch::nn::ModuleList());
    const int64_t blocks = decoder ? config.num_decoder_layers : config.num_layers;
    for (int64_t i = 0; i < blocks; ++i)
        block->push_back(T5Block(config, decoder, /*has_relative_bias=*/i == 0));
    final_layer_norm =
        register_module("final_layer_norm", T5LayerNorm(config.d_model, config.layer_norm_epsilon));
}

torch::Tensor T5StackImpl::forward(const torch::Tensor& embeds, const torch::Tensor& self_mask,
                                   const torch::Tensor& encoder_hidden,
                                   const torch::Tensor& cross_mask) {
    const int64_t length = embeds.size(1);
    // The first block's bias table serves every block of the stack.
    auto bias = block->ptr<T5BlockImpl>(0)->selfAttention()->positionBias(
        length, length, /*bidirectional=*/!decoder_, embeds.device());
    if (self_mask.defined())
        bias = bias + self_mask;
    auto hidden = embeds;
    for (size_t i = 0; i < block->size(); ++i)
        hidden = block->ptr<T5BlockImpl>(i)->forward(hidden, bias, encoder_hidden, cross_mask);
    return final_layer_norm->forward(hidden);
}

torch::Tensor T5StackImpl::forwardStep(const torch::Tensor& embeds, T5Cache& cache) {
    requireArgument(decoder_, "T5Stack::forwardStep", "stack", "the decoder", "the encoder");
    const int64_t added = embeds.size(1), start = cache.length(), total = start + added;
    const auto device = embeds.device();
    // Rows start .. start + added - 1 of the full decode's bias over keys 0 .. total - 1.
    auto bias = block->ptr<T5BlockImpl>(0)->selfAttention()->positionBias(
        added, total, /*bidirectional=*/false, device, start);
    if (added > 1) {
        // New query i (position start + i) sees keys j <= start + i.
        auto opts = torch::TensorOptions().dtype(torch::kInt64).device(device);
        auto allowed = torch::arange(total, opts).view({1, total}) <=
                       torch::arange(start, total, opts).view({added, 1});
        bias = bias + additiveMask(allowed.view({1, 1, added, total}));
    }
    auto hidden = embeds;
    for (size_t i = 0; i < block->size(); ++i) {
        hidden = block->ptr<T5BlockImpl>(i)->forward(hidden, bias, cache.encoder_hidden,
                                                     cache.cross_bias_, &cache, i);
    }
    cache.advance(added);
    return final_layer_norm->forward(hidden);
}

// ---- The model ----------------------------------------------------------------------------

namespace {

std::vector<std::pair<std::string, torch::Tensor>> weightsOf(const torch::nn::Module& module) {
    std::vector<std::pair<std::string, torch::Tensor>> out;
    for (const auto& item : module.named_parameters(/*recurse=*/true))
        out.emplace_back(item.key(), item.value());
    return out;
}

}  // namespace

T5Impl::T5Impl(const T5Config& config) : config_(config) {
    config_.validate();
    shared = register_module("shared", torch::nn::Embedding(config_.vocab_size, config_.d_model));
    encoder = register_module("encoder", T5Stack(config_, false));
    decoder = register_module("decoder", T5Stack(config_, true));
    if (!config_.tie_word_embeddings)
        lm_head = register_module("lm_head", plainLinear(config_.d_model, config_.vocab_size));

    // transformers' T5 initialisation (factor 1): embeddings and lm_head N(0, 1); q
    // N(0, (d_model d_kv)^-1/2), k, v and relative_attention_bias N(0, d_model^-1/2), o
    // N(0, (heads d_kv)^-1/2); wi* N(0, d_model^-1/2), wo N(0, d_ff^-1/2); layer norms 1.
    // Parameter order is fixed, so the same torch::manual_seed gives the same weights.
    torch::NoGradGuard no_grad;
    const double model_std = 1.0 / std::sqrt(static_cast<double>(config_.d_model));
    for (auto& [name, w] : weightsOf(*this)) {
        auto ends = [&name = name](const char* suffix) {
            const std::string s(suffix);
            return name.size() >= s.size() &&
                   name.compare(name.size() - s.size(), s.size(), s) == 0;
        };
        double std = model_std;
        if (ends("layer_norm.weight")) {
            w.fill_(1.0);
            continue;
        }
        if (name == "shared.weight" || name == "lm_head.weight")
            std = 1.0;
        else if (ends(".q.weight"))
            std = 1.0 / std::sqrt(static_cast<double>(config_.d_model * config_.d_kv));
        else if (ends(".o.weight"))
            std = 1.0 / std::sqrt(static_cast<double>(config_.num_heads * config_.d_kv));
        else if (ends(".wo.weight"))
            std = 1.0 / std::sqrt(static_cast<double>(config_.d_ff));
        w.normal_(0.0, std);
    }
}

namespace {

void requireIdsAndMask(const torch::Tensor& ids, const torch::Tensor& mask, const char* ids_name,
                       const char* mask_name) {
    const char* where = "T5::forward";
    requireArgument(ids.defined() && ids.dim() == 2 && ids.size(1) > 0, where, ids_name,
                    "[B, L] token ids with L > 0", shapeOf(ids));
    if (mask.defined()) {
        requireArgument(mask.sizes() == ids.sizes(), where, mask_name,
                        std::string("the shape of ") + ids_name + " " + shapeOf(ids),
                        shapeOf(mask));
    }
}

}  // namespace

torch::Tensor T5Impl::encode(const torch::Tensor& input_ids, const torch::Tensor& attention_mask) {
    requireIdsAndMask(input_ids, attention_mask, "input_ids", "attention_mask");
    return encoder->forward(shared->forward(input_ids), keyMask(attention_mask));
}

torch::Tensor T5Impl::decode(const torch::Tensor& decoder_input_ids,
                             const torch::Tensor& decoder_attention_mask,
                             const torch::Tensor& encoder_hidden,
                             const torch::Tensor& encoder_mask) {
    requireIdsAndMask(decoder_input_ids, decoder_attention_mask, "decoder_input_ids",
                      "decoder_attention_mask");
    requireArgument(encoder_hidden.defined() && encoder_hidden.dim() == 3 &&
                        encoder_hidden.size(0) == decoder_input_ids.size(0),
                    "T5::decode", "encoder_hidden",
                    "[B, S, d_model] with the batch of decoder_input_ids", shapeOf(encoder_hidden));
    const int64_t length = decoder_input_ids.size(1);
    const auto device = decoder_input_ids.device();
    // Causal: query i sees keys j <= i, and of those only the real ones.
    auto allowed = torch::ones({1, 1, length, length},
                               torch::TensorOptions().dtype(torch::kBool).device(device))
                       .tril();
    if (decoder_attention_mask.defined()) {
        const int64_t batch = decoder_input_ids.size(0);
        allowed = allowed & decoder_attention_mask.to(torch::kBool).view({batch, 1, 1, length});
    }
    return logitsOf(decoder->forward(shared->forward(decoder_input_ids), additiveMask(allowed),
                                     encoder_hidden, keyMask(encoder_mask)));
}

T5Cache T5Impl::startDecoding(const torch::Tensor& input_ids, const torch::Tensor& attention_mask) {
    T5Cache cache;
    cache.encoder_hidden = encode(input_ids, attention_mask);
    cache.encoder_mask = attention_mask;
    cache.cross_bias_ = keyMask(attention_mask);
    for (size_t i = 0; i < decoder->block->size(); ++i) {
        auto [k, v] =
            decoder->block->ptr<T5BlockImpl>(i)->crossAttention()->keysValues(cache.encoder_hidden);
        cache.cross_keys_.push_back(k);
        cache.cross_values_.push_back(v);
    }
    return cache;
}

torch::Tensor T5Impl::decodeStep(const torch::Tensor& decoder_input_ids, T5Cache& cache) {
    requireIdsAndMask(decoder_input_ids, {}, "decoder_input_ids", "");
    requireArgument(cache.encoder_hidden.defined() &&
                        cache.blocks() == static_cast<int64_t>(decoder->block->size()),
                    "T5::decodeStep", "cache", "a cache from this model's startDecoding()",
                    "a cache that was not started");
    requireArgument(decoder_input_ids.size(0) == cache.encoder_hidden.size(0), "T5::decodeStep",
                    "decoder_input_ids",
                    detail::concat("the cache's batch of ", cache.encoder_hidden.size(0), " rows"),
                    shapeOf(decoder_input_ids));
    return logitsOf(decoder->forwardStep(shared->forward(decoder_input_ids), cache));
}

torch::Tensor T5Impl::logitsOf(const torch::Tensor& decoder_hidden) {
    auto hidden = decoder_hidden;
    if (config_.tie_word_embeddings) {
        // v1.0 rescales before the tied head (the embedding matrix is N(0, 1)).
        hidden = hidden * (1.0 / std::sqrt(static_cast<double>(config_.d_model)));
        return torch::nn::functional::linear(hidden, shared->weight);
    }
    return lm_head->forward(hidden);
}

torch::Tensor T5Impl::forward(const torch::Tensor& input_ids, const torch::Tensor& attention_mask,
                              const torch::Tensor& decoder_input_ids,
                              const torch::Tensor& decoder_attention_mask) {
    auto encoded = encode(input_ids, attention_mask);
    return decode(decoder_input_ids, decoder_attention_mask, encoded, attention_mask);
}

// ---- Weights ------------------------------------------------------------------------------

std::vector<std::pair<std::string, torch::Tensor>> namedWeights(T5& model) {
    return weightsOf(*model);
}

namespace {

// Names transformers may store besides the weights: tied copies of `shared` and a cross-attention
// bias table older checkpoints carry (transformers ignores it too).
bool tiedAlias(const std::string& name, bool tied) {
    static const std::string kCrossBias = "layer.1.EncDecAttention.relative_attention_bias.weight";
    return name == "encoder.embed_tokens.weight" || name == "decoder.embed_tokens.weight" ||
           (tied && name == "lm_head.weight") ||
           (name.rfind("decoder.block.", 0) == 0 && name.size() > kCrossBias.size() &&
            name.compare(name.size() - kCrossBias.size(), kCrossBias.size(), kCrossBias) == 0);
}

}  // namespace

void loadT5Tensors(T5& model, const std::map<std::string, torch::Tensor>& tensors,
                   const std::map<std::string, std::string>& files, const std::string& source) {
    auto fileOf = [&](const std::string& name) {
        auto it = files.find(name);
        return it != files.end() ? it->second : source;
    };
    const bool tied = model->config().tie_word_embeddings;
    auto weights = namedWeights(model);
    std::vector<const torch::Tensor*> sources;
    for (const auto& [name, param] : weights) {
        auto it = tensors.find(name);
        if (it == tensors.end() && name == "shared.weight")
            it = tensors.find("encoder.embed_tokens.weight");  // a file without `shared`
        if (it == tensors.end()) {
            throw InputError(source, "tensor '" + name + "' is missing (the model expects shape " +
                                         shapeText(param.sizes()) + ")");
        }
        if (it->second.sizes() != param.sizes()) {
            throw InputError(fileOf(it->first), "tensor '" + it->first + "' has shape " +
                                                    shapeText(it->second.sizes()) +
                                                    ", the model expects " +
                                                    shapeText(param.sizes()));
        }
        if (!it->second.is_floating_point()) {
            throw InputError(fileOf(it->first),
                             "tensor '" + it->first + "' has dtype " +
                                 std::string(c10::toString(it->second.scalar_type())) +
                                 ", a weight must be F64, F32, F16 or BF16");
        }
        sources.push_back(&it->second);
    }
    const auto params = model->named_parameters();
    for (const auto& [name, tensor] : tensors) {
        if (params.find(name) == nullptr && !tiedAlias(name, tied)) {
            throw InputError(fileOf(name), "unexpected tensor '" + name + "' (shape " +
                                               shapeText(tensor.sizes()) +
                                               "), not a weight of this T5 ('" +
                                               model->config().name + "')");
        }
    }
    torch::NoGradGuard no_grad;
    for (size_t i = 0; i < weights.size(); ++i)
        weights[i].second.copy_(*sources[i]);
}

void loadT5Weights(T5& model, const std::string& path) {
    SafetensorsFile file = loadSafetensors(path);
    loadT5Tensors(model,
                  std::map<std::string, torch::Tensor>(file.tensors.begin(), file.tensors.end()),
                  {}, path);
}

void saveT5Weights(T5& model, const std::string& path,
                   const std::map<std::string, std::string>& metadata) {
    auto meta = metadata;
    meta.emplace("format", "pt");
    saveSafetensors(path, namedWeights(model), meta);
}

}  // namespace rgpb
