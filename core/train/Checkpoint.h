// Checkpoints of a run: checkpoints/step-NNNNNNNN/ with model.safetensors (HF names),
// optimizer.pt (AdamW moments), reference.safetensors (the cached DPO reference log-probs of
// the current stage, if any), state.json (step, stage, data order) and manifest.json (size and
// CRC-32 of each of those, core/train/CheckpointManifest.h). Written into a
// temporary folder and renamed, so a crash leaves either the old or the new checkpoint; the
// newest `keep_last` are kept; core/train/ModelSource.h finds the newest complete one.
// Implementation header.
#pragma once

#include <torch/types.h>

#include <string>
#include <vector>

#include "core/model/LanguageModel.h"
#include "core/train/ModelSource.h"  // latestCheckpoint()

namespace torch::optim {
class Optimizer;
}

namespace rgpb {

// What a cancel interrupted at the checkpoint's step, for a resume to finish first: the
// evaluation (its metrics row was not written) or only the samples after it.
enum class PendingWork { None, Evaluation, Samples };

struct TrainState {
    int64_t step = 0;        // global optimizer steps done
    int stage = 0;           // stage being trained (== stages.size() when all done)
    int64_t stage_step = 0;  // steps done in that stage
    int64_t data_epoch = 0;  // DataOrder state
    int64_t data_cursor = 0;
    int64_t tokens = 0;        // tokens seen so far
    double wall_time_s = 0.0;  // training time before this checkpoint
    int64_t train_pairs = -1;  // data sizes, checked on resume (-1: not recorded)
    int64_t eval_pairs = -1;
    PendingWork pending = PendingWork::None;
};

struct ReferenceCache {
    torch::Tensor train;  // [N_train, 2] S+_ref, S-_ref (float32, CPU); undefined if none
    torch::Tensor eval;   // [N_eval, 2]
    bool defined() const { return train.defined(); }
};

// Returns the checkpoint folder written.
std::string saveCheckpoint(const std::string& run_dir, const LanguageModel& model,
                           torch::optim::Optimizer& optimizer, const ReferenceCache& reference,
                           const TrainState& state, int64_t keep_last);

// Restores model, optimizer, reference and state from `checkpoint_dir` (a run's newest
// checkpoint), verified against its manifest. When it is damaged (a checksum or size that
// differs, a file missing or unreadable, weights that do not fit) the older checkpoints of the
// same run are tried, newest first; each one skipped is a warning in the log (and on the
// console) and the state returned is the one loaded. InputError listing every checkpoint's
// reason when none is intact.
TrainState loadCheckpoint(const std::string& checkpoint_dir, const LanguageModel& model,
                          torch::optim::Optimizer& optimizer, ReferenceCache& reference);

}  // namespace rgpb
