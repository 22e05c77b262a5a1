// The shape of a run's model, of either kind the workbench trains: a decoder-only GPT-NeoX /
// GPT-2 (ModelConfig) or a T5 encoder-decoder (T5Config). model.architecture picks the kind
// and model.size a named shape of it; the shape keys (hidden_size, ...) override the size.
// Torch-free: the config parser checks model.size with it, the trainer builds the model from it.
#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "core/model/ModelConfig.h"
#include "core/model/T5Config.h"

namespace rgpb {

struct ModelSection;

struct ModelShape {
    std::variant<ModelConfig, T5Config> config;

    ModelShape() = default;
    ModelShape(ModelConfig c) : config(std::move(c)) {}  // NOLINT: a decoder-only shape
    ModelShape(T5Config c) : config(std::move(c)) {}     // NOLINT: an encoder-decoder shape

    bool seq2seq() const { return std::holds_alternative<T5Config>(config); }
    // The decoder-only / T5 shape; ArgumentError naming `where` for the other kind.
    const ModelConfig& decoderOnly(const char* where = "ModelShape") const;
    const T5Config& t5(const char* where = "ModelShape") const;

    std::string name() const;          // the preset name ("micro", "t5-micro", "custom")
    std::string architecture() const;  // gpt_neox, gpt2 or t5
    int64_t vocabSize() const;
    int64_t parameterCount() const;
    // One line for the log and the run table: "t5-micro (t5): 4 + 4 layers x 128".
    std::string describe() const;
};

// model.architecture's values, and the named sizes model.size accepts for one of them.
std::vector<std::string> modelArchitectures();
std::vector<std::string> modelSizes(const std::string& architecture);

// The problem with a fresh model's keys in `m`, or empty: a size that `m.architecture` does not
// have (the sizes it has are listed), or a decoder-only key given with architecture t5. `key`
// receives the offending key ("size", "max_positions", ...).
std::string modelSectionProblem(const ModelSection& m, std::string& key);

// A fresh model's shape from `m` (model.from empty): the named size with its overrides, the
// vocabulary `vocab_size`, and (decoder-only) at least `max_length` positions. For T5,
// hidden_size is d_model, num_layers both stacks' depth, num_heads the heads (d_kv = d_model /
// heads when either is overridden) and intermediate_size d_ff; its special ids are `pad`
// (also the decoder's start token, as in T5) and `eos`. InputError "model.<key>" as
// modelSectionProblem() finds it; ArgumentError from the shape's own validate().
ModelShape freshModelShape(const ModelSection& m, int64_t vocab_size, int64_t max_length,
                           int32_t pad, int32_t eos);

}  // namespace rgpb
