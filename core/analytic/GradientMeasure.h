// The gradient lab's measured analysis (paper Fig. 3 and section 5 checked on a real model):
// for a trained model and a pair data set, per pair the information difference
// log10 |f+ - f-|, per response step the gradient difference ||P+ - P-||, and per step the
// EXACT per-logit gradient of an objective (autograd through core/objectives) beside the
// paper's approximate coefficient (core/analytic, spec.md 4.1-4.2) and the gap between them.
// Torch-free: plain request/result structs the GUI and CLI share; the work itself is in
// GradientMeasure.cpp (LibTorch) and GradientMeasureModel.h (the tensor-level entry point).
//
// Definitions (spec.md sections 1, 3, 4):
// - Steps t = 1..K are response positions (the EOS counts as a response token); a step is
//   measured for a pair when both responses have at least t tokens.
// - "Ascent" gradients: a+_t = -dL/d(logits under x+ at step t), a-_t likewise under x-. The
//   paper combines both sides through one shared logit Jacobian (its P+ ~ P- assumption), so
//   the exact per-logit coefficient of token z is a_t(z) = c+ a+_t(z) + c- a-_t(z), where
//   c+ = T+ and c- = T- for the length-normalised objectives (MLE, UL, ExMATE: the paper's
//   analysis is per step) and c+ = c- = 1 for DPO (summed log-probs). L is the spec objective
//   of one pair; DPO is measured reference-free (S_ref = 0, i.e. P_ref = 1 as in spec 4.1).
// - The paper's u and u + e (spec 4: f+ and f-) are, per objective, the probabilities its
//   per-step gradient depends on: DPO f+ = exp(S+), f- = exp(S-); UL the step's token
//   probabilities P+(y+_t), P-(y-_t) (its penalty is per token); ExMATE the length-normalised
//   exp(m+), exp(m-) (its penalty is beta exp(m-)).
// - Distinct steps (y+_t != y-_t): approx = distinctCoefficients() of spec 4.1 from the
//   step's P+(y+), P+(y-), P-(y+), P-(y-), the summed mass of all other tokens, u and e.
// - Shared steps (y+_t = y-_t = y): spec 4.2 gives the gradient as c(u, e) grad f with
//   grad f+ ~ grad f-; on the step's logits grad f+ = u (onehot(y) - P+), so
//   approx(y) = c u (1 - P+(y)) and approx(other tokens) = -approx(y).
// - MLE has no paper approximation: its approx and gap columns are NaN.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/config/RunConfig.h"

