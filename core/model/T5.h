// The T5 encoder-decoder (Raffel et al. 2020), numerically and by parameter name the same as
// Hugging Face's T5ForConditionalGeneration, so T5 v1.0 (t5-small, ...) and v1.1 / flan-t5
// safetensors folders load here by name. Implementation header: includes LibTorch; the GUI
// never includes it. Dropout is off (the workbench trains without it).
//
// Shapes: input_ids [B, S] and decoder_input_ids [B, T] int64; masks [B, S] / [B, T] bool or
// integer, true/1 on real tokens (undefined = all real); logits [B, T, V]. Inside: hidden
// [B, L, d_model]; q, k, v [B, heads, L, d_kv]; attention scores [B, heads, Lq, Lk] = q k^T
// (no 1/sqrt(d_kv): T5 folds it into the weights' initialisation) + position bias + mask.
//
// Each stack's first block holds relative_attention_bias [num_buckets, heads]; the bias it
// gives (bidirectional buckets in the encoder, causal ones in the decoder) is added in every
// block of that stack. Cross-attention has no position bias. Masked keys get the float32
// minimum added (as transformers does), so even an all-masked row stays finite.
//
// Incremental decoding (generation): startDecoding() runs the encoder once and computes every
// decoder block's cross-attention keys/values of its output once; decodeStep() then feeds new
// decoder tokens, whose self-attention keys/values are appended to a T5Cache. A query at
// decoder position p gets the same relative position bias as row p of a full decode().
#pragma once

#include <torch/torch.h>

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "core/model/T5Config.h"

namespace rgpb {

// The state of one batch's incremental decoding: the encoder's output and mask, and per decoder
// block the cross-attention keys/values of the encoder output (computed once, by startDecoding)
// and the self-attention keys/values of the decoder tokens so far. Self-attention storage is
// preallocated and grown by doubling, so a step writes its tokens' slots instead of
// re-concatenating the history; under grad mode (inputs that require grad) it concatenates
// instead, so autograd stays valid. Decoder rows have no padding: every row takes every step.
struct T5Cache {
    torch::Tensor encoder_hidden;  // [B, S, d_model], the encoder's output
    torch::Tensor encoder_mask;    // [B, S] true/1 on real tokens; undefined = all real

    int64_t length() const { return length_; }  // decoder tokens cached per row
    int64_t blocks() const { return static_cast<int64_t>(cross_keys_.size()); }
    // Decoder block `block`'s keys/values, [B, heads, length(), d_kv] (views into the storage).
    torch::Tensor selfKey(size_t block) const;
    torch::Tensor selfValue(size_t block) const;
    // The cross-attention keys/values of encoder_hidden, [B, heads, S, d_kv].
    const torch::Tensor& crossKey(size_t block) const { return cross_keys_.at(block); }
    const torch::Tensor& crossValue(size_t block) const { return cross_values_.at(block); }

private:
    friend class T5Impl;
    friend class T5StackImpl;
    friend class T5LayerSelfAttentionImpl;
    friend class T5LayerCrossAttentionImpl;
    // Writes k, v [B, heads, n, d_kv] after the length() cached tokens of `block`; returns the
    // keys/values [B, heads, length() + n, d_kv]. length() advances once per step (advance()).
    std::pair<torch::Tensor, torch::Tensor> appendSelf(size_t block, const torch::Tensor& k,
                                                       const torch::Tensor& v);
    void advance(int64_t tokens) { length_ += tokens; }

