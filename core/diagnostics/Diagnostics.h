// Live gradient diagnostics of a run (issue 15), as records and their files. Torch-free: the
// trainer writes them, the window reads them, live or from a run opened from disk.
//
//   <run>/diagnostics.jsonl            one DiagnosticsRow per evaluation (appended, whole lines)
//   <run>/diagnostics/tokens.json      the response tokens of the first token_pairs eval pairs
//                                      (TokenPieces, written once per run)
//   <run>/diagnostics/tokens-step-<N>.json   per-token log-probs of those pairs at the
//                                      evaluation of step N (TokenSnapshot)
//   <run>/diagnostics/baseline-stage-<K>.json  each eval pair's S+ and S- at stage K's first
//                                      evaluation (StageBaseline; the displacement's reference,
//                                      kept so that a resumed run measures from the same point)
//
// Every whole file is written atomically (core/util/SafeFile.h). Readers throw InputError naming
// path:line (and the key) for malformed content; diagnostics.jsonl's torn last line (a writer
// killed mid-line) is skipped, like metrics.jsonl's.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace rgpb {

// The weight a penalising term of the objective puts on each pair's negative example.
struct WeightDistribution {
    std::string term;            // "dpo", "ul", "exmate"
    std::string formula;         // "beta*sigmoid(-h)", "max_t P-/(1-P-)", "beta*exp(m-)"
    std::vector<double> values;  // one per eval pair, eval-split order
    double q1 = 0.0, median = 0.0, q3 = 0.0;
};

// One eval pair's change since the stage's first evaluation (summed response log-probs).
struct DisplacedPair {
    std::size_t pair = 0;   // index in the eval split
    double d_pos = 0.0;     // S+ now - S+ at stage start
    double d_neg = 0.0;     // S- now - S- at stage start
    double d_margin = 0.0;  // (S+ - S-) now - (S+ - S-) at stage start
};

// Likelihood displacement: pairs whose chosen log-prob fell while their margin grew.
struct DisplacementInfo {
    std::size_t pairs = 0;           // displaced pairs (d_pos < 0 and d_margin > 0)
    double share = 0.0;              // pairs / eval pairs
    double threshold = 0.5;          // diagnostics.displacement_threshold
    bool alert = false;              // share >= threshold
    std::vector<DisplacedPair> top;  // displaced pairs, most d_pos lost first
};

// The gradient of the positive-side and of the negative-side part of the loss on the probe batch,
// restricted to a group of parameters.
struct GradientGroup {
    std::string name;  // "embeddings", "layer 1".."layer N", "head" (final norm + output), "all"
    double pos_norm = 0.0, neg_norm = 0.0;
    double cosine = 0.0;  // NaN when a side's gradient is zero
};

struct DiagnosticsRow {
    int64_t step = 0;
    int stage = 0;
    std::string stage_name, method;  // method: the stage's objective ("dpo", "ul+mle", ...)
    double beta = 0.0;
    std::vector<WeightDistribution> weights;  // empty for MLE/LM stages
    DisplacementInfo displacement;
    std::vector<GradientGroup> gradients;  // empty when the objective has no negative side
    std::size_t probe_pairs = 0;
    double seconds = 0.0;  // what computing this row cost
};

// The response tokens of one eval pair, as text pieces (one per token, in order).
struct TokenPieces {
    std::size_t pair = 0;
    std::vector<std::string> pos, neg;
};

// Per-token log-probs of the token pairs at one evaluation: pos[i] / neg[i] belong to pairs[i]
// and have one value per response token (as many as that pair's TokenPieces).
struct TokenSnapshot {
    int64_t step = 0;
    int stage = 0;
    int64_t stage_start_step = 0;  // the step of this stage's first snapshot (the baseline)
    std::vector<std::size_t> pairs;
    std::vector<std::vector<double>> pos, neg;
};

// Each eval pair's summed response log-probs at a stage's first evaluation.
struct StageBaseline {
    int stage = 0;
    int64_t step = 0;
    std::vector<double> s_pos, s_neg;  // eval-split order
};

// diagnostics.jsonl
void appendDiagnostics(const std::string& run_dir, const DiagnosticsRow& row);
// In file order; no file: empty.
std::vector<DiagnosticsRow> readDiagnostics(const std::string& run_dir);

// diagnostics/tokens.json
void writeTokenPieces(const std::string& run_dir, const std::vector<TokenPieces>& pieces);
std::vector<TokenPieces> readTokenPieces(const std::string& run_dir);  // no file: empty

// diagnostics/tokens-step-<N>.json
void writeTokenSnapshot(const std::string& run_dir, const TokenSnapshot& snapshot);
std::vector<int64_t> listTokenSnapshots(const std::string& run_dir);        // steps, ascending
TokenSnapshot readTokenSnapshot(const std::string& run_dir, int64_t step);  // InputError if none

// diagnostics/baseline-stage-<K>.json
void writeStageBaseline(const std::string& run_dir, const StageBaseline& baseline);
// false (and `out` untouched) when the stage has no baseline yet.
bool readStageBaseline(const std::string& run_dir, int stage, StageBaseline& out);

// For resume: drops the rows, token snapshots and baselines of evaluations after `last_step`.
void truncateDiagnosticsAfter(const std::string& run_dir, int64_t last_step);

}  // namespace rgpb
