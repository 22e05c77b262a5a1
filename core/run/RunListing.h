// The rows of `rgpb runs`: what comparing runs needs, read from each run folder's summary.json
// (status, steps, final metrics, time) and config.yaml (seeds, data, and per stage the method,
// beta and learning rate, since one "beta" or "lr" is ambiguous for a two-stage recipe),
// `--where key=value` filters over them, and the three output formats (an aligned table, JSON
// with numbers as numbers, RFC 4180 CSV). A run whose config cannot be read is still listed,
// with empty config columns and the problem. Torch-free.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/run/RunStore.h"

namespace rgpb {

struct RunStageColumns {
    std::string method;              // the stage's objective, "dpo", "dpo+0.2*mle"
    std::vector<std::string> kinds;  // its terms' objective kinds, "dpo", "mle"
    std::optional<double> beta;      // StageConfig::beta(): none for a stage of MLE alone
    double lr = 0.0;                 // the stage's lr, or optimizer.lr when it has none
};

struct RunRow {
    RunSummary summary;  // run id, name, recipe, status, reason, steps, metrics, time
    bool has_config = false;
    std::string config_problem;  // why config.yaml could not be read (has_config false)
    uint64_t seed = 0;
    uint64_t data_seed = 0;   // RunConfig::dataSeed()
    std::string data;         // the synthetic regime, or the data file's name
    std::string data_source;  // data.source as configured (a full path for files)
    std::vector<RunStageColumns> stages;
};

// Rows for listRuns(runs_dir) (newest first), each with its config.yaml read.
std::vector<RunRow> listRunRows(const std::string& runs_dir);
// The row of one listed run (reads <summary.dir>/config.yaml).
RunRow runRow(const RunSummary& summary);

// The per-stage texts of the lr and beta columns: one stage "0.1"; several stages name their
// methods, "exmate 0.5 -> dpo 0.1" (a stage without a beta shows its method alone, "mle").
std::string runBetaText(const RunRow& row);
std::string runLrText(const RunRow& row);
// The data column: the synthetic regime ("response-contrast") or the file name of the source.
std::string runDataText(const std::string& source, const std::string& synthetic_regime);

// One `--where key=value` condition. Conditions on the same key are alternatives (any may
// hold); conditions on different keys must all hold.
struct RunFilter {
    std::string key, value;
};
// The keys --where accepts, in the order the error message lists them.
const std::vector<std::string>& runFilterKeys();
// "key=value" -> a filter. rgpb::Error naming the condition when there is no '=', the key is not
// one of runFilterKeys() (listing them), or the value cannot be one of that key (a status that
// does not exist, a seed that is not a whole number, a beta that is not a number).
RunFilter parseRunFilter(const std::string& condition);
// Whether `row` passes every key's conditions. recipe: summary.json's ("a -> b", spaces ignored);
// method: any stage's method or any of its terms' ("sft" is "mle"); status; seed; data_seed;
// data: the data column or the full source; beta: any stage's beta; name: the config name or
// the run folder's name. A row without a config passes no condition on a config column.
bool runMatches(const RunRow& row, const std::vector<RunFilter>& filters);
std::vector<RunRow> filterRuns(std::vector<RunRow> rows, const std::vector<RunFilter>& filters);

// The outputs. Table: aligned columns run, recipe, status, seed, data seed, data, lr, beta,
// steps, perplexity, agility, time, with a run's failure reason or config problem on the line
// below it. JSON: an array of objects with every column (numbers as numbers, per-stage lr and
// beta as arrays, a missing metric as null). CSV: a header row, then one row per run.
std::string runTable(const std::vector<RunRow>& rows);
std::string runJson(const std::vector<RunRow>& rows);
std::string runCsv(const std::vector<RunRow>& rows);

}  // namespace rgpb
