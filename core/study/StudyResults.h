// What a study produced, as plain values: one record per cell (task x recipe x beta x seed) with
// its final evaluation, the runs of its stages, and the study's provenance. loadStudyResults()
// reads it from a study folder (StudyPlan.h writes it); the aggregation (StudyAggregate.h), the
// claims (StudyClaims.h), the report (StudyReport.h) and the Study tab read only this struct, so
// they can be tested on constructed results. Torch-free.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/run/RunStatus.h"
#include "core/run/RunStore.h"
#include "core/study/StudySpec.h"

namespace rgpb {

struct StudyCellResult {
    std::string task;    // StudyTask::name
    InfoRegime regime = InfoRegime::High;
    std::string recipe;  // "mle -> dpo"
    double beta = 0.0;   // the study beta every beta-using stage of the cell took (0: MLE alone)
    uint64_t seed = 0;   // training seed
    std::vector<double> stage_lr;        // learning rate of each stage
    std::vector<std::string> run_dirs;   // one run per stage, first stage first
    RunStatus status = RunStatus::Running;  // Running here means not finished yet (pending)
    std::string reason;                  // why it failed / was cancelled
    double wall_time_s = 0.0;            // summed over its stages' runs
    NamedValues final_metrics;           // the last stage's final eval/... metrics (eval split)
};

// Information and gradient difference of a task's eval pairs under the base model (paper Fig. 3).
struct StudyTaskMeasure {
    std::string task;
    InfoRegime regime = InfoRegime::High;
    double info_diff_log10_mean = 0.0;    // mean log10 |f+ - f-|
    double info_diff_log10_median = 0.0;
    std::vector<double> grad_diff_l1;     // per response step t = 1..K
    std::vector<double> grad_diff_l2;
};

struct StudySelection {  // the learning rate chosen for one method on one task
    std::string task;
    std::string method;
    double lr = 0.0;
    std::vector<std::pair<double, double>> scores;  // (lr, validation score) of every candidate
    std::string select_by;
};

struct StudyProvenance {
    std::string commit;          // the project's commit (or version when not built from git)
    std::string study_file;      // path
    std::string study_hash;
    std::vector<std::pair<std::string, std::string>> data_hashes;  // task -> hash of its data
    std::string torch_version;
    std::string device;
    int64_t threads = 0;
    std::string started_at, finished_at;  // ISO 8601 UTC
};

struct StudyResults {
    StudySpec spec;
    std::vector<StudyCellResult> cells;
    std::vector<StudyTaskMeasure> measures;
    std::vector<StudySelection> selections;
    std::vector<std::string> notes;  // e.g. "task hh-rlhf skipped: ../shared/data/... is absent"
    StudyProvenance provenance;
};

// Reads <study_dir>/study.json and the summaries of the runs it names. InputError naming the file
// when study.json is missing or malformed.
StudyResults loadStudyResults(const std::string& study_dir);

}  // namespace rgpb
