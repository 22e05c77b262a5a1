// Runs out to Hugging Face folders and Hugging Face folders in as run-ready models: the
// glue between a run (core/train/Evaluation.h loadRun) or a Hugging Face directory and
// core/model/HfImport. Implementation header (LibTorch).
#pragma once

#include <torch/types.h>

#include <cstdint>
#include <string>

#include "core/model/LanguageModel.h"
#include "core/tokenizer/Tokenizer.h"

namespace rgpb {

struct HfExportOptions {
    std::string checkpoint;  // "" or "final": the newest checkpoint; "step-N": that one
    torch::ScalarType dtype = torch::kFloat32;
    int64_t shard_bytes = 0;  // > 0: shards of at most this size + model.safetensors.index.json
};

// Writes OUT_DIR: config.json (GPTNeoXForCausalLM or GPT2LMHeadModel, with the tokenizer's
// bos/eos/pad ids), model.safetensors or shards, generation_config.json and the tokenizer
// files (writeHfTokenizerFiles). Returns the checkpoint folder exported.
std::string exportRunToHf(const std::string& run_dir, const std::string& out_dir,
                          const HfExportOptions& options);

// The tokenizer's own files (rgpb_tokenizer.json and what it names, so the workbench reloads
// exactly it) plus, for transformers: tokenizer.json (BPE: its file; byte: an equivalent
// byte-level BPE file, byteTokenizerJson()), tokenizer_config.json and
// special_tokens_map.json. A SentencePiece tokenizer gets no tokenizer.json: transformers
// cannot load it as a fast tokenizer (its spm.model is there for sentencepiece itself). A T5
// tokenizer keeps its own file (spiece.model or tokenizer.json) and gets a tokenizer_config.json
// naming T5Tokenizer with its specials and extra_ids.
void writeHfTokenizerFiles(const Tokenizer& tokenizer, int64_t max_positions,
                           const std::string& out_dir);

// Checks and converts a Hugging Face folder (any supported architecture, sharded or not,
// f32/f16/bf16) into OUT_DIR as a single float32 model.safetensors + config.json + tokenizer
// files: a folder `model.from` can name. InputError when the folder has no tokenizer or the
// tokenizer has more ids than the model's vocabulary. Returns the model's shape.
ModelShape importHfModel(const std::string& hf_dir, const std::string& out_dir);

// A model from a Hugging Face folder (config.json) or a run / checkpoint folder.
LanguageModel loadAnyModel(const std::string& path, const torch::Device& device);

}  // namespace rgpb
