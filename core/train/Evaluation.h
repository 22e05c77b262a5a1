// Evaluation of a model on tokenized pairs (spec.md section 3): the metrics accumulator fed
// batch by batch, optionally with cached reference sums (DPO rewards) and a per-pair callback
// (the CLI's --per-pair file, the gradient lab). Shared by the trainer and `rgpb eval`.
// Implementation header.
#pragma once

#include <torch/types.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/config/RunConfig.h"
#include "core/data/PairBatch.h"
#include "core/metrics/PairMetrics.h"
#include "core/model/LanguageModel.h"
#include "core/objectives/Objective.h"
#include "core/tokenizer/Tokenizer.h"
#include "core/train/TrainingObserver.h"

namespace rgpb {

struct EvaluationOptions {
    int64_t batch_size = 32;
    int grad_diff_steps = 3;
    double beta = 0.1;        // scales DPO rewards
    torch::Tensor reference;  // [N, 2] S+_ref, S-_ref per pair; undefined = no rewards
    // Called once per pair with its index and record (S+, T+, S-, T-).
    std::function<void(std::size_t, const PairRecord&)> per_pair;
    // Called once per batch with its pair indices and log-probs (per-token included; reference
    // sums attached when `reference` is set), before per_pair: the gradient diagnostics read
    // them without a second forward pass.
    std::function<void(const std::vector<std::size_t>&, const PairLogProbs&)> per_batch;
    // Checked between batches: cancelling throws CancelledError.
    const RunControl* control = nullptr;
    // Documents of text (DataConfig::textSource()): one forward pass per batch, no grad_diff,
    // and the metrics marked as documents (core/metrics/PairMetrics.h markAsDocuments()).
    bool documents = false;
};

PairMetrics evaluatePairs(const LanguageModel& model, const std::vector<TokenizedPair>& pairs,
                          int32_t pad_id, const torch::Device& device,
                          const EvaluationOptions& options);

// A trained run loaded back: its resolved config, tokenizer, and model with the weights of a
// checkpoint. `path` is a run folder (newest checkpoint) or a checkpoint folder
// (runs/<id>/checkpoints/step-N), as core/train/ModelSource.h resolveRunCheckpoint() reads it.
struct LoadedRun {
    std::string run_dir;
    std::string checkpoint;
    RunConfig config;
    std::unique_ptr<Tokenizer> tokenizer;
    LanguageModel model;
};
LoadedRun loadRun(const std::string& path, const torch::Device& device);

// The model shape a run config asks for, given the run's tokenizer (its vocabulary size, and
// the pad and EOS ids a fresh T5 uses): a fresh model's (core/model/ModelShape.h
// freshModelShape()), or that of model.from (a Hugging Face folder's config.json; a run's or
// checkpoint's run config, followed back to where that run started), with the positions
// data.max_length needs (decoder-only).
ModelShape modelShapeFor(const RunConfig& config, const Tokenizer& tokenizer);

// Loads model.from's weights into `model` (built with modelShapeFor()): a Hugging Face
// folder's, or a run checkpoint's model.safetensors. InputError naming the file and the tensor
// when a shape does not fit.
void loadStartWeights(const LanguageModel& model, const std::string& from);

}  // namespace rgpb
