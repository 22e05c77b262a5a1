// The trainer's samples at each evaluation: greedy responses (KV cache, at most
// eval.sample_max_new_tokens tokens) to the first eval.samples distinct eval prompts, the same
// prompts at every evaluation, judged correct/incorrect when the prompt has a known answer
// (the synthetic task). Implementation header (LibTorch).
#pragma once

#include <torch/types.h>

#include <vector>

#include "core/config/RunConfig.h"
#include "core/data/PairText.h"
#include "core/generate/SampleLog.h"
#include "core/model/LanguageModel.h"
#include "core/tokenizer/Tokenizer.h"
#include "core/train/TrainingObserver.h"

namespace rgpb {

class EvalSampler {
public:
    EvalSampler(const RunConfig& config, const std::vector<PairText>& eval_pairs);
    bool enabled() const { return !pairs_.empty(); }
    const std::vector<PairText>& pairs() const { return pairs_; }  // one per sample prompt

    // Generates the samples with the current weights (restores the model's train/eval mode).
    // Throws CancelledError when `control` asks to cancel mid-way.
    SamplesReport sample(const LanguageModel& model, const Tokenizer& tokenizer,
                         const torch::Device& device, int64_t step, int stage,
                         const RunControl* control) const;

private:
    std::vector<PairText> pairs_;
    int64_t max_new_tokens_ = 32;
    int64_t max_prompt_tokens_ = 64;
};

}  // namespace rgpb
