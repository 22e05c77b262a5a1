// The runs a study needs and the order they can run in. planStudy() turns a spec into single-stage
// runs, content-addressed: a run's folder is named after a hash of its resolved config and of its
// inputs (data file bytes, the run it starts from), so identical runs are planned once, a shared
// first stage (MLE -> DPO and MLE -> ExMATE) is trained once, and the base is reused by any study
// under the same studies folder. The state of a run is read from its folder (summary.json and
// its lock), never kept elsewhere, so `rgpb study resume`, `rgpb study status` and the Study tab
// agree. Torch-free: running a run is the caller's job (the CLI spawns `rgpb train`, the window
// queues it).
//
// Layout:  <studies>/<name>/study.yaml        the study file as run (copy)
//          <studies>/<name>/study.json        plan, cells -> runs, selections, provenance
//          <studies>/.runs/<slug>-<hash>/     every planned run (a normal run folder)
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/config/RunConfig.h"
#include "core/run/RunStatus.h"
#include "core/study/StudyResults.h"
#include "core/study/StudySpec.h"

namespace rgpb {

enum class PlannedRunKind { Base, Selection, Stage, Measure };

struct PlannedRun {
    PlannedRunKind kind = PlannedRunKind::Stage;
    std::string label;     // "high-info: mle -> dpo b0.5 s2 (stage 2)"
    std::string run_dir;   // absolute
    RunConfig config;      // single stage; model.from names the run it starts from, if any
    std::vector<std::size_t> depends_on;  // indices of runs that must finish first
};

// One cell of the grid and the runs of its stages (indices into StudyPlan::runs).
struct PlannedCell {
    std::string task;
    InfoRegime regime = InfoRegime::High;
    std::string recipe;  // "mle -> dpo"
    double beta = 0.0;   // 0 for a recipe without a beta-using stage (MLE alone)
    uint64_t seed = 0;
    std::vector<std::size_t> runs;  // one per stage, first stage first
    std::vector<double> stage_lr;
};

struct StudyPlan {
    std::string study_dir;
    std::vector<PlannedRun> runs;  // in an order where every dependency comes first
    std::vector<PlannedCell> cells;
    std::vector<StudySelection> selections;  // lr 0 while the selection runs are not all done
    std::vector<std::string> notes;          // skipped optional tasks
    std::vector<std::pair<std::string, std::string>> data_hashes;  // task -> content hash
    // Every learning rate is known: the plan's stage runs will not change when re-planned.
    bool settled = true;
};

// The plan of a spec under `studies_dir`. Learning-rate dependent runs are planned once the
// selection runs they depend on have finished (their configs name the chosen lr); before that
// they appear with the first candidate lr and the selection runs in depends_on.
StudyPlan planStudy(const StudySpec& spec, const std::string& studies_dir);

enum class PlannedRunState { Pending, Ready, Running, Finished, Failed };
PlannedRunState plannedRunState(const StudyPlan& plan, std::size_t index);
const char* plannedRunStateName(PlannedRunState state);  // "pending", "ready", ...

// The content hash of a run (16 hex digits): its resolved config (toYaml, with the thread count
// left out and model.from replaced by `from_hash`, the hash of the run it starts from) and
// `data_hash` (the bytes of its data file; empty for generated data).
std::string plannedRunHash(const RunConfig& config, const std::string& from_hash,
                           const std::string& data_hash);

// A measurement (PlannedRunKind::Measure) that did not work leaves this file in its folder
// with the reason, so that it is reported failed and not retried until resumed.
inline constexpr const char* kMeasureFailedFile = "failed.txt";

// Writes <study_dir>/study.json (atomically): the spec's name, the study file's copy and hash,
// the cells with their run folders and stage learning rates, the selections, the measures'
// folders and `provenance`. loadStudyResults() reads it back.
void writeStudyJson(const StudySpec& spec, const StudyPlan& plan,
                    const StudyProvenance& provenance);

}  // namespace rgpb
