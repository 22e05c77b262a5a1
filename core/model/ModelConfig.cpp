#include "core/model/ModelConfig.h"

#include <nlohmann/json.hpp>

#include "core/model/HfConfigKeys.h"
#include "core/util/Error.h"

namespace rgpb {

namespace {

// Presets. micro and tiny are ours (sized for a 2-core CPU with a byte vocab); the Pythia rows
// are the published GPT-NeoX shapes (EleutherAI/pythia-*/config.json).
struct Preset {
    const char* name;
    int64_t hidden, layers, heads, intermediate, positions;
};
constexpr Preset kPresets[] = {
    // 5 x (12 * 128^2 + 13 * 128) + 2 * 260 * 128 + 2 * 128 = 1,058,176 with 260 tokens.
    {"micro", 128, 5, 4, 512, 256},
    // 12 x (12 * 256^2 + 13 * 256) + 2 * 260 * 256 + 2 * 256 = 9,610,752 with 260 tokens.
    {"tiny", 256, 12, 4, 1024, 512},
    {"pythia-70m", 512, 6, 8, 2048, 2048},
    {"pythia-160m", 768, 12, 12, 3072, 2048},
    {"pythia-410m", 1024, 24, 16, 4096, 2048},
};

std::string joinedNames() {
    std::string out;
    for (const auto& p : kPresets) {
        out += out.empty() ? "" : ", ";
        out += p.name;
    }
    return out;
}

}  // namespace

std::vector<std::string> ModelConfig::names() {
    std::vector<std::string> out;
    for (const auto& p : kPresets)
        out.emplace_back(p.name);
    return out;
}

ModelConfig ModelConfig::named(const std::string& size, int64_t vocab_size) {
    for (const auto& p : kPresets) {
        if (size != p.name)
            continue;
        ModelConfig c;
        c.name = p.name;
        c.vocab_size = vocab_size;
        c.hidden_size = p.hidden;
        c.num_layers = p.layers;
        c.num_heads = p.heads;
        c.intermediate_size = p.intermediate;
        c.max_positions = p.positions;
        c.validate();
        return c;
    }
    throw ArgumentError("ModelConfig::named", "size", "one of " + joinedNames(), "'" + size + "'");
}

void ModelConfig::makeGpt2() {
    architecture = "gpt2";
    rotary_pct = 0.0;
    parallel_residual = false;
    hidden_act = "gelu_new";
    tie_word_embeddings = true;
    learned_positions = true;
}

int64_t ModelConfig::rotaryDims() const {
    // HF: rotary_ndims = int(head_size * rotary_pct), truncating toward zero.
    return static_cast<int64_t>(static_cast<double>(headDim()) * rotary_pct);
}

namespace {

// The count in any arithmetic type: int64_t for a model that was validated, long double for
// sizes a file merely claims (no overflow).
template <typename T>
T countParameters(const ModelConfig& c) {
    const T h = static_cast<T>(c.hidden_size), f = static_cast<T>(c.intermediate_size);
    const T vocab = static_cast<T>(c.vocab_size), positions = static_cast<T>(c.max_positions);
    const T per_layer = 2 * h                                  // input_layernorm
                        + 3 * h * h + 3 * h                    // query_key_value
                        + h * h + h                            // attention.dense
                        + 2 * h                                // post_attention_layernorm
                        + h * f + f                            // dense_h_to_4h
                        + f * h + h;                           // dense_4h_to_h
    return vocab * h                                           // embed_in
           + (c.learned_positions ? positions * h : T(0))      // embed_pos (GPT-2 wpe)
           + static_cast<T>(c.num_layers) * per_layer + 2 * h  // final_layer_norm
           + (c.tie_word_embeddings ? T(0) : h * vocab);       // embed_out (no bias)
}

}  // namespace

int64_t ModelConfig::parameterCount() const {
    return countParameters<int64_t>(*this);
}

long double ModelConfig::claimedParameters() const {
    return countParameters<long double>(*this);
}

void ModelConfig::validate() const {
    const std::string where = "model config '" + name + "'";
    const char* w = where.c_str();
    requireArgument(vocab_size > 0, w, "vocab_size", "> 0", vocab_size);
    requireArgument(hidden_size > 0, w, "hidden_size", "> 0", hidden_size);
    requireArgument(num_layers > 0, w, "num_layers", "> 0", num_layers);
    requireArgument(num_heads > 0, w, "num_heads", "> 0", num_heads);
    requireArgument(hidden_size % num_heads == 0, w, "hidden_size",
                    "divisible by num_heads (" + std::to_string(num_heads) + ")", hidden_size);
    requireArgument(intermediate_size > 0, w, "intermediate_size", "> 0", intermediate_size);
    requireArgument(max_positions > 0, w, "max_positions", "> 0", max_positions);
    requireArgument(rotary_pct >= 0.0 && rotary_pct <= 1.0, w, "rotary_pct", "in [0, 1]",
                    rotary_pct);
    // rotate_half splits the rotary dims into two equal halves.
    requireArgument(rotaryDims() % 2 == 0, w, "rotary_pct",
                    "a fraction giving an even number of rotary dims per head (head_dim " +
                        std::to_string(headDim()) + ")",
                    rotary_pct, " (", rotaryDims(), " dims)");
    requireArgument(rotary_base > 0.0, w, "rotary_base", "> 0", rotary_base);
    requireArgument(layer_norm_eps > 0.0, w, "layer_norm_eps", "> 0", layer_norm_eps);
    requireArgument(architecture == "gpt_neox" || architecture == "gpt2", w, "architecture",
                    "\"gpt_neox\" or \"gpt2\"", "'" + architecture + "'");
    requireArgument(hidden_act == "gelu" || hidden_act == "gelu_new", w, "hidden_act",
                    "\"gelu\" or \"gelu_new\"", "'" + hidden_act + "'");
    if (architecture == "gpt2") {
        requireArgument(learned_positions && rotaryDims() == 0 && !parallel_residual, w,
                        "architecture",
                        "gpt2 with learned positions, no rotary dims and a sequential residual "
                        "(ModelConfig::makeGpt2)",
                        "learned_positions ", learned_positions, ", rotary dims ", rotaryDims(),
                        ", parallel_residual ", parallel_residual);
    } else {
        requireArgument(!learned_positions, w, "learned_positions",
                        "false for gpt_neox (it uses rotary embeddings)", learned_positions);
    }
}

nlohmann::json ModelConfig::toHfJson() const {
    nlohmann::json j;
    if (architecture == "gpt2") {
        j["architectures"] = {"GPT2LMHeadModel"};
        j["model_type"] = "gpt2";
        j["vocab_size"] = vocab_size;
        j["n_embd"] = hidden_size;
        j["n_layer"] = num_layers;
        j["n_head"] = num_heads;
        j["n_inner"] = intermediate_size;
        j["n_positions"] = max_positions;
        j["n_ctx"] = max_positions;
        j["activation_function"] = hidden_act;
        j["layer_norm_epsilon"] = layer_norm_eps;
        j["resid_pdrop"] = 0.0;
        j["embd_pdrop"] = 0.0;
        j["attn_pdrop"] = 0.0;
        j["scale_attn_weights"] = true;
        j["scale_attn_by_inverse_layer_idx"] = false;
        j["reorder_and_upcast_attn"] = false;
        j["tie_word_embeddings"] = tie_word_embeddings;
    } else {
        j["architectures"] = {"GPTNeoXForCausalLM"};
        j["model_type"] = "gpt_neox";
        j["vocab_size"] = vocab_size;
        j["hidden_size"] = hidden_size;
        j["num_hidden_layers"] = num_layers;
        j["num_attention_heads"] = num_heads;
        j["intermediate_size"] = intermediate_size;
        j["max_position_embeddings"] = max_positions;
        j["rotary_pct"] = rotary_pct;
        j["rotary_emb_base"] = rotary_base;
        j["use_parallel_residual"] = parallel_residual;
        j["layer_norm_eps"] = layer_norm_eps;
        j["hidden_act"] = hidden_act;
        j["tie_word_embeddings"] = tie_word_embeddings;
        j["attention_dropout"] = 0.0;
        j["hidden_dropout"] = 0.0;
        j["attention_bias"] = true;
    }
    j["initializer_range"] = 0.02;
    j["use_cache"] = true;
    j["torch_dtype"] = "float32";
    j["rgpb_preset"] = name;
    return j;
}

namespace {

constexpr int64_t kMaxVocab = int64_t(1) << 24;      // tokens (the largest vocabularies: 256k)
constexpr int64_t kMaxHidden = int64_t(1) << 16;     // hidden units
constexpr int64_t kMaxLayers = 1024;                 // layers
constexpr int64_t kMaxHeads = int64_t(1) << 12;      // attention heads
constexpr int64_t kMaxInner = int64_t(1) << 18;      // MLP units
constexpr int64_t kMaxPositions = int64_t(1) << 20;  // positions (rotary tables are sized so)

std::string activation(const HfConfigKeys& keys, const char* key, const char* fallback) {
    const nlohmann::json* a = keys.find(key);
    if (a == nullptr)
        return fallback;
    // gelu_pytorch_tanh and gelu_fast compute the same tanh approximation as gelu_new.
    if (*a == "gelu")
        return "gelu";
    if (*a == "gelu_new" || *a == "gelu_pytorch_tanh" || *a == "gelu_fast")
        return "gelu_new";
    keys.fail(key, "supported: \"gelu\", \"gelu_new\" (also gelu_pytorch_tanh, gelu_fast), got " +
                       a->dump());
}

ModelConfig gpt2FromHfJson(const HfConfigKeys& keys, const std::string& source) {
    ModelConfig c;
    c.makeGpt2();
    c.name = "gpt2";
    if (const auto* n = keys.find("rgpb_preset"); n != nullptr && n->is_string())
        c.name = n->get<std::string>();
    c.vocab_size = keys.size("vocab_size", kMaxVocab, "tokens");
    c.hidden_size = keys.size("n_embd", kMaxHidden, "hidden units");
    c.num_layers = keys.size("n_layer", kMaxLayers, "layers");
    c.num_heads = keys.size("n_head", kMaxHeads, "heads");
    c.max_positions = keys.size("n_positions", kMaxPositions, "positions");
    // n_inner null (the usual) means 4 x n_embd.
    c.intermediate_size = keys.find("n_inner") == nullptr
                              ? 4 * c.hidden_size
                              : keys.size("n_inner", kMaxInner, "MLP units");
    c.hidden_act = activation(keys, "activation_function", "gelu_new");
    c.layer_norm_eps = keys.number("layer_norm_epsilon", nullptr, 1e-5);
    c.tie_word_embeddings = keys.boolean("tie_word_embeddings", true);
    if (!keys.boolean("scale_attn_weights", true))
        keys.fail("scale_attn_weights", "only true is supported");
    if (keys.boolean("scale_attn_by_inverse_layer_idx", false))
        keys.fail("scale_attn_by_inverse_layer_idx", "only false is supported");
    if (keys.boolean("add_cross_attention", false))
        keys.fail("add_cross_attention", "only false is supported");
    try {
        c.validate();
    } catch (const ArgumentError& e) {
        throw InputError(source, e.what());
    }
    return c;
}

}  // namespace

ModelConfig ModelConfig::fromHfJson(const nlohmann::json& j, const std::string& source) {
    if (!j.is_object())
        throw InputError(source, "expected a JSON object (a GPTNeoXConfig)");
    const HfConfigKeys keys(j, source);
    if (const auto* t = keys.find("model_type"); t != nullptr && *t == "gpt2")
        return gpt2FromHfJson(keys, source);
    if (const auto* t = keys.find("model_type"); t != nullptr && *t != "gpt_neox") {
        keys.fail("model_type", "unknown architecture " + t->dump() +
                                    ": supported model types are \"gpt_neox\" "
                                    "(GPTNeoXForCausalLM, Pythia), \"gpt2\" (GPT2LMHeadModel) "
                                    "and \"t5\" (T5ForConditionalGeneration)");
    }
    ModelConfig c;
    if (const auto* n = keys.find("rgpb_preset"); n != nullptr && n->is_string()) {
        c.name = n->get<std::string>();
    }
    c.vocab_size = keys.size("vocab_size", kMaxVocab, "tokens");
    c.hidden_size = keys.size("hidden_size", kMaxHidden, "hidden units");
    c.num_layers = keys.size("num_hidden_layers", kMaxLayers, "layers");
    c.num_heads = keys.size("num_attention_heads", kMaxHeads, "heads");
    c.intermediate_size = keys.size("intermediate_size", kMaxInner, "MLP units");
    c.max_positions = keys.size("max_position_embeddings", kMaxPositions, "positions");
    // transformers >= 4.45 writes partial_rotary_factor / rope_theta instead.
    c.rotary_pct = keys.number("rotary_pct", "partial_rotary_factor", 0.25);
    c.rotary_base = keys.number("rotary_emb_base", "rope_theta", 10000.0);
    c.layer_norm_eps = keys.number("layer_norm_eps", nullptr, 1e-5);
    c.parallel_residual = keys.boolean("use_parallel_residual", c.parallel_residual);
    c.hidden_act = activation(keys, "hidden_act", "gelu");
    if (const auto* r = keys.find("rope_scaling"); r != nullptr)
        keys.fail("rope_scaling", "unsupported (only plain rotary), got " + r->dump());
    c.tie_word_embeddings = keys.boolean("tie_word_embeddings", false);
    if (!keys.boolean("attention_bias", true))
        keys.fail("attention_bias", "only true (biased attention) is supported");
    try {
        c.validate();
    } catch (const ArgumentError& e) {
        throw InputError(source, e.what());
    }
    return c;
}

}  // namespace rgpb
