// The groups of a model's parameters that the gradient views report per group (the live
// gradient diagnostics, the gradient lab's replay): "embeddings" (embed_in, embed_pos; T5's
// shared), "layer N" (layers.N-1, 1-based), for T5 "encoder N" and "decoder N"
// (encoder.block.N-1, decoder.block.N-1), and "head" (final layer norms, embed_out, lm_head).
// Torch-free: names only.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace rgpb {

// The group of one parameter name ("gpt_neox.layers.3.mlp.dense_h_to_4h.bias" -> "layer 4").
std::string parameterGroup(const std::string& name);

// The groups of `names` in display order (embeddings, layer or encoder 1..N, decoder 1..N,
// head; each once), and for
// each name the index of its group.
struct ParameterGrouping {
    std::vector<std::string> groups;
    std::vector<std::size_t> group_of;  // one per name
};
ParameterGrouping groupParameters(const std::vector<std::string>& names);

}  // namespace rgpb
