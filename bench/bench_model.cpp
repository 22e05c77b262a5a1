// Throughput of the GptNeoX model on random tokens: training (forward + objective + backward +
// AdamW step) and forward-only tokens per second at batch 16 x seq 64 and 128, KV-cache
// decoding, peak resident memory, and model-FLOP utilisation, for the micro and tiny presets.
// Prints numbers; asserts nothing.
//
// Usage: bench_model [threads=2] [seconds per measurement=3] [sizes=micro,tiny] [options]
//   (or --threads N --seconds S --sizes micro,tiny)
//   --objectives mle,dpo,exmate,ul  training losses, core/objectives through makeObjective and
//                                   sequenceLogProbs (default mle; --objective is the same)
//   --precision fp32,bf16           autocast to bf16 around the forward (core/train/Autocast.h)
//   --seqs 64,128                   sequence lengths (batch rows of seq tokens, seq - 1 inputs)
//   --batch 16                      rows; the first half are the "good" sequences, the second
//                                   half the "bad" ones (the loss mask is all ones)
//   --train-only                    skip the forward-only and decoding measurements
//   --peak-seconds 1                time of the peak matrix-product measurement per precision
//                                   (0: no MFU)
//   --peak-size 2048                n of the peak's n x n x n product (8192 on a big GPU)
//   --device cpu                    cpu, cuda or cuda:N (timings synchronize the device)
//   --vocab 260                     vocabulary size (50304 for the real Pythia shapes)
//   --parity-out FILE               write the first size's weights, a batch, its float32 logits
//                                   and every objective's loss and gradient norm for
//                                   `bench/eager_reference.py --check FILE`, then exit
// Lists take commas or spaces. Each training measurement also prints one machine-readable line:
//   rgpb <size> <objective> <precision> <threads> <tokens/s> seq=<seq> gflops=<g> mfu=<f>
// and each peak `peak <precision> <threads> <gflop/s> n=2048`; scripts/bench-eager.sh reads them.
//
// Training FLOPs per token: 6 x (parameters minus the input embedding table, a lookup) + the
// attention score and weighted-sum products, 12 x layers x hidden x inputs (forward 4, backward
// 8; the full square, as the unfused kernels compute it). MFU divides the achieved rate by the
// peak measured here at the same precision and thread count (bench/MatmulPeak.h).
//
// On a machine whose cores are shared with other work, OpenMP's default spin-waiting can make
// 2 threads 10-30x slower than 1: the program starts with the passive policy unless
// OMP_WAIT_POLICY is set (core/util/ProcessSetup.h; printed below).
#include <torch/torch.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "bench/ListArgument.h"
#include "bench/MatmulPeak.h"
#include "core/model/GptNeoX.h"
#include "core/model/ModelConfig.h"
#include "core/model/Safetensors.h"
#include "core/objectives/Objective.h"
#include "core/train/Autocast.h"
#include "core/util/Error.h"
#include "core/util/ProcessSetup.h"
#include "core/util/ProcessStats.h"

