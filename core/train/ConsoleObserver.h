// The command line's view of a run: a progress bar with ETA and tokens/s on a terminal, plain
// log lines when output is not a terminal (CI logs, pipes), plus the evaluation results.
#pragma once

#include <chrono>
#include <cstdio>
#include <string>

#include "core/train/TrainingObserver.h"

namespace rgpb {

class ConsoleObserver : public TrainingObserver {
public:
    // `out` is where progress goes (stderr by default); `interactive` selects the bar.
    explicit ConsoleObserver(std::FILE* out = stderr, bool interactive = false,
                             int plain_every = 25);
    void onStart(const RunStartInfo& info) override;
    void onStageStart(int stage, const std::string& name, int64_t steps) override;
    void onStep(const StepMetrics& m) override;
    void onEval(const EvalReport& r) override;
    void onCheckpoint(int64_t step, const std::string& path) override;
    void onFinished(const RunSummary& s) override;
    void onFailed(const RunSummary& s) override;
    // Work between steps (caching the DPO reference, evaluating): a bar with pairs done and ETA
    // on a terminal; in plain output the reference caching at its start, every quarter and end.
    void onPhase(const PhaseProgress& p) override;

    static std::string formatDuration(double seconds);  // "1:05", "1:02:03"
    // "[#########-----------]  45%" of width `width` (characters between the brackets).
    static std::string bar(double fraction, int width);

private:
    void endBar();
    std::FILE* out_;
    bool interactive_;
    int plain_every_;
    bool bar_open_ = false;
    std::string last_eval_;
    RunPhase phase_ = RunPhase::Preparing;
    int64_t phase_reported_ = -1;  // plain output: the last quarter printed
    std::chrono::steady_clock::time_point phase_start_;
};

}  // namespace rgpb
