// The shape of a T5 encoder-decoder (Raffel et al. 2020): sizes, feed-forward kind, relative
// position buckets and special tokens, the named presets (t5-micro for CPU experiments, the
// published t5-small / t5-base / t5-large shapes) and the Hugging Face `config.json` reader
// (T5Config keys). Torch-free.
//
// Shapes the model derives from it: attention projections d_model -> num_heads * d_kv (q, k,
// v) and back (o); feed-forward d_model -> d_ff -> d_model (wi, wo) or, gated, two inputs wi_0
// (activated) and wi_1 (linear) multiplied; relative_attention_bias [num_buckets, num_heads].
#pragma once

#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace rgpb {

struct T5Config {
    std::string name = "custom";  // preset name: "t5-micro", "t5-small", ...
    int64_t vocab_size = 32128;   // token ids are in [0, vocab_size)
    int64_t d_model = 512;        // width of the residual stream
    int64_t d_kv = 64;            // per-head width of queries, keys and values
    int64_t d_ff = 2048;          // feed-forward width
    int64_t num_layers = 6;       // encoder blocks
    int64_t num_decoder_layers = 6;
    int64_t num_heads = 8;
    int64_t relative_attention_num_buckets = 32;
    int64_t relative_attention_max_distance = 128;
    // HF's feed_forward_proj: "relu" (T5 v1.0) or "gated-gelu" (v1.1 / flan: wi_0, wi_1, and
    // the tanh GELU "gelu_new"); also "gelu" and "gated-relu", which HF accepts too.
    std::string feed_forward_proj = "relu";
    bool tie_word_embeddings = true;  // v1.0: lm_head is `shared`, decoder output * d_model^-0.5
    double layer_norm_epsilon = 1e-6;
    int64_t decoder_start_token_id = 0;
    int64_t pad_token_id = 0;
    int64_t eos_token_id = 1;

    bool gated() const;              // feed_forward_proj starts with "gated-"
    std::string activation() const;  // "relu", "gelu" (erf) or "gelu_new" (tanh)

    // t5-micro (ours: d_model 128, 4 + 4 layers, 4 heads), t5-small, t5-base, t5-large (the
    // published v1.0 shapes); vocab_size overrides the vocab. Unknown name -> ArgumentError
    // listing the names.
    static T5Config named(const std::string& size, int64_t vocab_size);
    static std::vector<std::string> names();

    int64_t parameterCount() const;  // from the shape; equals the module's sum of numel
    // ArgumentError naming the field (sizes > 0, buckets even, feed_forward_proj known, ...).
    void validate() const;

    // Reads a T5Config (model_type "t5" when given). Required: vocab_size, d_model, d_kv, d_ff,
    // num_layers, num_heads; the others take transformers' defaults when absent
    // (num_decoder_layers = num_layers). InputError "source (key)" for a missing or
    // wrong-typed key, an unsupported value, or a size over the sanity limits.
    static T5Config fromHfJson(const nlohmann::json& j, const std::string& source);
    nlohmann::json toHfJson() const;  // T5ForConditionalGeneration's config.json keys
};

// `path` (a config.json) as a T5Config; InputError naming the file when it cannot be read or
// is not JSON.
T5Config readT5Config(const std::string& path);

}  // namespace rgpb
