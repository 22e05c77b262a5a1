// The shape of a GPT-NeoX (Pythia) decoder: sizes, rotary settings and residual layout, the
// named presets (micro and tiny for CPU experiments, the real Pythia shapes), and conversion to
// and from a Hugging Face `config.json` so checkpoints we write load in `transformers` and
// Pythia checkpoints load here. Torch-free: the GUI's config editor includes it.
//
// Shapes the model derives from it: head_dim = hidden_size / num_heads; rotary embedding on the
// first rotaryDims() = int(head_dim * rotary_pct) dims of each head; the MLP maps hidden_size ->
// intermediate_size -> hidden_size.
#pragma once

#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace rgpb {

struct ModelConfig {
    std::string name = "custom";      // preset name: "micro", "tiny", "pythia-70m", ...
    int64_t vocab_size = 260;         // token ids are in [0, vocab_size)
    int64_t hidden_size = 128;        // width of the residual stream
    int64_t num_layers = 4;           // transformer blocks
    int64_t num_heads = 4;            // attention heads; must divide hidden_size
    int64_t intermediate_size = 512;  // MLP width (4 x hidden in Pythia)
    int64_t max_positions = 256;      // longest sequence (cached tokens included)
    double rotary_pct = 0.25;         // fraction of each head's dims that get rotary embedding
    double rotary_base = 10000.0;     // rotary frequency base (HF rotary_emb_base / rope_theta)
    bool parallel_residual = true;    // x + attn(ln1(x)) + mlp(ln2(x)) as in Pythia
    double layer_norm_eps = 1e-5;     // epsilon of every LayerNorm

    // Which Hugging Face architecture this is, and the switches that make the NeoX-shaped
    // module compute it. "gpt_neox" (GPTNeoXForCausalLM, the defaults above) or "gpt2"
    // (GPT2LMHeadModel): learned absolute position embeddings (wpe) instead of rotary
    // (rotary_pct 0), sequential residual, "gelu_new" (tanh GELU), input and output embeddings
    // tied. The weights keep NeoX names inside the workbench; core/model/HfImport maps GPT-2's
    // names, Conv1D layout and [q|k|v] split on import and export.
    std::string architecture = "gpt_neox";
    std::string hidden_act = "gelu";   // "gelu" (erf) or "gelu_new" (tanh approximation)
    bool tie_word_embeddings = false;  // logits use embed_in's matrix (no embed_out)
    bool learned_positions = false;    // a [max_positions, hidden] position table (GPT-2 wpe)

    // Sets the GPT-2 switches above (architecture "gpt2", rotary_pct 0, sequential residual,
    // gelu_new, tied embeddings, learned positions).
    void makeGpt2();

    // micro (~1M params with a 260-token byte vocab: the demo), tiny (~10M), pythia-70m,
    // pythia-160m, pythia-410m (real Pythia shapes; vocab_size overrides the vocab). Unknown
    // name -> ArgumentError listing the names.
    static ModelConfig named(const std::string& size, int64_t vocab_size);
    static std::vector<std::string> names();  // the presets named() accepts, in size order

    int64_t headDim() const { return num_heads > 0 ? hidden_size / num_heads : 0; }
    int64_t rotaryDims() const;  // int(head_dim * rotary_pct), as HF computes rotary_ndims

    // Computed analytically from the shape; equals the module's sum of numel.
    int64_t parameterCount() const;
    // The same count in floating point: exact enough, and no overflow, for sizes a config file
    // claims before they are checked against its weights.
    long double claimedParameters() const;
    // ArgumentError naming the field (hidden % heads, rotary dims even, sizes > 0, ...).
    void validate() const;

    // Hugging Face config.json: GPTNeoXConfig keys (architectures GPTNeoXForCausalLM,
    // model_type "gpt_neox", hidden_act, tie_word_embeddings, ...) or, for "gpt2", GPT2Config
    // keys (GPT2LMHeadModel, n_embd, n_layer, n_head, n_inner, n_positions,
    // activation_function, layer_norm_epsilon, ...), plus "rgpb_preset" carrying `name`.
    nlohmann::json toHfJson() const;
    // Reads a GPTNeoXConfig or GPT2Config (by "model_type"; another model_type is an
    // InputError naming it). InputError "source (key)" for missing or wrong-typed keys and for
    // settings this implementation does not support (another activation, ...).
    static ModelConfig fromHfJson(const nlohmann::json& j, const std::string& source);
};

}  // namespace rgpb
