// How a training run reports: an observer interface the CLI's console printer and the GUI's
// Qt adapter implement, plus a control token for cancel and pause. Torch-free. The trainer calls
// the observer on its own (worker) thread and never waits for a listener beyond the call, so
// implementations must be quick (the GUI adapter queues plain values to the GUI thread).
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "core/diagnostics/Diagnostics.h"
#include "core/generate/SampleLog.h"
#include "core/metrics/PairMetrics.h"
#include "core/run/RunStore.h"

namespace rgpb {

struct RunStartInfo {
    std::string run_dir;
    std::string device;      // "cpu", "cuda:0"
    int64_t parameters = 0;  // model parameter count
    int64_t train_pairs = 0;
    int64_t eval_pairs = 0;
    int64_t total_steps = 0;  // over all stages
    int64_t start_step = 0;   // > 0 when resuming
    int threads = 0;
};

// What a run is doing between optimizer steps, so a display can say more than "0/400" while a
// DPO stage caches its reference log-probs for minutes.
enum class RunPhase {
    Preparing,         // loading data, building the model, restoring a checkpoint
    CachingReference,  // a DPO stage's reference log-probs (done/total: pairs, train + eval)
    Evaluating,        // an evaluation of the eval split (done/total: pairs)
    Training,          // optimizer steps (done/total: global steps)
};

// "preparing", "caching reference log-probs", "evaluating", "training".
inline const char* runPhaseName(RunPhase phase) {
    switch (phase) {
        case RunPhase::Preparing:
            return "preparing";
        case RunPhase::CachingReference:
            return "caching reference log-probs";
        case RunPhase::Evaluating:
            return "evaluating";
        case RunPhase::Training:
            break;
    }
    return "training";
}

struct PhaseProgress {
    RunPhase phase = RunPhase::Preparing;
    int stage = 0;
    int64_t done = 0;   // units done in this phase (see RunPhase)
    int64_t total = 0;  // units planned; 0 when unknown
};

struct StepMetrics {
    int64_t step = 0;  // global optimizer step, 1-based
    int stage = 0;     // stage index
    std::string stage_name;
    int64_t stage_step = 0;   // step within the stage, 1-based
    int64_t stage_steps = 0;  // steps planned for the stage
    int64_t total_steps = 0;  // steps planned for the run
    double loss = 0.0;
    double grad_norm = 0.0;  // before clipping
    double lr = 0.0;
    double tokens_per_s = 0.0;
    double step_time_ms = 0.0;
    double peak_memory_mb = 0.0;  // peak resident memory (CPU) or peak allocated (CUDA)
    int64_t tokens = 0;           // tokens seen so far (both sides, padding excluded)
    double elapsed_s = 0.0;       // wall time since the run (or resume) started
    double eta_s = 0.0;           // estimated seconds left
    bool skipped = false;         // NaN/Inf loss or gradient: the update was not applied
    NamedValues stats;            // objective diagnostics ("dpo/reward_margin", ...)
};

struct EvalReport {
    int64_t step = 0;
    int stage = 0;
    PairMetrics metrics;
    std::vector<PairRecord> pairs;  // per-pair S+, T+, S-, T- in eval-split order
    double seconds = 0.0;           // time the evaluation took
};

class TrainingObserver {
public:
    virtual ~TrainingObserver() = default;
    virtual void onStart(const RunStartInfo&) {}
    virtual void onStageStart(int /*stage*/, const std::string& /*name*/, int64_t /*steps*/) {}
    // Work between steps (reference caching, evaluation) as it goes; a step (onStep) means the
    // run is training again.
    virtual void onPhase(const PhaseProgress&) {}
    virtual void onStep(const StepMetrics&) {}
    virtual void onEval(const EvalReport&) {}
    // Greedy responses to the run's fixed sample prompts, after each evaluation
    // (eval.samples > 0); also appended to samples.jsonl.
    virtual void onSamples(const SamplesReport&) {}
    // Gradient diagnostics of each evaluation (diagnostics.enabled), just before its onEval;
    // already appended to diagnostics.jsonl (core/diagnostics/Diagnostics.h).
    virtual void onDiagnostics(const DiagnosticsRow&) {}
    virtual void onCheckpoint(int64_t /*step*/, const std::string& /*path*/) {}
    virtual void onFinished(const RunSummary&) {}
    // The run failed or was cancelled; summary.status says which, summary.reason why.
    virtual void onFailed(const RunSummary&) {}
};

// Shared between the thread that trains and whoever controls it. Checked between steps.
class RunControl {
public:
    // `signal`: the POSIX signal that asked (SIGTERM, ...), 0 for the user or the window.
    // Async-signal-safe: a signal handler may call it.
    void requestCancel(int signal = 0) {
        signal_.store(signal);
        cancel_.store(true);
    }
    int cancelSignal() const { return signal_.load(); }
    void setPaused(bool paused) { pause_.store(paused); }
    bool cancelRequested() const { return cancel_.load(); }
    bool paused() const { return pause_.load(); }

private:
    std::atomic<bool> cancel_{false};
    std::atomic<bool> pause_{false};
    std::atomic<int> signal_{0};
};

}  // namespace rgpb