    std::vector<torch::Tensor> self_keys_, self_values_;    // [B, heads, capacity, d_kv]
    std::vector<torch::Tensor> cross_keys_, cross_values_;  // [B, heads, S, d_kv]
    torch::Tensor cross_bias_;  // [B, 1, 1, S] additive key mask; undefined = all real
    int64_t length_ = 0;
};

// HF's _relative_position_bucket: `relative` = key position - query position (int64, any
// shape) -> bucket ids in [0, num_buckets). Bidirectional: half the buckets for keys after the
// query; causal: keys after the query share bucket 0. Within each half, distances below
// half-of-the-half get a bucket each, larger ones log-spaced buckets up to max_distance.
torch::Tensor t5RelativeBucket(const torch::Tensor& relative, bool bidirectional,
                               int64_t num_buckets, int64_t max_distance);

// T5's layer norm: x / sqrt(mean(x^2) + eps) * weight (no mean subtraction, no bias), the
// mean of squares in float32.
class T5LayerNormImpl : public torch::nn::Module {
public:
    T5LayerNormImpl(int64_t dim, double eps);
    torch::Tensor forward(const torch::Tensor& hidden);
    torch::Tensor weight;

private:
    double eps_;
};
TORCH_MODULE(T5LayerNorm);

class T5AttentionImpl : public torch::nn::Module {
public:
    T5AttentionImpl(const T5Config& config, bool has_relative_bias);
    // hidden [B, Lq, d_model] attends to source [B, Lk, d_model] (hidden itself for
    // self-attention) with `bias` broadcastable to [B, heads, Lq, Lk] (undefined = none).
    torch::Tensor forward(const torch::Tensor& hidden, const torch::Tensor& source,
                          const torch::Tensor& bias);
    // The keys and values of `source` [B, Lk, d_model], split by head: [B, heads, Lk, d_kv].
    std::pair<torch::Tensor, torch::Tensor> keysValues(const torch::Tensor& source);
    // hidden [B, Lq, d_model] attends to given keys/values [B, heads, Lk, d_kv].
    torch::Tensor attend(const torch::Tensor& hidden, const torch::Tensor& keys,
                         const torch::Tensor& values, const torch::Tensor& bias);
    // The relative position bias of queries at positions first_query, ..., first_query +
    // queries - 1 against keys at 0, ..., keys - 1: [1, heads, queries, keys]. Only on the
    // module that has relative_attention_bias.
    torch::Tensor positionBias(int64_t queries, int64_t keys, bool bidirectional,
                               const torch::Device& device, int64_t first_query = 0);

    torch::nn::Linear q{nullptr}, k{nullptr}, v{nullptr}, o{nullptr};
    torch::nn::Embedding relative_attention_bias{nullptr};

private:
    int64_t heads_, d_kv_, num_buckets_, max_distance_;
};
TORCH_MODULE(T5Attention);

// HF's T5DenseActDense (wi, wo) or, gated, T5DenseGatedActDense (wi_0, wi_1, wo); both are
// named DenseReluDense in the checkpoint.
class T5DenseImpl : public torch::nn::Module {
public:
    explicit T5DenseImpl(const T5Config& config);
    torch::Tensor forward(const torch::Tensor& hidden);
    torch::nn::Linear wi{nullptr}, wi_0{nullptr}, wi_1{nullptr}, wo{nullptr};

private:
    std::string activation_;
};
TORCH_MODULE(T5Dense);

// layer.0 (self-attention), layer.1 (cross-attention, decoder) and the last (feed-forward) of a
// block: pre-norm residual sub-layers, x + f(layer_norm(x)).
class T5LayerSelfAttentionImpl : public torch::nn::Module {
public:
    T5LayerSelfAttentionImpl(const T5Config& config, bool has_relative_bias);
    // With a cache, hidden holds the new tokens only; their keys/values join `block`'s cache.
    torch::Tensor forward(const torch::Tensor& hidden, const torch::Tensor& bias,
                          T5Cache* cache = nullptr, size_t block = 0);
    T5Attention SelfAttention{nullptr};
    T5LayerNorm layer_norm{nullptr};
};
TORCH_MODULE(T5LayerSelfAttention);

class T5LayerCrossAttentionImpl : public torch::nn::Module {
public:
    explicit T5LayerCrossAttentionImpl(const T5Config& config);
    // With a cache, the cache's keys/values of `block` stand for encoder_hidden's.
    torch::Tensor forward(const torch::Tensor& hidden, const torch::Tensor& encoder_hidden,
                          const torch::Tensor& bias, const T5Cache* cache = nullptr,
                          size_t block = 0);
    T5Attention EncDecAttention{nullptr};
    T5LayerNorm layer_norm{nullptr};
};
TORCH_MODULE(T5LayerCrossAttention);

class T5LayerFFImpl : public torch::nn::Module {
public:
    explicit T5LayerFFImpl(const T5Config& config);
    torch::Tensor forward(const torch::Tensor& hidden);
    T5Dense DenseReluDense{nullptr};
    T5LayerNorm layer_norm{nullptr};
};
TORCH_MODULE(T5LayerFF);

// block.i of a stack: layer.0 self-attention, [layer.1 cross-attention,] feed-forward.
class T5BlockImpl : public torch::nn::Module {
public:
    T5BlockImpl(const T5Config& config, bool decoder, bool has_relative_bias);
    // With a cache (decoder only), hidden holds the new tokens and `index` is this block's.
    torch::Tensor forward(const torch::Tensor& hidden, const torch::Tensor& self_bias,
                          const torch::Tensor& encoder_hidden, const torch::Tensor& cross_bias,
                          T5Cache* cache = nullptr, size_t index = 0);
    T5Attention& selfAttention();
    T5Attention& crossAttention();  // decoder blocks only
    torch::nn::ModuleList layer{nullptr};

private:
    bool decoder_;
};
TORCH_MODULE(T5Block);

// An encoder (`decoder` false) or decoder stack: block.i.layer.{0,1[,2]}, final_layer_norm.
// The token embedding is the model's `shared` (not a parameter of the stack).
class T5StackImpl : public torch::nn::Module {
public:
    T5StackImpl(const T5Config& config, bool decoder);
    // embeds [B, L, d_model]; self_mask broadcastable to [B, 1, L, L] (additive, 0 or min);
    // decoder: encoder_hidden [B, S, d_model] and cross_mask broadcastable to [B, 1, L, S].
    torch::Tensor forward(const torch::Tensor& embeds, const torch::Tensor& self_mask,
                          const torch::Tensor& encoder_hidden = {},
                          const torch::Tensor& cross_mask = {});
    // Decoder only: the new tokens' embeds [B, n, d_model] at positions cache.length(), ...,
    // cache.length() + n - 1, attending causally to the cached tokens and themselves; extends
    // the cache by n.
    torch::Tensor forwardStep(const torch::Tensor& embeds, T5Cache& cache);
    torch::nn::ModuleList block{nullptr};
    T5LayerNorm final_layer_norm{nullptr};

private:
    bool decoder_;
};
TORCH_MODULE(T5Stack);

class T5Impl : public torch::nn::Module {
public:
    explicit T5Impl(const T5Config& config);
    // Logits [B, T, V] of the decoder tokens given the encoder input.
    torch::Tensor forward(const torch::Tensor& input_ids, const torch::Tensor& attention_mask,
                          const torch::Tensor& decoder_input_ids,
                          const torch::Tensor& decoder_attention_mask = {});
    // The encoder's output [B, S, d_model].
    torch::Tensor encode(const torch::Tensor& input_ids, const torch::Tensor& attention_mask);
    // Logits [B, T, V] from the encoder's output (encoder_mask: the encoder's attention_mask).
    torch::Tensor decode(const torch::Tensor& decoder_input_ids,
                         const torch::Tensor& decoder_attention_mask,
                         const torch::Tensor& encoder_hidden, const torch::Tensor& encoder_mask);
    // Incremental decoding: encodes input_ids ([B, S], attention_mask as in forward()) and
    // computes every decoder block's cross-attention keys/values once. The cache is empty:
    // the first decodeStep() usually feeds config().decoder_start_token_id.
    T5Cache startDecoding(const torch::Tensor& input_ids, const torch::Tensor& attention_mask);
    // Logits [B, n, V] of the new decoder tokens [B, n] (n >= 1) after the cache's; equal to
    // the last n positions of decode() over the whole decoder sequence. Extends the cache.
    torch::Tensor decodeStep(const torch::Tensor& decoder_input_ids, T5Cache& cache);
    const T5Config& config() const { return config_; }

