// Training throughput per objective on this machine (issue 4's benchmark): tokens/s of a full
// optimizer step (forward of both sides, loss, backward, AdamW) for the micro and tiny models on
// synthetic pairs, the cost of a DPO step relative to an ExMATE step (cached reference vs a
// frozen reference model run on the fly), and peak memory. Sizes named t5-* are T5
// encoder-decoders (issue #20; tokens = encoder + decoder tokens). Prints numbers; asserts
// nothing.
//
// usage: bench_training [--threads N] [--steps N] [--batch B] [--sizes micro,tiny,t5-micro]
#include <torch/torch.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "core/config/RunConfig.h"
#include "core/model/LanguageModel.h"
#include "core/objectives/Objective.h"
#include "core/train/Evaluation.h"
#include "core/train/PairForward.h"
#include "core/train/TrainingData.h"
#include "core/util/ProcessSetup.h"
#include "core/util/ProcessStats.h"

using namespace rgpb;
using Clock = std::chrono::steady_clock;

namespace {

struct BenchArgs {
    int threads = 2, steps = 10, batch = 16;
    std::string sizes = "micro,tiny";
};

BenchArgs parseArgs(int argc, char** argv) {
    BenchArgs a;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!std::strcmp(argv[i], "--threads"))
            a.threads = std::atoi(argv[i + 1]);
        else if (!std::strcmp(argv[i], "--steps"))
            a.steps = std::atoi(argv[i + 1]);
        else if (!std::strcmp(argv[i], "--batch"))
            a.batch = std::atoi(argv[i + 1]);
        else if (!std::strcmp(argv[i], "--sizes"))
            a.sizes = argv[i + 1];
    }
    return a;
}

struct Case {
    std::string label;
    ObjectiveKind kind;
    bool on_the_fly;  // DPO: run the frozen reference model every step instead of the cache
};

struct Timing {
    int64_t tokens = 0;
    double seconds = 0;
};

// `steps` timed optimizer steps (after two warm-up steps) of one objective on a fresh model.
Timing timeCase(const Case& c, const ModelShape& shape, const TrainingData& data,
                const BenchArgs& args) {
    const int32_t pad = data.tokenizer->specials().pad;
    torch::Device dev(torch::kCPU);
    torch::manual_seed(1);
    LanguageModel model(shape);
    torch::optim::AdamW opt(model->parameters(), torch::optim::AdamWOptions(1e-3));
    auto objective = makeObjective(ObjectiveSpec::single(c.kind, 0.5));
    torch::Tensor ref_table;
    LanguageModel ref_model;
    if (c.kind == ObjectiveKind::Dpo) {
        if (c.on_the_fly) {
            ref_model = LanguageModel(shape);
            ref_model->eval();
        } else {
            ref_table = sequenceSums(model, data.train, pad, 64, dev);
        }
    }
    Timing t;
    for (int s = 0; s < args.steps + 2; ++s) {
        std::vector<std::size_t> idx;
        for (int b = 0; b < args.batch; ++b)
            idx.push_back(static_cast<std::size_t>((s * args.batch + b) % data.train.size()));
        auto t0 = Clock::now();
        SequenceBatch sb = collatePairs(data.train, idx, pad);
        PairForward f = forwardPairs(model, sb, dev);
        if (ref_table.defined()) {
            torch::Tensor rows = ref_table.index_select(
                0, torch::tensor(std::vector<int64_t>(idx.begin(), idx.end())));
            f.logprobs.ref_pos_sum = rows.select(1, 0);
            f.logprobs.ref_neg_sum = rows.select(1, 1);
        } else if (ref_model) {
            torch::NoGradGuard g;
            PairForward r = forwardPairs(ref_model, sb, dev);
            f.logprobs.ref_pos_sum = r.logprobs.pos.sum;
            f.logprobs.ref_neg_sum = r.logprobs.neg.sum;
        }
        opt.zero_grad();
        objective->compute(f.logprobs).loss.backward();
        opt.step();
        if (s >= 2) {  // two warm-up steps
            t.seconds += std::chrono::duration<double>(Clock::now() - t0).count();
            t.tokens += f.tokens;
        }
    }
    return t;
}

}  // namespace

RGPB_PROCESS_SETUP()

int main(int argc, char** argv) {
    const BenchArgs args = parseArgs(argc, argv);
    torch::set_num_threads(args.threads);
    std::printf("bench_training: LibTorch %s, %d threads, batch %d pairs, %d timed steps\n",
                TORCH_VERSION, args.threads, args.batch, args.steps);

    RunConfig cfg = parseRunConfig("stages: [{method: mle, steps: 1}]\n", "bench");
    cfg.data.synthetic_count = 600;
    cfg.data.eval_pairs = 10;
    TrainingData data = prepareTrainingData(cfg, "/tmp/rgpb-bench-tokenizer");

    std::stringstream ss(args.sizes);
    for (std::string size; std::getline(ss, size, ',');) {
        cfg.model.size = size;
        cfg.model.architecture = size.rfind("t5-", 0) == 0 ? "t5" : "gpt_neox";
        const ModelShape shape = modelShapeFor(cfg, *data.tokenizer);
        std::printf("\n%s: %lld parameters\n", shape.describe().c_str(),
                    static_cast<long long>(shape.parameterCount()));
        std::printf("  %-22s %12s %12s %14s\n", "objective", "tokens/s", "ms/step", "peak RSS MB");
        std::map<std::string, double> ms;
        for (const Case& c :
             {Case{"mle", ObjectiveKind::Mle, false}, Case{"exmate", ObjectiveKind::Exmate, false},
              Case{"ul", ObjectiveKind::Unlikelihood, false},
              Case{"dpo (cached ref)", ObjectiveKind::Dpo, false},
              Case{"dpo (on-the-fly ref)", ObjectiveKind::Dpo, true}}) {
            const Timing t = timeCase(c, shape, data, args);
            ms[c.label] = 1000.0 * t.seconds / args.steps;
            std::printf("  %-22s %12.0f %12.1f %14.0f\n", c.label.c_str(), t.tokens / t.seconds,
                        ms[c.label], peakResidentMemoryMb());
        }
        std::printf(
            "  DPO step / ExMATE step: %.2fx with the cached reference, %.2fx with the reference "
            "model on the fly\n",
            ms["dpo (cached ref)"] / ms["exmate"], ms["dpo (on-the-fly ref)"] / ms["exmate"]);
    }
    return 0;
}
