// Trainer's state and the named steps of a run (an implementation detail: includes LibTorch).
// Trainer.cpp runs the steps in order: open the run folder, prepare (TrainerSetup.cpp: device,
// data, model, optimizer, stage lengths), restore a resumed run (TrainerSetup.cpp), train the
// stages one optimizer step at a time (TrainerSteps.cpp), and end the run with its summary.
#pragma once

#include <spdlog/spdlog.h>
#include <torch/torch.h>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/data/PairBatch.h"
#include "core/model/LanguageModel.h"
#include "core/objectives/Objective.h"
#include "core/train/Checkpoint.h"
#include "core/train/DataOrder.h"
#include "core/train/Distributed.h"
#include "core/train/EvalSampler.h"
#include "core/train/Evaluation.h"
#include "core/train/Trainer.h"
#include "core/train/TrainerDiagnostics.h"
#include "core/train/TrainingData.h"
#include "core/util/Log.h"
#include "core/util/ThreadBudget.h"

namespace rgpb {

using TrainerClock = std::chrono::steady_clock;

// Seconds from `since` to now.
double secondsSince(TrainerClock::time_point since);

// One pass over the stages (one call of train(): a whole run, or what is left of a resumed one).
struct TrainPass {
    TrainPass(DataOrder o, double wall, int64_t step)
        : order(std::move(o)), wall_before(wall), steps_at_start(step) {}
    DataOrder order;  // which pairs the next batches take
    TrainerClock::time_point t0 = TrainerClock::now();
    double wall_before = 0.0;    // s of training in earlier sessions (resume)
    int64_t steps_at_start = 0;  // global step the pass started at
    int64_t nonfinite_run = 0;   // NaN/Inf steps in a row so far
    bool ranks_stop = false;     // data-parallel: a rank was asked to stop (agreed at a step)
};

// What one optimizer step did (the update is skipped when !finite).
struct StepOutcome {
    double loss = 0.0;       // mean over the micro-batches
    double grad_norm = 0.0;  // before clipping
    int64_t tokens = 0;      // real tokens the forward passes saw (padding not counted)
    int64_t slots = 0;       // the tokens plus the padding the forward passes computed
    NamedValues stats;       // the objective's statistics over all micro-batches
    bool finite = true;
    double allreduce_ms = 0.0;  // data-parallel: time in the gradient all-reduce
};

struct Trainer::Impl {
    RunConfig config;
    TrainerOptions options;
    std::string run_dir;

    // Held while the run folder is open (openRunFolder() to closeRunFolder()).
    std::unique_ptr<RunLock> lock;
    int log_file = -1;  // train.log's id in core/util/Log.h
    // summary.json is this run's to write: a new run from the start, a resume once its
    // checkpoint is restored (until then the summary of the run as it stopped stays).
    bool summary_ours = false;

    // Set up by prepare().
    std::optional<ThreadBudget::Lease> threads;  // this run's share of the process's cores
    int applied_threads = 0;                     // LibTorch threads set in the training thread
    int rank_threads = 0;  // data-parallel with threads 0: this rank's share of the machine
    torch::Device device{torch::kCPU};
    std::unique_ptr<TrainingData> data;
    std::unique_ptr<EvalSampler> sampler;  // samples.jsonl at each evaluation
    // Gradient diagnostics (diagnostics.enabled), made at the first evaluation; the row of the
    // evaluation in progress waits in pending_diagnostics until writeEvalRow() records it.
    std::unique_ptr<TrainerDiagnostics> diagnostics;
    std::optional<DiagnosticsRow> pending_diagnostics;
    LanguageModel model;
    LanguageModel start_model;  // model.from's weights, loaded by checkStart()
    std::unique_ptr<torch::optim::AdamW> optimizer;
    std::vector<int64_t> stage_steps;
    int64_t total_steps = 0;
    TrainState state;
    ReferenceCache reference;
    LanguageModel reference_model;  // on-the-fly reference
    std::unique_ptr<MetricsLog> metrics;
    std::shared_ptr<spdlog::logger> log = log::get("trainer");
    RunSummary summary;
    NamedValues last_train, last_eval;
    int64_t last_checkpoint_step = -1;
    std::unique_ptr<Communicator> comm;     // data-parallel runs only (options.distributed)
    const RunControl* control_ = nullptr;   // set for the duration of run()
    TrainingObserver* observer_ = nullptr;  // set for the duration of run()

