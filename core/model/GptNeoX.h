// The GPT-NeoX (Pythia) causal language model, numerically and by parameter name the same as
// Hugging Face's GPTNeoXForCausalLM, so Pythia checkpoints load here and ours load there.
// Implementation header: includes LibTorch; the GUI never includes it.
//
// Shapes: input_ids [B, L] int64; attention_mask [B, L] bool or integer, true/1 on real tokens
// (undefined = all real); logits [B, L, V]. Inside: hidden [B, L, H]; fused query_key_value
// output [B, L, heads, 3 * head_dim] split per head into q, k, v [B, heads, L, head_dim]; rotary
// embedding on the first rotaryDims() dims of q and k; KV cache tensors [B, heads, T, head_dim].
//
// Positions: without padding, token i sits at position cache_length + i. With an attention
// mask, each row's positions count its real tokens only (cumsum(mask) - 1, as HF generate()
// does), so a left-padded row gets the same logits as the same sequence unpadded. Padding
// queries attend to themselves only, which keeps every softmax row finite (no NaN in padded
// logits or in gradients).
#pragma once

#include <torch/torch.h>

#include <string>
#include <utility>
#include <vector>

#include "core/model/ModelConfig.h"

namespace rgpb {

// Keys and values of the tokens seen so far, per layer, for incremental decoding. Storage is
// preallocated and grown by doubling (up to max_positions) so a decoding step writes one slot
// instead of re-concatenating the whole history. Intended for inference (NoGradGuard or
// InferenceMode); under grad mode forward() concatenates instead, so autograd stays valid.
struct KVCache {
    int64_t length() const { return length_; }  // cached tokens per row
    void reset();                               // forget everything; the next forward starts at 0

    // Cached keys/values of `layer`: [B, heads, length(), head_dim] (views into the storage).
    torch::Tensor key(size_t layer) const;
    torch::Tensor value(size_t layer) const;
    // [B, length()] bool, true on real tokens; undefined while every cached token is real.
    const torch::Tensor& mask() const { return mask_; }

private:
    friend class GptNeoXImpl;
    friend class GptNeoXAttentionImpl;
    // Appends k, v [B, heads, L, head_dim] to `layer` at offset length(); returns the full
    // keys/values [B, heads, length() + L, head_dim]. length() advances in advance().
    std::pair<torch::Tensor, torch::Tensor> append(size_t layer, const torch::Tensor& k,
                                                   const torch::Tensor& v, int64_t max_positions);
    void advance(int64_t tokens) { length_ += tokens; }

    std::vector<torch::Tensor> keys_, values_;  // storage [B, heads, capacity, head_dim]
    torch::Tensor mask_;
    int64_t length_ = 0;
};

// HF's rotary tables for `positions` (any shape P, int64): cos and sin of shape [P..., dims],
// float32, each the concatenation [freqs, freqs] with freqs = position / base^(2i / dims).
std::pair<torch::Tensor, torch::Tensor> rotaryCosSin(const torch::Tensor& positions, int64_t dims,
                                                     double base);
// x * cos + rotate_half(x) * sin on the last dim, rotate_half(x) = [-x2, x1] (HF convention);
// x [..., dims], cos/sin broadcastable to x.
torch::Tensor applyRotary(const torch::Tensor& x, const torch::Tensor& cos,
                          const torch::Tensor& sin);

// Per-forward attention inputs shared by all layers (computed once, not per layer).
struct AttentionContext {
    torch::Tensor cos, sin;   // [1 or B, 1, L, rotary_dims] float32 (cast per layer)
    torch::Tensor positions;  // [1 or B, L] int64 (learned position embeddings only)
    // LibTorch 2.x (SDPA) uses `allowed`: [1 or B, 1, L, T_total] bool, true = may attend.
    // 1.13 uses `bias`: [1, L, T_total] or [B, 1, L, T_total] float, 0 where a query may attend
    // and -inf where not, added inside the scores' batched product (baddbmm). Undefined when
    // nothing is masked.
    torch::Tensor allowed, bias;
    bool causal_only = false;  // plain causal mask (no cache, no padding): SDPA's is_causal
};

class GptNeoXAttentionImpl : public torch::nn::Module {
public:
    explicit GptNeoXAttentionImpl(const ModelConfig& config);
    // hidden [B, L, H] -> [B, L, H]
    torch::Tensor forward(const torch::Tensor& hidden, const AttentionContext& ctx, KVCache* cache,
                          size_t layer);