    torch::nn::Embedding shared{nullptr};
    T5Stack encoder{nullptr}, decoder{nullptr};
    torch::nn::Linear lm_head{nullptr};  // null with tie_word_embeddings (shared is used)

private:
    torch::Tensor logitsOf(const torch::Tensor& decoder_hidden);  // the head

    T5Config config_;
};
TORCH_MODULE(T5);

// Hugging Face names -> parameter tensors (exactly the weights), in module order.
std::vector<std::pair<std::string, torch::Tensor>> namedWeights(T5& model);

// Copies named tensors into the model (dtype and device converted). Tied aliases that
// transformers may store are accepted and ignored (encoder/decoder.embed_tokens.weight;
// lm_head.weight when tied; a decoder EncDecAttention.relative_attention_bias); everything is
// checked before anything is copied. Missing tensor (names `source`), wrong shape, non-float
// dtype or unexpected tensor (names its file) -> InputError. `files` gives each name's file.
void loadT5Tensors(T5& model, const std::map<std::string, torch::Tensor>& tensors,
                   const std::map<std::string, std::string>& files, const std::string& source);
// One safetensors file, as written by saveT5Weights or transformers.
void loadT5Weights(T5& model, const std::string& path);
// namedWeights(model) with `metadata` plus {"format": "pt"}, through saveSafetensors.
void saveT5Weights(T5& model, const std::string& path,
                   const std::map<std::string, std::string>& metadata = {});
// A Hugging Face folder of either kind: core/model/HfImport.h loadHfFolder().

}  // namespace rgpb