namespace rgpb {

struct GradientMeasureRequest {
    std::string model_path;       // run folder (newest checkpoint) or checkpoint folder
    std::string data_path;        // pair file; or "synthetic" / a synthetic regime name
    std::string format = "auto";  // auto, hh (= hh-rlhf), trl, contrast, causal-dialogue,
                                  // synthetic (the run's synthetic task, its eval split)
    std::string method;           // mle, dpo, ul, exmate; empty: the run's last stage's
    double beta = 0.0;            // the objective's beta; <= 0: the run's last stage's
    int steps = 3;                // K: response steps measured per pair
    std::size_t max_pairs = 200;  // first N pairs of the file (0 = all)
    std::string device = "cpu";   // cpu, cuda, cuda:N
    int64_t batch_size = 16;      // pairs per forward pass
    // When set, the pairs are this data config's eval split, generated and split with
    // `data_seed` exactly as a run of that config would (a study measures each task's eval
    // pairs); data_path and format are then unused.
    std::optional<DataConfig> data_config;
    uint64_t data_seed = 1;
};

// One pair: sequence log-probs (natural log) and response lengths (tokens incl. EOS).
struct InfoDiffRow {
    std::size_t pair = 0;
    double t_pos = 0, t_neg = 0;
    double s_pos = 0, s_neg = 0;
    double log10_info_diff = 0;  // log10 |exp(S+) - exp(S-)|; -inf when S+ == S-
};

// One pair at one step: ||P+ - P-||_1 and ||P+ - P-||_2.
struct GradDiffRow {
    std::size_t pair = 0;
    int step = 1;  // 1-based response step
    double l1 = 0, l2 = 0;
};

// Five-number summary (plus mean and count) of a sample; NaN everywhere when empty.
struct BoxStats {
    std::size_t count = 0;
    double min = 0, q1 = 0, median = 0, q3 = 0, max = 0, mean = 0;
};

// One pair at one step: exact ascent coefficients (see above) and the paper's approximation.
// For a shared step, the "pos" fields hold the shared token y and the "neg" fields are NaN.
struct DecompositionRow {
    std::size_t pair = 0;
    int step = 1;
    bool shared = false;  // y+_t == y-_t
    int32_t y_pos = 0, y_neg = 0;
    double p_pos_ypos = 0, p_pos_yneg = 0, p_neg_ypos = 0, p_neg_yneg = 0;
    double u = 0, e = 0;  // the objective's u and e (see above); DPO: rescaled so u+e <= 1
    double exact_pos = 0, exact_neg = 0, exact_other = 0;
    double approx_pos = 0, approx_neg = 0, approx_other = 0;
};

// Statistics of one coefficient over rows of one case.
struct GapSummary {
    std::string name;  // distinct:pos, distinct:neg, distinct:other, shared:token, shared:other
    std::size_t count = 0;
    double median_exact = 0, median_approx = 0;
    double median_abs_gap = 0, max_abs_gap = 0;
    double median_rel_gap = 0;  // median of |exact - approx| / |exact| over rows with exact != 0
};

// The verdict's tolerances: a case passes when its median |exact - approx| is below
// kGapAbsTolerance OR its median relative gap is below kGapRelTolerance. Both are needed: a 90 %
// relative gap on a coefficient of -0.002 is a gap of 0.0018, no failure of the approximation.
constexpr double kGapAbsTolerance = 0.01;
constexpr double kGapRelTolerance = 0.10;
// Whether a case passes (false for a case with no steps).
bool gapPasses(const GapSummary& gap);

struct GradientMeasureResult {
    std::string model;   // checkpoint measured
    std::string data;    // data described ("file (format)", "synthetic:regime eval split")
    std::string method;  // mle, dpo, ul, exmate
    double beta = 0;
    int steps = 0;
    std::size_t pairs = 0;    // pairs measured
    std::size_t skipped = 0;  // pairs skipped by the reader

    std::vector<InfoDiffRow> info;
    std::vector<GradDiffRow> grad;
    std::vector<DecompositionRow> decomposition;

    // Filled by summarizeGradientMeasure():
    double info_diff_log10_median = 0;  // over pairs with S+ != S-
    std::size_t info_diff_identical = 0;
    std::vector<BoxStats> grad_l1, grad_l2;  // [t-1] for t = 1..steps
    std::size_t distinct_steps = 0, shared_steps = 0;
    std::vector<GapSummary> gaps;
    bool approximation_holds = false;  // every case with steps passes (gapPasses())
    std::string verdict;               // one line for people
};

// Progress of long work: (pairs done, pairs total). Called on the measuring thread.
using GradientMeasureProgress = std::function<void(std::size_t, std::size_t)>;

// Box statistics with linear interpolation between order statistics (NaN values ignored).
BoxStats boxStats(std::vector<double> values);

// Fills the summary fields from the rows (idempotent).
void summarizeGradientMeasure(GradientMeasureResult& result);

// The whole measurement for a request: loads the model and its tokenizer, reads and tokenizes
// the data, measures, summarises. InputError naming the file for a missing run or a malformed
// data file; ArgumentError for a bad method/format/steps; CancelledError when `cancel` is set.
GradientMeasureResult measureGradients(const GradientMeasureRequest& request,
                                       const GradientMeasureProgress& progress = {},
                                       const std::atomic<bool>* cancel = nullptr);

// Writes info_diff.csv, grad_diff.csv, grad_diff_summary.csv, decomposition.csv and
// summary.json into `dir` (created if needed; each file written to a temporary and renamed).
void writeGradientMeasure(const GradientMeasureResult& result, const std::string& dir);

}  // namespace rgpb
