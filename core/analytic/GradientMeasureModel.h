// The tensor-level entry point of the gradient lab's measurement (GradientMeasure.h): measure
// a model on tokenized pairs. Implementation header (LibTorch); tests and the request-level
// measureGradients() use it, the GUI never includes it.
#pragma once

#include <torch/types.h>

#include <atomic>
#include <string>
#include <vector>

#include "core/analytic/GradientMeasure.h"
#include "core/data/PairBatch.h"
#include "core/model/LanguageModel.h"
#include "core/objectives/ObjectiveSpec.h"
#include "core/train/Evaluation.h"

namespace rgpb {

struct GradientMeasureOptions {
    ObjectiveKind method = ObjectiveKind::Exmate;
    double beta = 0.5;
    int steps = 3;            // K
    int64_t batch_size = 16;  // pairs per forward pass
    torch::Device device = torch::kCPU;
    GradientMeasureProgress progress;           // (pairs done, total) after each batch
    const std::atomic<bool>* cancel = nullptr;  // checked between batches: CancelledError
};

// Fills info, grad and decomposition rows (pair indices refer to `pairs`) and summarises.
// The model is evaluated in eval mode; its parameters get no gradient (autograd runs on the
// logits only). ArgumentError for steps < 1, batch_size < 1 or beta <= 0 (except MLE).
GradientMeasureResult measureTokenizedPairs(const LanguageModel& model,
                                            const std::vector<TokenizedPair>& pairs, int32_t pad_id,
                                            const GradientMeasureOptions& options);

// The gradient lab's shared request steps (measure and replay, GradientReplay.h).
// `device` parsed ("cpu", "cuda", "cuda:N"): ArgumentError naming --device, or Error when CUDA
// is asked for but absent; `where` names the command in the message.
torch::Device gradlabDevice(const std::string& device, const char* where);

// The pairs a request names, tokenized for `run`: its data_config's eval split, the run's
// synthetic task (data_path "synthetic", a regime name or "synthetic:REGIME"; its eval split) or
// a pair file in request.format; the first request.max_pairs of them (0 = all).
struct GradlabPairs {
    std::vector<TokenizedPair> pairs;
    std::string description;  // "file (format)", "synthetic:regime (eval split, data seed N)"
    std::size_t skipped = 0;  // records the file reader skipped
};
GradlabPairs loadGradlabPairs(const GradientMeasureRequest& request, const LoadedRun& run,
                              const char* where);

}  // namespace rgpb
