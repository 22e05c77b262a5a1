// Running a study: which planned run starts next, how many at once, when the study is done. The
// runner re-plans after every run that ends (a finished selection run settles a learning rate,
// which names the stage runs that depend on it) and writes study.json each time, so `rgpb study
// status` and the Study tab see the study as it goes. How a run is executed is the executor's
// business (the CLI spawns `rgpb train` as a child process; the tests write summary.json), so the
// scheduling is tested without training. Torch-free.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "core/study/StudyPlan.h"

namespace rgpb {

class StudyExecutor {
public:
    virtual ~StudyExecutor() = default;
    // Starts `run` (a training run, or a measurement for PlannedRunKind::Measure). A failed run
    // already in its folder is to be rerun: resumed where it can be, else started afresh.
    virtual void start(const PlannedRun& run) = 0;
    // Blocks until one started run ends; returns its run_dir.
    virtual std::string waitAny() = 0;
    // A stop was asked for (Ctrl-C): nothing new is started, the running ones are waited for.
    virtual bool stopRequested() const { return false; }
};

struct StudyProgress {
    std::size_t finished = 0, failed = 0, total = 0;  // planned runs
    std::vector<std::string> running;                 // labels of the runs going now
};

struct StudyRunOptions {
    int jobs = 1;               // runs at once
    bool retry_failed = false;  // resume: rerun failed and interrupted runs (once each)
    std::function<void(const StudyProgress&)> progress;  // after every start and every end
};

struct StudyRunOutcome {
    std::size_t runs_total = 0, runs_finished = 0, runs_failed = 0;
    std::size_t cells_total = 0, cells_finished = 0;
    // Cells with a failed run, or waiting on one: "task: recipe b0.5 s2: <reason>".
    std::vector<std::string> failed_cells;
    bool stopped = false;  // ended by stopRequested() with runs left to do
};

// Runs what the study still needs under `studies_dir`: copies the study file to
// <study>/study.yaml, then starts ready runs (at most options.jobs at once) until nothing more
// can start. Finished runs are never rerun. `provenance` is recorded in study.json (its
// started_at is kept from an earlier study.json; finished_at is set when every run finished).
StudyRunOutcome runStudy(const StudySpec& spec, const std::string& studies_dir,
                         StudyExecutor& executor, const StudyRunOptions& options,
                         StudyProvenance provenance);

// Cells of the plan with their state: what `rgpb study status` prints.
struct StudyCellState {
    const PlannedCell* cell = nullptr;
    PlannedRunState state = PlannedRunState::Pending;  // of its stages taken together
    std::string reason;                                // the failed run's reason
};
std::vector<StudyCellState> studyCellStates(const StudyPlan& plan);

// The spec of a study that has run: the copy <study_dir>/study.yaml, read with the original
// file's path for its relative paths (study.json names it).
StudySpec loadStudyOfFolder(const std::string& study_dir);

}  // namespace rgpb
