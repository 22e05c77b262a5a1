#include "core/model/ModelConfig.h"

#include <nlohmann/json.hpp>

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

// Typed access with "source (key)" locations. `alt` is a newer HF spelling of the same key.
const nlohmann::json* find(const nlohmann::json& j, const char* key, const char* alt = nullptr) {
    auto it = j.find(key);
    if (it != j.end())
        return &*it;
    if (alt != nullptr) {
        it = j.find(alt);
        if (it != j.end())
            return &*it;
    }
    return nullptr;
}

int64_t requiredInt(const nlohmann::json& j, const char* key, const std::string& source) {
    const nlohmann::json* v = find(j, key);
    if (v == nullptr)
        throw InputError(source + " (" + key + ")", "missing key, expected an integer");
    if (!v->is_number_integer()) {
        throw InputError(source + " (" + key + ")", "expected an integer, got " + v->dump());
    }
    return v->get<int64_t>();
}

// requiredInt() at most `max`: a size a file claims is checked before anything is sized by it
// (a config.json claiming 10^9 layers must not build them). The limits are far above every
// published model of these architectures.
int64_t sizeInt(const nlohmann::json& j, const char* key, const std::string& source, int64_t max,
                const char* unit) {
    const int64_t v = requiredInt(j, key, source);
    if (v > max) {
        throw InputError(source + " (" + key + ")",
                         "claims " + std::to_string(v) + " " + unit + ", more than the limit of " +
                             std::to_string(max) + ": refused before building the model");
    }
    return v;
}

constexpr int64_t kMaxVocab = int64_t(1) << 24;      // tokens (the largest vocabularies: 256k)
constexpr int64_t kMaxHidden = int64_t(1) << 16;     // hidden units
constexpr int64_t kMaxLayers = 1024;                 // layers
constexpr int64_t kMaxHeads = int64_t(1) << 12;      // attention heads
constexpr int64_t kMaxInner = int64_t(1) << 18;      // MLP units
constexpr int64_t kMaxPositions = int64_t(1) << 20;  // positions (rotary tables are sized so)

double optionalNumber(const nlohmann::json& j, const char* key, const char* alt, double fallback,
                      const std::string& source);

bool optionalBool(const nlohmann::json& j, const char* key, bool fallback,
                  const std::string& source) {
    const nlohmann::json* v = find(j, key);
    if (v == nullptr || v->is_null())
        return fallback;
    if (!v->is_boolean())
        throw InputError(source + " (" + key + ")", "expected true or false, got " + v->dump());
    return v->get<bool>();
}

std::string activation(const nlohmann::json& j, const char* key, const char* fallback,
                       const std::string& source) {
    const nlohmann::json* a = find(j, key);
    if (a == nullptr)
        return fallback;
    // gelu_pytorch_tanh and gelu_fast compute the same tanh approximation as gelu_new.
    if (*a == "gelu")
        return "gelu";
    if (*a == "gelu_new" || *a == "gelu_pytorch_tanh" || *a == "gelu_fast")
        return "gelu_new";
    throw InputError(source + " (" + key + ")",
                     "supported: \"gelu\", \"gelu_new\" (also gelu_pytorch_tanh, gelu_fast), "
                     "got " +
                         a->dump());
}

ModelConfig gpt2FromHfJson(const nlohmann::json& j, const std::string& source) {
    auto where = [&](const char* key) { return source + " (" + key + ")"; };
    ModelConfig c;
    c.makeGpt2();
    c.name = "gpt2";
    if (const auto* n = find(j, "rgpb_preset"); n != nullptr && n->is_string())
        c.name = n->get<std::string>();
    c.vocab_size = sizeInt(j, "vocab_size", source, kMaxVocab, "tokens");
    c.hidden_size = sizeInt(j, "n_embd", source, kMaxHidden, "hidden units");
    c.num_layers = sizeInt(j, "n_layer", source, kMaxLayers, "layers");
    c.num_heads = sizeInt(j, "n_head", source, kMaxHeads, "heads");
    c.max_positions = sizeInt(j, "n_positions", source, kMaxPositions, "positions");
    // n_inner null (the usual) means 4 x n_embd.
    const nlohmann::json* inner = find(j, "n_inner");
    c.intermediate_size = inner == nullptr || inner->is_null()
                              ? 4 * c.hidden_size
                              : sizeInt(j, "n_inner", source, kMaxInner, "MLP units");
    c.hidden_act = activation(j, "activation_function", "gelu_new", source);
    c.layer_norm_eps = optionalNumber(j, "layer_norm_epsilon", nullptr, 1e-5, source);
    c.tie_word_embeddings = optionalBool(j, "tie_word_embeddings", true, source);
    if (!optionalBool(j, "scale_attn_weights", true, source))
        throw InputError(where("scale_attn_weights"), "only true is supported");
    if (optionalBool(j, "scale_attn_by_inverse_layer_idx", false, source))
        throw InputError(where("scale_attn_by_inverse_layer_idx"), "only false is supported");
    if (optionalBool(j, "add_cross_attention", false, source))
        throw InputError(where("add_cross_attention"), "only false is supported");
    try {
        c.validate();
    } catch (const ArgumentError& e) {
        throw InputError(source, e.what());
    }
    return c;
}

