#include "core/model/ModelShape.h"

#include <algorithm>

#include "core/config/RunConfig.h"
#include "core/util/Error.h"

namespace rgpb {

namespace {

std::string joined(const std::vector<std::string>& names) {
    std::string out;
    for (const std::string& n : names)
        out += (out.empty() ? "" : ", ") + n;
    return out;
}

}  // namespace

const ModelConfig& ModelShape::decoderOnly(const char* where) const {
    if (seq2seq())
        throw ArgumentError(where, "model", "a decoder-only model (gpt_neox or gpt2)",
                            "the T5 encoder-decoder '" + name() + "'");
    return std::get<ModelConfig>(config);
}

const T5Config& ModelShape::t5(const char* where) const {
    if (!seq2seq())
        throw ArgumentError(where, "model", "a T5 encoder-decoder",
                            "the decoder-only model '" + name() + "'");
    return std::get<T5Config>(config);
}

std::string ModelShape::name() const {
    return std::visit([](const auto& c) { return c.name; }, config);
}

std::string ModelShape::architecture() const {
    return seq2seq() ? "t5" : std::get<ModelConfig>(config).architecture;
}

int64_t ModelShape::vocabSize() const {
    return std::visit([](const auto& c) { return c.vocab_size; }, config);
}

int64_t ModelShape::parameterCount() const {
    return std::visit([](const auto& c) { return c.parameterCount(); }, config);
}

std::string ModelShape::describe() const {
    if (seq2seq()) {
        const T5Config& c = std::get<T5Config>(config);
        return c.name + " (t5): " + std::to_string(c.num_layers) + " + " +
               std::to_string(c.num_decoder_layers) + " layers x " + std::to_string(c.d_model);
    }
    const ModelConfig& c = std::get<ModelConfig>(config);
    return c.name + " (" + c.architecture + "): " + std::to_string(c.num_layers) + " layers x " +
           std::to_string(c.hidden_size);
}

std::vector<std::string> modelArchitectures() {
    return {"gpt_neox", "gpt2", "t5"};
}

std::vector<std::string> modelSizes(const std::string& architecture) {
    return architecture == "t5" ? T5Config::names() : ModelConfig::names();
}

std::string modelSectionProblem(const ModelSection& m, std::string& key) {
    const std::vector<std::string> sizes = modelSizes(m.architecture);
    if (std::find(sizes.begin(), sizes.end(), m.size) == sizes.end()) {
        key = "size";
        return "'" + m.size + "' is not a size of architecture " + m.architecture +
               ": expected one of " + joined(sizes);
    }
    if (m.architecture != "t5")
        return {};
    // Keys of the decoder-only shape that T5 does not have (relative positions, no rotary
    // embedding, sequential sub-layers).
    const std::pair<const char*, bool> unused[] = {
        {"max_positions", m.max_positions != 0},
        {"rotary_pct", m.rotary_pct >= 0},
        {"parallel_residual", m.parallel_residual >= 0},
    };
    for (const auto& [k, given] : unused) {
        if (given) {
            key = k;
            return std::string(
                "not used by architecture t5 (relative position buckets, "
                "sequential sub-layers): remove it");
        }
    }
    return {};
}

ModelShape freshModelShape(const ModelSection& m, int64_t vocab_size, int64_t max_length,
                           int32_t pad, int32_t eos) {
    std::string key;
    if (const std::string problem = modelSectionProblem(m, key); !problem.empty())
        throw InputError("model." + key, problem);
    if (m.architecture == "t5") {
        T5Config c = T5Config::named(m.size, vocab_size);
        if (m.hidden_size)
            c.d_model = m.hidden_size;
        if (m.num_layers)
            c.num_layers = c.num_decoder_layers = m.num_layers;
        if (m.num_heads)
            c.num_heads = m.num_heads;
        if (m.hidden_size || m.num_heads)
            c.d_kv = c.num_heads > 0 ? c.d_model / c.num_heads : 0;
        if (m.intermediate_size)
            c.d_ff = m.intermediate_size;
        c.pad_token_id = c.decoder_start_token_id = pad;
        c.eos_token_id = eos;
        c.validate();
        return c;
    }
    ModelConfig c = ModelConfig::named(m.size, vocab_size);
    if (m.architecture == "gpt2")
        c.makeGpt2();
    if (m.hidden_size)
        c.hidden_size = m.hidden_size;
    if (m.num_layers)
        c.num_layers = m.num_layers;
    if (m.num_heads)
        c.num_heads = m.num_heads;
    if (m.intermediate_size)
        c.intermediate_size = m.intermediate_size;
    if (m.max_positions)
        c.max_positions = m.max_positions;
    if (m.rotary_pct >= 0)
        c.rotary_pct = m.rotary_pct;
    if (m.parallel_residual >= 0)
        c.parallel_residual = m.parallel_residual == 1;
    c.max_positions = std::max(c.max_positions, max_length);
    c.validate();
    return c;
}

}  // namespace rgpb