namespace {

using Clock = std::chrono::steady_clock;
constexpr double kBeta = 0.5;  // every objective's beta, as in bench/eager_reference.py

// Runs `step` twice to warm up, then until `seconds` have passed (at least 3 times); returns
// steps per second. Each step ends when `device` has finished it.
template <typename Step>
double stepsPerSecond(double seconds, const torch::Device& device, Step&& step) {
    step();
    step();
    rgpb::bench::synchronize(device);
    int steps = 0;
    const auto start = Clock::now();
    double elapsed = 0.0;
    while (steps < 3 || elapsed < seconds) {
        step();
        rgpb::bench::synchronize(device);
        ++steps;
        elapsed = std::chrono::duration<double>(Clock::now() - start).count();
    }
    return steps / elapsed;
}

using rgpb::bench::splitList;

struct Args {
    int threads = 2;
    double seconds = 3.0;
    std::vector<std::string> sizes{"micro", "tiny"};
    std::vector<std::string> objectives{"mle"};
    std::vector<std::string> precisions{"fp32"};
    std::vector<int64_t> seqs{64, 128};
    int64_t batch = 16;
    bool train_only = false;
    double peak_seconds = 1.0;
    int64_t peak_size = 2048;
    std::string device = "cpu";
    int64_t vocab = 260;
    std::string parity_out;
};

[[noreturn]] void usageError(const std::string& message) {
    std::fprintf(stderr, "bench_model: %s\n(see the usage at the top of bench/bench_model.cpp)\n",
                 message.c_str());
    std::exit(2);
}

double number(const std::string& flag, const std::string& text, double min) {
    char* end = nullptr;
    const double v = std::strtod(text.c_str(), &end);
    if (text.empty() || *end != '\0' || !(v >= min))
        usageError(flag + " expects a number >= " + std::to_string(static_cast<int>(min)) +
                   ", got '" + text + "'");
    return v;
}

Args parseArgs(int argc, char** argv) {
    Args a;
    int positional = 0;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg.rfind("--", 0) != 0) {
            if (positional == 0)
                a.threads = static_cast<int>(number("threads (1st argument)", arg, 1));
            else if (positional == 1)
                a.seconds = number("seconds (2nd argument)", arg, 0);
            else if (positional == 2)
                a.sizes = splitList(arg);
            else
                usageError("unexpected argument '" + arg + "'");
            ++positional;
            continue;
        }
        if (arg == "--train-only") {
            a.train_only = true;
            continue;
        }
        if (i + 1 >= argc)
            usageError("option " + arg + " expects a value");
        const std::string value = argv[++i];
        if (arg == "--objectives" || arg == "--objective") {
            a.objectives = splitList(value);
            for (const auto& o : a.objectives)
                rgpb::parseObjectiveKind(o);  // ArgumentError listing the names
        } else if (arg == "--threads") {
            a.threads = static_cast<int>(number("--threads", value, 1));
        } else if (arg == "--seconds") {
            a.seconds = number("--seconds", value, 0);
        } else if (arg == "--sizes") {
            a.sizes = splitList(value);
        } else if (arg == "--precision") {
            a.precisions = splitList(value);
            for (const auto& p : a.precisions) {
                if (p != "fp32" && p != "bf16")
                    usageError("--precision expects fp32 and/or bf16, got '" + p + "'");
            }
        } else if (arg == "--seqs") {
            a.seqs.clear();
            for (const auto& s : splitList(value))
                a.seqs.push_back(static_cast<int64_t>(number("--seqs", s, 2)));
        } else if (arg == "--batch") {
            a.batch = static_cast<int64_t>(number("--batch", value, 2));
            if (a.batch % 2 != 0)
                usageError("--batch expects an even number (good and bad halves), got " + value);
        } else if (arg == "--peak-seconds") {
            a.peak_seconds = number("--peak-seconds", value, 0);
        } else if (arg == "--peak-size") {
            a.peak_size = static_cast<int64_t>(number("--peak-size", value, 1));
        } else if (arg == "--device") {
            if (value != "cpu" && value.rfind("cuda", 0) != 0)
                usageError("--device expects cpu, cuda or cuda:N, got '" + value + "'");
            a.device = value;
        } else if (arg == "--vocab") {
            a.vocab = static_cast<int64_t>(number("--vocab", value, 2));
        } else if (arg == "--parity-out") {
            a.parity_out = value;
        } else {
            usageError("unknown option '" + arg + "'");
        }
    }
    if (a.sizes.empty() || a.objectives.empty() || a.precisions.empty() || a.seqs.empty())
        usageError("empty list of sizes, objectives, precisions or sequence lengths");
    return a;
}

// Parameters that take part in matrix products: all but the input embedding table.
int64_t nonEmbeddingParameters(const rgpb::ModelConfig& c) {
    return c.parameterCount() - c.vocab_size * c.hidden_size;
}

// Training FLOPs per token at `inputs` tokens per row (see the top of the file).
double trainingFlopsPerToken(const rgpb::ModelConfig& c, int64_t inputs) {
    return 6.0 * static_cast<double>(nonEmbeddingParameters(c)) +
           12.0 * static_cast<double>(c.num_layers * c.hidden_size * inputs);
}

// One batch of rows: first half good, second half bad; the loss mask is all ones.
struct Batch {
    torch::Tensor ids, inputs, labels, mask;
    int64_t half = 0;
};

Batch randomBatch(const rgpb::ModelConfig& c, int64_t rows, int64_t seq,
                  const torch::Device& device = torch::kCPU) {
    Batch b;
    b.ids = torch::randint(0, c.vocab_size, {rows, seq}, torch::kInt64).to(device);
    b.inputs = b.ids.narrow(1, 0, seq - 1);
    b.labels = b.ids.narrow(1, 1, seq - 1);
    b.half = rows / 2;
    b.mask = torch::ones({b.half, seq - 1}, torch::TensorOptions().device(device));
    return b;
}

rgpb::PairLogProbs pairLogProbs(const torch::Tensor& logits, const Batch& b) {
    rgpb::PairLogProbs p;
    p.pos = rgpb::sequenceLogProbs(logits.narrow(0, 0, b.half), b.labels.narrow(0, 0, b.half),
                                   b.mask, "positive");
    p.neg = rgpb::sequenceLogProbs(logits.narrow(0, b.half, b.half),
                                   b.labels.narrow(0, b.half, b.half), b.mask, "negative");
    return p;
}

