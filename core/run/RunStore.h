// The run store on disk: runs/<id>/ holds config.yaml (resolved), metrics.jsonl (one JSON
// object per event), metrics.csv (the same in long form: step,stage,split,metric,value),
// train.log, checkpoints/, tokenizer/, summary.json (status, reason, final metrics, wall
// time) and run.json (the run's colour, "#rrggbb"). Torch-free: the GUI lists runs through this header. Everything that is rewritten is
// written to a temporary file and renamed, so a crash never leaves a half-written file.
#pragma once

#include <cstdint>
#include <fstream>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/metrics/PairMetrics.h"
#include "core/run/RunStatus.h"

namespace rgpb {

using NamedValues = std::vector<std::pair<std::string, double>>;

// Something a user should look at, raised while the run trained (shown by `rgpb runs`).
struct RunAlert {
    int64_t step = 0;
    int stage = 0;
    std::string kind;  // "likelihood_displacement"
    std::string message;
};

struct RunSummary {
    std::string id;      // folder name under the runs directory
    std::string dir;     // full path of the run folder
    std::string name;    // config name
    std::string recipe;  // "exmate -> dpo"
    double beta = 0.0;   // beta of the last stage that uses one (for grouping by method x beta)
    RunStatus status = RunStatus::Running;
    std::string reason;       // why it failed or was cancelled; empty otherwise
    std::string started_at;   // ISO 8601 UTC
    std::string finished_at;  // ISO 8601 UTC, empty while running
    double wall_time_s = 0.0;
    int64_t step = 0;           // optimizer steps done
    int64_t total_steps = 0;    // optimizer steps planned over all stages
    NamedValues final_metrics;  // last evaluation (eval/...) and last training step (train/...)
    std::string color;          // "#rrggbb" from run.json; empty when the run has none yet

    // In the order raised.
    std::vector<RunAlert> alerts;
    double metric(const std::string& name, double fallback = 0.0) const;
};

std::string readFile(const std::string& path);  // InputError naming the path when unreadable
std::string isoTimeNow();

// Creates runs_dir/<name>-<UTC timestamp>[-N]/ and returns its path. The new folder gets its
// colour at once (run.json, see assignRunColor), so a run from the CLI has one too.
std::string createRunDir(const std::string& runs_dir, const std::string& name);

// A run's identity colour, "#rrggbb", kept in <run>/run.json ({"color": ...}) so that it is the
// same in every plot and across restarts. The trainer never rewrites run.json.
// The fixed palette new runs take their colours from, in order.
const std::vector<std::string>& runColorPalette();
// The first palette colour not in `used`; when all are used, the least used one (first wins).
std::string nextRunColor(const std::vector<std::string>& used);
// "" when the run has no run.json (or no colour in it); an InputError naming run.json when it is
// malformed or the colour is not "#rrggbb".
std::string readRunColor(const std::string& run_dir);
void writeRunColor(const std::string& run_dir, const std::string& color);  // atomic
// The run's colour; a run without one gets nextRunColor() of the other runs under its parent
// folder, written to its run.json first.
std::string assignRunColor(const std::string& run_dir);
void writeSummary(const std::string& run_dir, const RunSummary& summary);
// InputError naming the file when summary.json is missing or malformed.
RunSummary readSummary(const std::string& run_dir);
// Every run folder under runs_dir with a summary.json, newest first. A run whose summary
// says "running" but whose lock is not held by a live process is reported as failed
// ("interrupted: the process ended without finishing"); one whose summary cannot be read (empty,
// garbage) as failed with the reason "damaged: <what is wrong with which file>".
std::vector<RunSummary> listRuns(const std::string& runs_dir);

// An exclusive lock on a run folder (run.lock holding the owner's pid). A second process that
// tries to write the same run gets rgpb::Error naming the pid; a lock left by a dead process is
// taken over.
class RunLock {
public:
    explicit RunLock(const std::string& run_dir);
    ~RunLock();
    RunLock(const RunLock&) = delete;
    RunLock& operator=(const RunLock&) = delete;
    static bool isHeld(const std::string& run_dir);  // by a live process

private:
    std::string path_;
};

class AppendFile;

// Appends metric events to metrics.jsonl and metrics.csv, whole records only (AppendFile): events
// are kept in memory until flush() (or 64 KB), which throws an Error naming the file when it
// cannot be written (disk full) and leaves both files ending with a whole event.
class MetricsLog {
public:
    explicit MetricsLog(const std::string& run_dir);
    ~MetricsLog();  // flushes; an error then is logged (the run has ended)
    MetricsLog(const MetricsLog&) = delete;
    MetricsLog& operator=(const MetricsLog&) = delete;
    // split: "train" or "eval". Values that are not finite are written as null / empty.
    void write(int64_t step, int stage, const std::string& split, const NamedValues& values);
    void flush();
    // For resume: drops every event after `last_step` from both files (atomically).
    static void truncateAfter(const std::string& run_dir, int64_t last_step);

private:
    std::unique_ptr<AppendFile> jsonl_, csv_;
    std::string jsonl_pending_, csv_pending_;
};

// Per-pair results of the latest evaluation, eval_pairs.csv (columns step,stage,pair,s_pos,
// t_pos,s_neg,t_neg: summed response log-probs and token counts, 17 significant digits),
// rewritten atomically at every evaluation. The landscape view bootstraps its intervals from it.
struct EvalPairs {
    int64_t step = 0;
    int stage = 0;
    std::vector<PairRecord> pairs;  // in eval-split order
};
void writeEvalPairs(const std::string& run_dir, const EvalPairs& eval);
// Empty `pairs` when the run has no eval_pairs.csv yet (or was made before it existed); an
// InputError naming path:line for a malformed line.
EvalPairs readEvalPairs(const std::string& run_dir);

// One parsed metrics.jsonl event.
struct MetricEvent {
    int64_t step = 0;
    int stage = 0;
    std::string split;
    NamedValues values;
};
// Reads metrics.jsonl; a malformed line is an InputError naming path:line.
std::vector<MetricEvent> readMetrics(const std::string& run_dir);

}  // namespace rgpb
