// The trainer's gradient diagnostics (issue 15) at every evaluation: the negative weights of the
// stage's objective per eval pair and the per-token log-probs of the token pairs, read from the
// evaluation's own forward passes (EvaluationOptions::per_batch); the likelihood displacement
// since the stage began; the positive/negative gradient split on a fixed probe batch (a forward
// with grad of the first probe_pairs eval pairs, in eval mode, through torch::autograd::grad:
// neither the parameters' .grad nor any random state is touched, so training is the same with
// diagnostics on or off). Implementation header (LibTorch).
#pragma once

#include <torch/types.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/config/RunConfig.h"
#include "core/data/PairBatch.h"
#include "core/diagnostics/Diagnostics.h"
#include "core/metrics/PairMetrics.h"
#include "core/model/LanguageModel.h"
#include "core/objectives/Objective.h"
#include "core/tokenizer/Tokenizer.h"

namespace rgpb {

class TrainerDiagnostics {
public:
    // `stage_steps`: the planned steps of each stage (a stage starts at the sum of those before
    // it). Writes diagnostics/tokens.json. `resume_step` >= 0 on a resume.
    TrainerDiagnostics(const RunConfig& config, std::string run_dir,
                       const std::vector<TokenizedPair>& eval, const Tokenizer& tokenizer,
                       const std::vector<int64_t>& stage_steps, int64_t resume_step);

    // Whether the evaluation of this stage gets diagnostics (documents and empty eval sets don't).
    bool active() const { return active_; }
    // Before an evaluation's forward passes / for each of its batches.
    void begin(int64_t step, int stage);
    void addBatch(const std::vector<std::size_t>& idx, const PairLogProbs& batch);
    // After the evaluation: the displacement against the stage's baseline and the probe batch's
    // gradients. `reference_eval`: the stage's [N, 2] eval reference (undefined when none).
    DiagnosticsRow finish(const std::vector<PairRecord>& pairs, const LanguageModel& model,
                          const torch::Tensor& reference_eval, const torch::Device& device);
    // diagnostics.jsonl and the evaluation's token snapshot.
    void write(const DiagnosticsRow& row) const;

private:
    const StageBaseline& baseline(const std::vector<PairRecord>& pairs);
    std::vector<GradientGroup> probeGradients(const LanguageModel& model,
                                              const torch::Tensor& reference_eval,
                                              const torch::Device& device) const;

    const RunConfig& config_;
    std::string run_dir_;
    const std::vector<TokenizedPair>& eval_;
    int32_t pad_ = 0;
    std::vector<int64_t> stage_start_;  // global step each stage starts at
    bool active_ = false;

    // The evaluation in progress.
    int64_t step_ = 0;
    int stage_ = 0;
    double seconds_ = 0.0;
    std::map<std::string, std::pair<std::string, std::vector<double>>> weights_;  // term -> values
    std::vector<std::string> terms_;                                              // in order
    TokenSnapshot tokens_;

    // The previous evaluation's pairs (a stage's baseline when it ended the stage before).
    int64_t last_step_ = -1;
    std::vector<PairRecord> last_pairs_;
    StageBaseline baseline_;
    bool have_baseline_ = false;
};

}  // namespace rgpb