// DPO's cached reference: S+ and S- of the model as it is now, without gradients, as the
// trainer caches them before a DPO stage.
std::pair<torch::Tensor, torch::Tensor> cachedReference(rgpb::GptNeoX& model, const Batch& b) {
    torch::NoGradGuard no_grad;
    auto p = pairLogProbs(model->forward(b.inputs), b);
    return {p.pos.sum, p.neg.sum};
}

double gradNorm(rgpb::GptNeoX& model) {
    double squares = 0.0;
    for (const auto& p : model->parameters()) {
        if (p.grad().defined())
            squares += p.grad().to(torch::kFloat64).pow(2).sum().item<double>();
    }
    return std::sqrt(squares);
}

// --parity-out: what bench/eager_reference.py --check recomputes (float32, no autocast). The
// DPO reference sums are arbitrary fixed constants near a uniform model's -T ln V, unequal
// across rows so that h varies.
void writeParity(const Args& args) {
    const auto config = rgpb::ModelConfig::named(args.sizes.front(), 260);
    torch::manual_seed(0);
    rgpb::GptNeoX model(config);
    const int64_t seq = args.seqs.front();
    Batch b = randomBatch(config, args.batch, seq);
    std::vector<std::pair<std::string, torch::Tensor>> tensors = rgpb::namedWeights(model);
    for (auto& t : tensors)
        t.second = t.second.detach().clone();
    const double uniform = -static_cast<double>(seq - 1) * std::log(260.0);
    auto row = torch::arange(b.half, torch::kFloat32);
    auto ref_pos = uniform + 0.3 * row, ref_neg = uniform - 0.2 * row;
    std::vector<int64_t> name(config.name.begin(), config.name.end());
    tensors.emplace_back("bench.size", torch::tensor(name, torch::kInt64));
    tensors.emplace_back("bench.ids", b.ids);
    tensors.emplace_back("bench.ref_pos", ref_pos);
    tensors.emplace_back("bench.ref_neg", ref_neg);
    {
        torch::NoGradGuard no_grad;
        tensors.emplace_back("bench.logits", model->forward(b.inputs));
    }
    for (const char* objective : {"mle", "dpo", "exmate", "ul"}) {
        auto loss_fn = rgpb::makeObjective(
            rgpb::ObjectiveSpec::single(rgpb::parseObjectiveKind(objective), kBeta));
        model->zero_grad();
        rgpb::PairLogProbs p = pairLogProbs(model->forward(b.inputs), b);
        p.ref_pos_sum = ref_pos;
        p.ref_neg_sum = ref_neg;
        auto loss = loss_fn->compute(p).loss;
        loss.backward();
        tensors.emplace_back(std::string("bench.loss.") + objective, loss.detach());
        tensors.emplace_back(std::string("bench.gradnorm.") + objective,
                             torch::tensor(gradNorm(model), torch::kFloat64));
        std::printf("parity %s %s: loss %.7f, gradient norm %.7f\n", config.name.c_str(), objective,
                    loss.item<double>(), gradNorm(model));
    }
    rgpb::saveSafetensors(args.parity_out, tensors);
    std::printf("wrote %s\n", args.parity_out.c_str());
}

}  // namespace

RGPB_PROCESS_SETUP()

