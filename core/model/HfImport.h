// Hugging Face model directories in and out: config.json (GPTNeoXForCausalLM or
// GPT2LMHeadModel), model.safetensors or shards named by model.safetensors.index.json
// (weight_map), F32/F16/BF16 weights (converted to the model's float32 on load), and the
// tokenizer files. Implementation header (LibTorch).
//
// GPT-2 runs in the NeoX-shaped GptNeoX module (ModelConfig::makeGpt2: learned positions, no
// rotary, sequential residual, gelu_new, tied embeddings). Its checkpoint names map as
//   [transformer.]wte -> gpt_neox.embed_in, wpe -> gpt_neox.embed_pos,
//   h.i.ln_1 -> layers.i.input_layernorm, h.i.ln_2 -> layers.i.post_attention_layernorm,
//   h.i.attn.c_attn -> attention.query_key_value, h.i.attn.c_proj -> attention.dense,
//   h.i.mlp.c_fc -> mlp.dense_h_to_4h, h.i.mlp.c_proj -> mlp.dense_4h_to_h, ln_f ->
//   final_layer_norm, lm_head -> embed_out (only when untied);
// GPT-2's Conv1D weights are [in, out] (transposed to Linear's [out, in]) and c_attn's output
// is [q | k | v] (each all heads) where NeoX's fused layout is per head [q_h | k_h | v_h]: the
// rows are re-laid out. Buffers older checkpoints carry (attn.bias, attn.masked_bias,
// attention.rotary_emb.inv_freq) are ignored.
#pragma once

#include <torch/types.h>

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "core/model/LanguageModel.h"
#include "core/model/ModelConfig.h"
#include "core/model/ModelShape.h"

namespace rgpb {

// DIR/config.json as a model shape: T5Config for model_type "t5", else a ModelConfig. InputError
// naming the file (and key) when it is missing, not JSON, or an unknown architecture (the
// model_type is named).
ModelShape readHfShape(const std::string& dir);
// readHfShape() of a decoder-only folder (a T5 folder is an InputError naming model_type).
ModelConfig readHfConfig(const std::string& dir);

// Every tensor of DIR's checkpoint by its file name, as stored (dtype kept): model.safetensors,
// or the shards named in model.safetensors.index.json. InputError for no checkpoint (a
// pytorch_model.bin alone is named as unsupported), a shard listed in the index that is
// missing, a tensor the index places in a shard that lacks it, truncated/corrupt files.
struct HfTensor {
    torch::Tensor tensor;
    std::string file;  // the file it was read from (for messages)
};
std::map<std::string, HfTensor> readHfTensors(const std::string& dir);

// Builds the model of DIR/config.json and loads its weights (float32, on `device`). Missing
// tensor, wrong shape ("tensor 'NAME' has shape [..], expected [..]" with the file),
// unexpected tensor -> InputError.
GptNeoX loadHfModel(const std::string& dir, const torch::Device& device = torch::kCPU);
// Loads DIR's weights into an existing model of the same config (checked before copying).
void loadHfWeights(GptNeoX& model, const std::string& dir);
// Either kind: loadHfWeights() for a decoder-only model, T5's loadT5Tensors() for a T5.
void loadHfWeights(const LanguageModel& model, const std::string& dir);
// The model of DIR/config.json, of either kind (readHfShape()), with its weights (float32, on
// `device`).
LanguageModel loadHfFolder(const std::string& dir, const torch::Device& device = torch::kCPU);

// The model's weights under Hugging Face names and layout (GPT-2: transformer.* with Conv1D
// weights; tied output embeddings omitted as transformers does; T5: its own names already),
// converted to `dtype`, CPU.
std::vector<std::pair<std::string, torch::Tensor>> hfWeights(const LanguageModel& model,
                                                             torch::ScalarType dtype);

// The weights holding NaN or Inf values, by name (Hugging Face names when `hf_names`, the
// workbench's own otherwise), with how many of each; empty when every weight is finite.
struct NonFiniteWeight {
    std::string name;
    int64_t nan = 0, inf = 0, numel = 0;
};
std::vector<NonFiniteWeight> nonFiniteWeights(const LanguageModel& model, bool hf_names);
// InputError(`source`, "the model has non-finite weights: tensor 'NAME' has N NaN and M Inf of
// K values; ...") when nonFiniteWeights() is not empty: a model that cannot compute anything
// is refused where it is loaded rather than giving NaN logits or losses later.
void requireFiniteWeights(const LanguageModel& model, const std::string& source, bool hf_names);

struct HfSaveOptions {
    torch::ScalarType dtype = torch::kFloat32;  // kFloat32, kFloat16 or kBFloat16
    int64_t shard_bytes = 0;  // > 0: split into model-0000i-of-0000n.safetensors + index
    // Extra config.json keys (bos_token_id, eos_token_id, ...), merged over toHfJson().
    std::map<std::string, int64_t> config_ints;
};

// Writes config.json (either kind's Hugging Face config) and model.safetensors (or shards +
// model.safetensors.index.json) into `dir` (created if missing). Every file is written to a
// temporary name and renamed.
void saveHfModel(const LanguageModel& model, const std::string& dir, const HfSaveOptions& options);

}  // namespace rgpb
