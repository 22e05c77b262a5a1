// The gradient lab's replay (issue 15): for one checkpoint and one batch of pairs, the gradient
// g_m that each objective m (MLE, DPO, UL, ExMATE at one beta; spec.md section 2) puts on all of
// the model's parameters, compared side by side:
// - the norm of each g_m, overall and per layer group (embeddings, layer 1..N, head);
// - the cosine between every two methods' gradients;
// - per pair i, method m and learning rate lr, the first-order prediction of one plain SGD step
//   theta' = theta - lr g_m on the pair's sequence log-probs, dS+_i ~ -lr g_m . grad S+_i (and
//   dS-_i likewise), beside the ACTUAL change after taking that step on a copy of the model,
//   and the relative error |pred - actual| / |actual|. The error of a first-order prediction
//   grows ~lr^2, so the relative error grows ~lr: several lrs show where it stops agreeing.
// g_m is the gradient of the method's batch loss (the mean over the batch's pairs). DPO's
// reference is the replayed checkpoint itself unless a reference checkpoint is given: at its own
// reference h = 0 and g_dpo = -beta/2 mean_i (grad S+_i - grad S-_i).
// The replay runs in float64 (a copy of the model), so that the actual change of a small step is
// not rounding noise. Memory: one gradient per method and two per pair at a time (the per-pair
// dot products are taken on the fly), never N parameter-sized vectors.
// Torch-free: plain request/result structs the GUI and CLI share; the work is in
// GradientReplay.cpp (LibTorch) and GradientReplayModel.h (the tensor-level entry point).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace rgpb {

struct GradientReplayRequest {
    std::string model_path;      // run folder (newest checkpoint) or checkpoint folder
    std::string reference_path;  // DPO's reference checkpoint; empty: the replayed one itself
    std::string data_path = "synthetic";  // pair file; or "synthetic" / a synthetic regime name
    std::string format = "auto";          // as GradientMeasureRequest::format
    std::vector<std::string> methods = {"mle", "dpo", "ul", "exmate"};
    double beta = 0.1;                 // every method's beta (> 0; MLE has none)
    std::vector<double> lrs = {1e-3};  // learning rates of the step (each > 0)
    std::size_t max_pairs = 16;        // first N pairs of the data (0 = all)
    std::string device = "cpu";        // cpu, cuda, cuda:N
    int64_t batch_size = 16;           // pairs per forward pass
};

// One method's gradient: its norm overall and per group (GradientReplayResult::groups order).
struct ReplayNorms {
    std::string method;
    double loss = 0;  // the batch loss at the checkpoint
    double norm = 0;  // ||g_m||_2 over all parameters
    std::vector<double> group_norms;
};

// One pair, one method, one learning rate: predicted and actual change of S+ and S-.
struct ReplayEffect {
    std::size_t pair = 0;
    std::string method;
    double lr = 0;
    double d_pos_pred = 0, d_pos_actual = 0;
    double d_neg_pred = 0, d_neg_actual = 0;
    double rel_err_pos = 0, rel_err_neg = 0;  // |pred - actual| / |actual|; NaN when actual == 0
};

// The first-order agreement of one method at one lr, over pairs and both sides.
struct ReplayAgreement {
    std::string method;
    double lr = 0;
    double median_rel_err = 0, max_rel_err = 0;
};

struct GradientReplayResult {
    std::string model;      // checkpoint replayed
    std::string reference;  // DPO's reference ("the replayed checkpoint itself" or a path)
    std::string data;       // data described, as GradientMeasureResult::data
    double beta = 0;
    std::size_t pairs = 0;
    std::size_t skipped = 0;
    std::size_t parameters = 0;
    std::vector<std::string> methods;  // in the request's order
    std::vector<double> lrs;
    std::vector<std::string> groups;           // "embeddings", "layer 1".."layer N", "head"
    std::vector<ReplayNorms> norms;            // [method]
    std::vector<std::vector<double>> cosines;  // [method][method]; NaN for a zero gradient
    std::vector<ReplayEffect> effects;         // pair-major, then method, then lr
    std::vector<ReplayAgreement> agreement;    // [method][lr] flattened, method-major
    double seconds = 0;                        // wall time of the replay itself
};

// Progress: (work units done, total). A unit is one method's gradient, one pair's pair of
// gradients, or one stepped copy's evaluation. Called on the replaying thread.
using GradientReplayProgress = std::function<void(std::size_t, std::size_t)>;

// The request's lists validated: ArgumentError naming "methods" (mle, dpo, ul, exmate; no
// repeats, at least one), "lr" (finite, > 0, at least one), "beta" (> 0) or "batch_size".
void validateReplayRequest(const GradientReplayRequest& request, const char* where);

// Fills agreement from effects (idempotent).
void summarizeGradientReplay(GradientReplayResult& result);

// The whole replay: loads the run (and the reference), reads and tokenizes the data, replays.
// InputError naming the file for a missing run or a malformed data file; ArgumentError for a bad
// request; CancelledError when `cancel` is set.
GradientReplayResult replayGradients(const GradientReplayRequest& request,
                                     const GradientReplayProgress& progress = {},
                                     const std::atomic<bool>* cancel = nullptr);

// Writes norms.csv, cosines.csv, effects.csv and summary.json into `dir` (created if needed;
// each file through SafeFile).
void writeGradientReplay(const GradientReplayResult& result, const std::string& dir);

}  // namespace rgpb
