#include "core/model/T5Config.h"

#include <nlohmann/json.hpp>

#include "core/model/HfConfigKeys.h"
#include "core/run/RunStore.h"
#include "core/util/Error.h"
#include "core/util/JsonFile.h"

namespace rgpb {

namespace {

// Presets. t5-micro is ours (a 2-core CPU); the others are the published T5 v1.0 shapes
// (google-t5/t5-*/config.json; vocab 32128).
struct T5Preset {
    const char* name;
    int64_t d_model, d_kv, d_ff, layers, heads;
};
constexpr T5Preset kT5Presets[] = {
    {"t5-micro", 128, 32, 512, 4, 4},
    {"t5-small", 512, 64, 2048, 6, 8},
    {"t5-base", 768, 64, 3072, 12, 12},
    {"t5-large", 1024, 64, 4096, 24, 16},
};

// Limits on what a config.json may claim, checked before anything is sized by it.
constexpr int64_t kMaxT5Vocab = int64_t(1) << 24;
constexpr int64_t kMaxT5Width = int64_t(1) << 18;  // d_model, d_kv, d_ff
constexpr int64_t kMaxT5Layers = 1024;
constexpr int64_t kMaxT5Heads = int64_t(1) << 12;
constexpr int64_t kMaxT5Buckets = int64_t(1) << 12;

constexpr const char* kFeedForwardKinds[] = {"relu", "gelu", "gated-relu", "gated-gelu"};

bool knownFeedForward(const std::string& kind) {
    for (const char* k : kFeedForwardKinds) {
        if (kind == k)
            return true;
    }
    return false;
}

}  // namespace

bool T5Config::gated() const {
    return feed_forward_proj.rfind("gated-", 0) == 0;
}

std::string T5Config::activation() const {
    // transformers maps "gated-gelu" to its tanh GELU ("gelu_new"), plain "gelu" to erf GELU.
    if (feed_forward_proj == "gated-gelu")
        return "gelu_new";
    return gated() ? feed_forward_proj.substr(6) : feed_forward_proj;
}

std::vector<std::string> T5Config::names() {
    std::vector<std::string> out;
    for (const auto& p : kT5Presets)
        out.emplace_back(p.name);
    return out;
}

T5Config T5Config::named(const std::string& size, int64_t vocab_size) {
    std::string all;
    for (const auto& p : kT5Presets) {
        all += (all.empty() ? "" : ", ") + std::string(p.name);
        if (size != p.name)
            continue;
        T5Config c;
        c.name = p.name;
        c.vocab_size = vocab_size;
        c.d_model = p.d_model;
        c.d_kv = p.d_kv;
        c.d_ff = p.d_ff;
        c.num_layers = c.num_decoder_layers = p.layers;
        c.num_heads = p.heads;
        c.validate();
        return c;
    }
    throw ArgumentError("T5Config::named", "size", "one of " + all, "'" + size + "'");
}

int64_t T5Config::parameterCount() const {
    const int64_t inner = num_heads * d_kv;
    const int64_t attention = 4 * d_model * inner;                    // q, k, v, o
    const int64_t ff = (gated() ? 3 : 2) * d_model * d_ff;            // wi[_0, _1], wo
    const int64_t bias = relative_attention_num_buckets * num_heads;  // first block of a stack
    const int64_t encoder = num_layers * (attention + ff + 2 * d_model) + bias + d_model;
    const int64_t decoder =
        num_decoder_layers * (2 * attention + ff + 3 * d_model) + bias + d_model;
    return vocab_size * d_model + encoder + decoder +
           (tie_word_embeddings ? 0 : vocab_size * d_model);  // lm_head
}

void T5Config::validate() const {
    const std::string where = "T5 config '" + name + "'";
    const char* w = where.c_str();
    requireArgument(vocab_size > 0, w, "vocab_size", "> 0", vocab_size);
    requireArgument(d_model > 0, w, "d_model", "> 0", d_model);
    requireArgument(d_kv > 0, w, "d_kv", "> 0", d_kv);
    requireArgument(d_ff > 0, w, "d_ff", "> 0", d_ff);
    requireArgument(num_layers > 0, w, "num_layers", "> 0", num_layers);
    requireArgument(num_decoder_layers > 0, w, "num_decoder_layers", "> 0", num_decoder_layers);
    requireArgument(num_heads > 0, w, "num_heads", "> 0", num_heads);
    // The bidirectional buckets split in two halves, each with an exact and a log range.
    requireArgument(relative_attention_num_buckets >= 4 && relative_attention_num_buckets % 4 == 0,
                    w, "relative_attention_num_buckets", "a multiple of 4, >= 4",
                    relative_attention_num_buckets);
    requireArgument(relative_attention_max_distance > relative_attention_num_buckets / 2, w,
                    "relative_attention_max_distance",
                    "> num_buckets / 2 = " + std::to_string(relative_attention_num_buckets / 2),
                    relative_attention_max_distance);
    requireArgument(knownFeedForward(feed_forward_proj), w, "feed_forward_proj",
                    "relu, gelu, gated-relu or gated-gelu", "'" + feed_forward_proj + "'");
    requireArgument(layer_norm_epsilon > 0.0, w, "layer_norm_epsilon", "> 0", layer_norm_epsilon);
    for (const auto& [key, id] :
         {std::pair<const char*, int64_t>{"decoder_start_token_id", decoder_start_token_id},
          {"pad_token_id", pad_token_id},
          {"eos_token_id", eos_token_id}}) {
        requireArgument(id >= 0 && id < vocab_size, w, key,
                        "a token id in [0, " + std::to_string(vocab_size) + ")", id);
    }
}

T5Config T5Config::fromHfJson(const nlohmann::json& j, const std::string& source) {
    if (!j.is_object())
        throw InputError(source, "expected a JSON object (a T5Config)");
    const HfConfigKeys keys(j, source);
    if (const auto* t = keys.find("model_type"); t != nullptr && *t != "t5") {
        keys.fail("model_type", "expected \"t5\" (T5ForConditionalGeneration), got " + t->dump());
    }
    T5Config c;
    c.name = "t5";
    if (const auto* n = keys.find("rgpb_preset"); n != nullptr && n->is_string())
        c.name = n->get<std::string>();
    c.vocab_size = keys.integer("vocab_size", 1, kMaxT5Vocab, true);
    c.d_model = keys.integer("d_model", 1, kMaxT5Width, true);
    c.d_kv = keys.integer("d_kv", 1, kMaxT5Width, true);
    c.d_ff = keys.integer("d_ff", 1, kMaxT5Width, true);
    c.num_layers = keys.integer("num_layers", 1, kMaxT5Layers, true);
    c.num_decoder_layers = keys.integer("num_decoder_layers", 1, kMaxT5Layers, false, c.num_layers);
    c.num_heads = keys.integer("num_heads", 1, kMaxT5Heads, true);
    c.relative_attention_num_buckets =
        keys.integer("relative_attention_num_buckets", 4, kMaxT5Buckets, false, 32);
    c.relative_attention_max_distance =
        keys.integer("relative_attention_max_distance", 1, int64_t(1) << 30, false, 128);
    if (const auto* f = keys.find("feed_forward_proj"); f != nullptr) {
        if (!f->is_string() || !knownFeedForward(f->get<std::string>())) {
            keys.fail(
                "feed_forward_proj",
                "supported: \"relu\", \"gelu\", \"gated-relu\", \"gated-gelu\", got " + f->dump());
        }
        c.feed_forward_proj = f->get<std::string>();
    }
    c.tie_word_embeddings = keys.boolean("tie_word_embeddings", true);
    c.layer_norm_epsilon = keys.number("layer_norm_epsilon", nullptr, 1e-6, true);
    c.pad_token_id = keys.integer("pad_token_id", 0, c.vocab_size - 1, false, 0);
    c.decoder_start_token_id =
        keys.integer("decoder_start_token_id", 0, c.vocab_size - 1, false, c.pad_token_id);
    c.eos_token_id = keys.integer("eos_token_id", 0, c.vocab_size - 1, false, 1);
    try {
        c.validate();
    } catch (const ArgumentError& e) {
        throw InputError(source, e.what());
    }
    return c;
}

nlohmann::json T5Config::toHfJson() const {
    return {{"architectures", {"T5ForConditionalGeneration"}},
            {"model_type", "t5"},
            {"rgpb_preset", name},
            {"vocab_size", vocab_size},
            {"d_model", d_model},
            {"d_kv", d_kv},
            {"d_ff", d_ff},
            {"num_layers", num_layers},
            {"num_decoder_layers", num_decoder_layers},
            {"num_heads", num_heads},
            {"relative_attention_num_buckets", relative_attention_num_buckets},
            {"relative_attention_max_distance", relative_attention_max_distance},
            {"feed_forward_proj", feed_forward_proj},
            {"tie_word_embeddings", tie_word_embeddings},
            {"layer_norm_epsilon", layer_norm_epsilon},
            {"decoder_start_token_id", decoder_start_token_id},
            {"pad_token_id", pad_token_id},
            {"eos_token_id", eos_token_id},
            {"dropout_rate", 0.0},
            {"is_encoder_decoder", true}};
}

T5Config readT5Config(const std::string& path) {
    return T5Config::fromHfJson(parseJson(readFile(path), path), path);
}

}  // namespace rgpb