int main(int argc, char** argv) try {
    const Args args = parseArgs(argc, argv);
    torch::set_num_threads(args.threads);
    if (!args.parity_out.empty()) {
        writeParity(args);
        return 0;
    }
    const torch::Device device(args.device);
    if (device.is_cuda() && !torch::cuda::is_available())
        throw std::runtime_error("--device " + args.device + ": CUDA is not available");
    std::printf(
        "GptNeoX throughput, %d threads (OpenMP wait policy %s), LibTorch %s, %s, vocab %lld\n",
        args.threads, rgpb::openMpWaitPolicy().c_str(), TORCH_VERSION, device.str().c_str(),
        static_cast<long long>(args.vocab));

    std::map<std::string, double> peak;  // precision -> FLOP/s
    if (args.peak_seconds > 0) {
        for (const auto& precision : args.precisions) {
            peak[precision] =
                rgpb::bench::matmulPeakFlops(precision, args.peak_size, args.peak_seconds, device);
            std::printf("peak matrix product %s (%lld^3, %d threads, %s): %.1f GFLOP/s\n",
                        precision.c_str(), static_cast<long long>(args.peak_size), args.threads,
                        device.str().c_str(), peak[precision] / 1e9);
            std::printf("peak %s %d %.1f n=%lld\n", precision.c_str(), args.threads,
                        peak[precision] / 1e9, static_cast<long long>(args.peak_size));
        }
    }

    for (const auto& size : args.sizes) {
        rgpb::resetPeakResidentMemory();
        torch::manual_seed(0);
        const auto config = rgpb::ModelConfig::named(size, args.vocab);
        rgpb::GptNeoX model(config);
        model->to(device);
        torch::optim::AdamW optimizer(model->parameters(),
                                      torch::optim::AdamWOptions(3e-4).weight_decay(0.01));
        std::printf(
            "\n%s: %lld parameters, %lld without the input embedding (hidden %lld, "
            "layers %lld, heads %lld)\n",
            size.c_str(), static_cast<long long>(config.parameterCount()),
            static_cast<long long>(nonEmbeddingParameters(config)),
            static_cast<long long>(config.hidden_size), static_cast<long long>(config.num_layers),
            static_cast<long long>(config.num_heads));
        std::printf("params rgpb %s %lld non-embedding %lld\n", size.c_str(),
                    static_cast<long long>(config.parameterCount()),
                    static_cast<long long>(nonEmbeddingParameters(config)));
        for (const int64_t seq : args.seqs) {
            Batch b = randomBatch(config, args.batch, seq, device);
            const double tokens = static_cast<double>(args.batch * (seq - 1));
            const double flops_per_token = trainingFlopsPerToken(config, seq - 1);
            for (const auto& precision : args.precisions) {
                std::map<std::string, double> step_rate;  // objective -> steps per second
                for (const auto& name : args.objectives) {
                    auto objective = rgpb::makeObjective(
                        rgpb::ObjectiveSpec::single(rgpb::parseObjectiveKind(name), kBeta));
                    std::pair<torch::Tensor, torch::Tensor> reference;
                    if (objective->needsReference())
                        reference = cachedReference(model, b);
                    const double train = stepsPerSecond(args.seconds, device, [&] {
                        torch::Tensor logits;
                        {
                            rgpb::AutocastScope autocast(precision, device.type());
                            logits = model->forward(b.inputs);
                        }
                        rgpb::PairLogProbs p = pairLogProbs(logits, b);
                        p.ref_pos_sum = reference.first;
                        p.ref_neg_sum = reference.second;
                        auto loss = objective->compute(p).loss;
                        optimizer.zero_grad();
                        loss.backward();
                        optimizer.step();
                    });
                    step_rate[name] = train;
                    const double rate = train * tokens, achieved = rate * flops_per_token;
                    const double mfu = peak.count(precision) ? achieved / peak[precision] : 0.0;
                    std::printf(
                        "  train %-6s %s batch %lld x seq %lld: %9.0f tok/s  %7.2f GFLOP/s  "
                        "MFU %5.1f%%\n",
                        name.c_str(), precision.c_str(), static_cast<long long>(args.batch),
                        static_cast<long long>(seq), rate, achieved / 1e9, 100.0 * mfu);
                    std::printf("rgpb %s %s %s %d %.0f seq=%lld gflops=%.3f mfu=%.4f\n",
                                size.c_str(), name.c_str(), precision.c_str(), args.threads, rate,
                                static_cast<long long>(seq), achieved / 1e9, mfu);
                    std::fflush(stdout);
                }
                if (step_rate.count("dpo") && step_rate.count("exmate"))
                    std::printf(
                        "  DPO step / ExMATE step: %.2fx (cached reference, %s, seq %lld)\n",
                        step_rate["exmate"] / step_rate["dpo"], precision.c_str(),
                        static_cast<long long>(seq));
                if (args.train_only)
                    continue;
                double forward = 0.0;
                {
                    torch::InferenceMode inference;
                    rgpb::AutocastScope autocast(precision, device.type());
                    forward =
                        stepsPerSecond(args.seconds, device, [&] { model->forward(b.inputs); });
                }
                std::printf("  forward %s batch %lld x seq %lld: %9.0f tok/s\n", precision.c_str(),
                            static_cast<long long>(args.batch), static_cast<long long>(seq),
                            forward * tokens);
            }
        }
        if (!args.train_only) {
            // Incremental decoding, batch 1: prefill 32 tokens, then one token per step.
            torch::InferenceMode inference;
            auto prompt = torch::randint(0, config.vocab_size, {1, 32}, torch::kInt64).to(device);
            auto next = torch::randint(0, config.vocab_size, {1, 1}, torch::kInt64).to(device);
            const int64_t steps = 96;
            const double runs = stepsPerSecond(args.seconds, device, [&] {
                rgpb::KVCache cache;
                model->forward(prompt, {}, &cache);
                for (int64_t i = 0; i < steps; ++i)
                    model->forward(next, {}, &cache);
            });
            std::printf("  decode fp32 (KV cache, batch 1, 32 + %lld tokens): %9.0f tok/s\n",
                        static_cast<long long>(steps), runs * steps);
        }
        std::printf("  peak RSS %.0f MiB\n", rgpb::peakResidentMemoryMb());
    }
    return 0;
} catch (const std::exception& e) {
    std::fprintf(stderr, "bench_model: %s\n", e.what());
    return 1;
}