double optionalNumber(const nlohmann::json& j, const char* key, const char* alt, double fallback,
                      const std::string& source) {
    const nlohmann::json* v = find(j, key, alt);
    if (v == nullptr)
        return fallback;
    if (!v->is_number()) {
        throw InputError(source + " (" + key + ")", "expected a number, got " + v->dump());
    }
    return v->get<double>();
}

}  // namespace

ModelConfig ModelConfig::fromHfJson(const nlohmann::json& j, const std::string& source) {
    if (!j.is_object())
        throw InputError(source, "expected a JSON object (a GPTNeoXConfig)");
    auto where = [&](const char* key) { return source + " (" + key + ")"; };
    if (const auto* t = find(j, "model_type"); t != nullptr && *t == "gpt2")
        return gpt2FromHfJson(j, source);
    if (const auto* t = find(j, "model_type"); t != nullptr && *t != "gpt_neox") {
        throw InputError(where("model_type"),
                         "unknown architecture " + t->dump() +
                             ": supported model types are \"gpt_neox\" (GPTNeoXForCausalLM, "
                             "Pythia) and \"gpt2\" (GPT2LMHeadModel)");
    }
    ModelConfig c;
    if (const auto* n = find(j, "rgpb_preset"); n != nullptr && n->is_string()) {
        c.name = n->get<std::string>();
    }
    c.vocab_size = sizeInt(j, "vocab_size", source, kMaxVocab, "tokens");
    c.hidden_size = sizeInt(j, "hidden_size", source, kMaxHidden, "hidden units");
    c.num_layers = sizeInt(j, "num_hidden_layers", source, kMaxLayers, "layers");
    c.num_heads = sizeInt(j, "num_attention_heads", source, kMaxHeads, "heads");
    c.intermediate_size = sizeInt(j, "intermediate_size", source, kMaxInner, "MLP units");
    c.max_positions = sizeInt(j, "max_position_embeddings", source, kMaxPositions, "positions");
    // transformers >= 4.45 writes partial_rotary_factor / rope_theta instead.
    c.rotary_pct = optionalNumber(j, "rotary_pct", "partial_rotary_factor", 0.25, source);
    c.rotary_base = optionalNumber(j, "rotary_emb_base", "rope_theta", 10000.0, source);
    c.layer_norm_eps = optionalNumber(j, "layer_norm_eps", nullptr, 1e-5, source);
    if (const auto* p = find(j, "use_parallel_residual"); p != nullptr) {
        if (!p->is_boolean()) {
            throw InputError(where("use_parallel_residual"),
                             "expected true or false, got " + p->dump());
        }
        c.parallel_residual = p->get<bool>();
    }
    c.hidden_act = activation(j, "hidden_act", "gelu", source);
    if (const auto* r = find(j, "rope_scaling"); r != nullptr && !r->is_null())
        throw InputError(where("rope_scaling"),
                         "unsupported (only plain rotary), got " + r->dump());
    c.tie_word_embeddings = optionalBool(j, "tie_word_embeddings", false, source);
    if (!optionalBool(j, "attention_bias", true, source))
        throw InputError(where("attention_bias"), "only true (biased attention) is supported");
    try {
        c.validate();
    } catch (const ArgumentError& e) {
        throw InputError(source, e.what());
    }
    return c;
}

}  // namespace rgpb