    Impl(RunConfig c, TrainerOptions o) : config(std::move(c)), options(std::move(o)) {}

    // Trainer.cpp: the run folder and the end of the run.
    std::string chooseRunFolder() const;  // normalized; created unless resuming
    void openRunFolder();                 // lock, train.log, config.yaml, "running" summary
    void markResumed();                   // a resume's checkpoint is restored: "running"
    void finishSummary(RunStatus status, const std::string& reason, double wall);
    void endRun(RunStatus status, const RunControl& control, TrainingObserver& observer);
    void endEarly(RunStatus status, const std::string& reason, TrainerClock::time_point t0,
                  TrainingObserver& observer);
    void closeRunFolder();

    // Rank 0, or a run of one process: the rank that writes the run folder.
    bool root() const { return !comm || comm->root(); }
    // Work only rank 0 does (it writes: evaluations, checkpoints): the other ranks wait for its
    // outcome (true: go on, false: stop) instead of running into the next collective's timeout.
    bool rootWork(const std::string& name, const std::function<bool()>& work);

    // TrainerSetup.cpp: everything before the first step.
    void checkStart();  // before the run folder exists: stages fit the data, model.from loads
    void joinGroup();   // data-parallel: the device, the process group, the batch split
    void prepare();
    void shareRootWeights();  // data-parallel: every rank starts from rank 0's weights
    void applyThreadShare();  // the lease's share, when it changed (and says so in the log)
    void buildModel(const ModelShape& shape);
    void buildOptimizer();
    void planStages();
    void restore();  // a resumed run's checkpoint, metrics and samples
    RunStartInfo startInfo() const;

    // TrainerSteps.cpp: training. train() returns Finished or Cancelled.
    RunStatus train(TrainingObserver& observer, RunControl& control);
    DataOrder trainOrder() const;
    bool enterStage(int stage, TrainingObserver& observer);
    std::optional<RunStatus> runStage(int stage, const Objective& objective, TrainPass& pass,
                                      TrainingObserver& observer, RunControl& control);
    double setStepLr(int stage, int64_t stage_steps_total);
    StepOutcome optimizerStep(int stage, const Objective& objective, TrainPass& pass);
    void reduceAcrossRanks(StepOutcome& o, TrainPass& pass);
    ObjectiveResult backwardMicroBatch(const Objective& objective, DataOrder& order,
                                       StepOutcome& outcome);
    double gradientNorm();
    void recordStep(int stage, double lr, const StepOutcome& o, TrainerClock::time_point ts,
                    const TrainPass& pass, TrainingObserver& observer);
    double stageLr(int stage) const;
    void reportPhase(RunPhase phase, int stage, int64_t done, int64_t total);
    void startStageReference(int stage);
    void attachReference(PairLogProbs& lp, const std::vector<std::size_t>& idx, bool eval_split,
                         const SequenceBatch& batch);
    EvalReport evaluate(int stage);
    void writeEval(const EvalReport& r, TrainingObserver& observer);
    void writeEvalRow(const EvalReport& r, TrainingObserver& observer);
    // The pending diagnostics row of evaluation `r`: its files, the observer, the alert; its
    // scalars are appended to `metrics_row`. Returns the seconds it cost (0 when none).
    double writeDiagnostics(const EvalReport& r, NamedValues& metrics_row,
                            TrainingObserver& observer);
    void writeSamples(int64_t step, int stage, TrainingObserver& observer);
    bool evaluateAtStep(int stage, PendingWork from, const TrainPass& pass,
                        TrainingObserver& observer);
    void checkpoint(const TrainPass& pass, TrainingObserver& observer);
};

}  // namespace rgpb
