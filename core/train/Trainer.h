// Runs a RunConfig: its stages in order, each starting from the weights the previous one
// ended with, reporting to a TrainingObserver and writing the run store (core/run/RunStore.h).
// Torch-free public header (pimpl): the CLI and the GUI's worker adapter include it.
//
// A DPO stage computes the reference log-probs of its training and evaluation pairs once with
// the frozen start-of-stage model and caches them (saved with checkpoints, so a resumed run
// uses the same reference); `dpo.on_the_fly_reference` keeps a frozen copy instead.
// NaN/Inf in the loss or gradients skips the update; max_nonfinite_steps in a row fail the run.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/config/RunConfig.h"
#include "core/run/RunStore.h"
#include "core/train/DistributedEnv.h"
#include "core/train/TrainingObserver.h"

namespace rgpb {

struct TrainerOptions {
    std::string runs_dir = "runs";  // where a new run folder is created
    std::string run_dir;            // set: use this folder (must be new or empty unless resuming)
    bool resume = false;            // continue run_dir from its last checkpoint
    // Stop after this global step as if cancelled, after writing a checkpoint (0 = off). Lets
    // tests and users interrupt at an exact step.
    int64_t stop_after_step = 0;
    // Fault injection for tests of the NaN handling: at these global steps (1-based) the loss
    // is multiplied by NaN before backward, so the real detection path sees a NaN loss and NaN
    // gradients.
    std::vector<int64_t> nan_loss_at_steps;
    // Set: this process is one rank of a data-parallel run (core/train/Distributed.h). Rank 0
    // writes the run folder; the others train their shard of every batch and write nothing.
    std::optional<DistributedEnv> distributed;
};

class Trainer {
public:
    Trainer(RunConfig config, TrainerOptions options);
    // Reopens run_dir (its config.yaml and last checkpoint) to continue it.
    static std::unique_ptr<Trainer> resume(const std::string& run_dir);
    // The options resume() uses (run_dir, resume), to add to before constructing the Trainer.
    static TrainerOptions resumeOptions(const std::string& run_dir);
    // Whether resume(run_dir) has something to continue: a config.yaml and a complete checkpoint.
    static bool canResume(const std::string& run_dir);
    ~Trainer();

    // Trains to the end, cancellation or failure; never throws for run errors (bad data path,
    // CUDA absent, NaN): those end as a summary with status "failed" and the reason, reported
    // through observer.onFailed and written to summary.json.
    RunSummary run(TrainingObserver& observer, RunControl& control);

    const RunConfig& config() const;
    const std::string& runDir() const;  // known once run() has created it

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace rgpb
