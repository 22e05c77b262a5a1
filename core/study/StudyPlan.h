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

struct StudyPlan {
    std::string study_dir;
    std::vector<PlannedRun> runs;  // in an order where every dependency comes first
};

// The plan of a spec under `studies_dir`. Learning-rate dependent runs are planned once the
// selection runs they depend on have finished (their configs name the chosen lr); before that
// they appear with the first candidate lr and the selection runs in depends_on.
StudyPlan planStudy(const StudySpec& spec, const std::string& studies_dir);

enum class PlannedRunState { Pending, Ready, Running, Finished, Failed };
PlannedRunState plannedRunState(const StudyPlan& plan, std::size_t index);

}  // namespace rgpb
