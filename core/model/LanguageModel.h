// A model the workbench trains, of either kind: a decoder-only GptNeoX (GPT-NeoX / GPT-2) or a
// T5 encoder-decoder. Cheap to copy (it shares the module, as the LibTorch holders do), and a
// GptNeoX or a T5 converts to it implicitly, so code written for one kind takes both. The
// trainer, evaluation, checkpoints and generation hold a LanguageModel; what differs between
// the kinds (the forward pass over a pair batch, the weights' names) is decided here and in
// core/train/PairForward.
//
// Sequence-to-sequence layout (T5): a training sequence [BOS] prompt [SEP] response [EOS]
// (core/data/PairBatch.h) becomes encoder input `prompt EOS` and decoder input
// `START response` with labels `response EOS`, START being T5Config::decoder_start_token_id
// and EOS T5Config::eos_token_id: the tokens that carry loss are exactly the decoder-only
// layout's, so sequence log-probabilities, objectives and metrics mean the same for both kinds.
// Implementation header (LibTorch).
#pragma once

#include <torch/torch.h>

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "core/model/GptNeoX.h"
#include "core/model/ModelShape.h"
#include "core/model/T5.h"

namespace rgpb {

class LanguageModel {
public:
    LanguageModel() = default;
    LanguageModel(GptNeoX model);  // NOLINT(google-explicit-constructor): a GptNeoX is one
    LanguageModel(T5 model);       // NOLINT(google-explicit-constructor): so is a T5
    // A fresh model of `shape` (initialised from LibTorch's default generator).
    explicit LanguageModel(const ModelShape& shape);

    bool defined() const { return neox_ || t5_; }
    explicit operator bool() const { return defined(); }
    bool seq2seq() const { return static_cast<bool>(t5_); }

    // The module: parameters(), named_parameters(), train(), eval(), to(), ...
    torch::nn::Module& module() const;
    torch::nn::Module* operator->() const { return &module(); }
    // The model as its kind; ArgumentError naming `where` for the other kind.
    GptNeoX& neox(const char* where = "LanguageModel") const;
    T5& t5(const char* where = "LanguageModel") const;

    ModelShape shape() const;
    // Hugging Face names -> parameter tensors (exactly the weights), in module order.
    std::vector<std::pair<std::string, torch::Tensor>> namedWeights() const;
    // A new model of the same shape with a copy of these weights (on the same device).
    LanguageModel copy() const;

private:
    mutable GptNeoX neox_{nullptr};
    mutable T5 t5_{nullptr};
};

// The encoder input of a decoder-only context [BOS] prompt [SEP] (core/generate/Generator.h
// promptContext(), a training sequence's first response_start tokens): `prompt EOS`, with `eos`
// the T5 config's eos_token_id. ArgumentError when `context` is shorter than 2 tokens.
std::vector<int32_t> seq2seqEncoderIds(const std::vector<int32_t>& context, int64_t eos);

// One safetensors file of either kind's weights (core/model/Safetensors.h loadModelWeights()
// and T5's loadT5Weights(): checked before anything is copied; InputError naming the file and
// tensor), and the same names written back.
void loadModelWeights(const LanguageModel& model, const std::string& path);
void saveModelWeights(const LanguageModel& model, const std::string& path,
                      const std::map<std::string, std::string>& metadata = {});

}  // namespace rgpb