    torch::nn::Linear query_key_value{nullptr}, dense{nullptr};

private:
    int64_t heads_, head_dim_, rotary_dims_, max_positions_;
};
TORCH_MODULE(GptNeoXAttention);

class GptNeoXMlpImpl : public torch::nn::Module {
public:
    explicit GptNeoXMlpImpl(const ModelConfig& config);
    torch::Tensor forward(const torch::Tensor& hidden);  // [B, L, H] -> [B, L, H]
    torch::nn::Linear dense_h_to_4h{nullptr}, dense_4h_to_h{nullptr};

private:
    bool tanh_gelu_;  // hidden_act "gelu_new"
};
TORCH_MODULE(GptNeoXMlp);

class GptNeoXLayerImpl : public torch::nn::Module {
public:
    explicit GptNeoXLayerImpl(const ModelConfig& config);
    torch::Tensor forward(const torch::Tensor& hidden, const AttentionContext& ctx, KVCache* cache,
                          size_t layer);
    torch::nn::LayerNorm input_layernorm{nullptr}, post_attention_layernorm{nullptr};
    GptNeoXAttention attention{nullptr};
    GptNeoXMlp mlp{nullptr};

private:
    bool parallel_residual_;
};
TORCH_MODULE(GptNeoXLayer);

// HF's GPTNeoXModel: the "gpt_neox." prefix of the parameter names. embed_pos (GPT-2's wpe)
// exists only with config.learned_positions.
class GptNeoXBodyImpl : public torch::nn::Module {
public:
    explicit GptNeoXBodyImpl(const ModelConfig& config);
    torch::nn::Embedding embed_in{nullptr};
    torch::nn::Embedding embed_pos{nullptr};
    torch::nn::ModuleList layers{nullptr};
    torch::nn::LayerNorm final_layer_norm{nullptr};
};
TORCH_MODULE(GptNeoXBody);

class GptNeoXImpl : public torch::nn::Module {
public:
    explicit GptNeoXImpl(const ModelConfig& config);
    // input_ids [B, L] int64; attention_mask [B, L] bool/int (true = real token; undefined =
    // all real). With a cache, input_ids are the NEW tokens, positions continue from the
    // cache, and the cache is extended. Returns logits [B, L, V] (float32, or the autocast
    // dtype).
    torch::Tensor forward(const torch::Tensor& input_ids, const torch::Tensor& attention_mask = {},
                          KVCache* cache = nullptr);
    const ModelConfig& config() const { return config_; }

    GptNeoXBody gpt_neox{nullptr};
    torch::nn::Linear embed_out{nullptr};  // null with tie_word_embeddings (embed_in is used)

private:
    AttentionContext attentionContext(int64_t batch, int64_t length,
                                      const torch::Tensor& attention_mask, KVCache* cache,
                                      const torch::Device& device);

    ModelConfig config_;
    // Rotary tables for positions [0, max_positions): [max_positions, rotary_dims] float32.
    // Buffers, not parameters: they are derived from the config and never saved as weights.
    torch::Tensor rotary_cos_, rotary_sin_;
};
TORCH_MODULE(GptNeoX);

// Hugging Face names -> parameter tensors (exactly the weights; no buffers), in module order.
std::vector<std::pair<std::string, torch::Tensor>> namedWeights(GptNeoX& model);

}  // namespace rgpb
