// Throughput of the GptNeoX model on random tokens: training (forward + backward + AdamW step)
// and forward-only tokens per second at batch 16 x seq 64 and 128, KV-cache decoding, and peak
// resident memory, for the micro and tiny presets. Prints numbers; asserts nothing.
//
// Usage: bench_model [threads=2] [seconds per measurement=3] [sizes=micro,tiny]
//
// On a machine whose cores are shared with other work, OpenMP's default spin-waiting can make
// 2 threads 10-30x slower than 1: the program starts with the passive policy unless
// OMP_WAIT_POLICY is set (core/util/ProcessSetup.h; printed below).
#include <torch/torch.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "core/model/GptNeoX.h"
#include "core/model/ModelConfig.h"
#include "core/util/ProcessSetup.h"
#include "core/util/ProcessStats.h"

namespace {

using Clock = std::chrono::steady_clock;

// Runs `step` twice to warm up, then until `seconds` have passed (at least 3 times); returns
// steps per second.
template <typename Step>
double stepsPerSecond(double seconds, Step&& step) {
    step();
    step();
    int steps = 0;
    const auto start = Clock::now();
    double elapsed = 0.0;
    while (steps < 3 || elapsed < seconds) {
        step();
        ++steps;
        elapsed = std::chrono::duration<double>(Clock::now() - start).count();
    }
    return steps / elapsed;
}

}  // namespace

RGPB_PROCESS_SETUP()

int main(int argc, char** argv) {
    const int threads = argc > 1 ? std::atoi(argv[1]) : 2;
    const double seconds = argc > 2 ? std::atof(argv[2]) : 3.0;
    std::vector<std::string> sizes;
    std::stringstream list(argc > 3 ? argv[3] : "micro,tiny");
    for (std::string s; std::getline(list, s, ',');)
        sizes.push_back(s);
    torch::set_num_threads(threads);
    std::printf(
        "GptNeoX throughput, %d threads (OpenMP wait policy %s), LibTorch %s, float32 CPU, "
        "vocab 260\n",
        threads, rgpb::openMpWaitPolicy().c_str(), TORCH_VERSION);

    const int64_t batch = 16;
    for (const auto& size : sizes) {
        rgpb::resetPeakResidentMemory();
        torch::manual_seed(0);
        const auto config = rgpb::ModelConfig::named(size, 260);
        rgpb::GptNeoX model(config);
        torch::optim::AdamW optimizer(model->parameters(),
                                      torch::optim::AdamWOptions(3e-4).weight_decay(0.01));
        std::printf("\n%s: %lld parameters (hidden %lld, layers %lld, heads %lld)\n", size.c_str(),
                    static_cast<long long>(config.parameterCount()),
                    static_cast<long long>(config.hidden_size),
                    static_cast<long long>(config.num_layers),
                    static_cast<long long>(config.num_heads));
        for (const int64_t seq : {64, 128}) {
            auto ids = torch::randint(0, config.vocab_size, {batch, seq}, torch::kInt64);
            auto inputs = ids.narrow(1, 0, seq - 1), labels = ids.narrow(1, 1, seq - 1);
            const double tokens = static_cast<double>(batch * (seq - 1));
            const double train = stepsPerSecond(seconds, [&] {
                auto logits = model->forward(inputs);
                auto loss = torch::nn::functional::cross_entropy(
                    logits.reshape({-1, config.vocab_size}), labels.reshape(-1));
                optimizer.zero_grad();
                loss.backward();
                optimizer.step();
            });
            double forward = 0.0;
            {
                torch::InferenceMode inference;
                forward = stepsPerSecond(seconds, [&] { model->forward(inputs); });
            }
            std::printf("  batch %lld x seq %lld: train %9.0f tok/s   forward %9.0f tok/s\n",
                        static_cast<long long>(batch), static_cast<long long>(seq), train * tokens,
                        forward * tokens);
        }
        {
            // Incremental decoding, batch 1: prefill 32 tokens, then one token per step.
            torch::InferenceMode inference;
            auto prompt = torch::randint(0, config.vocab_size, {1, 32}, torch::kInt64);
            auto next = torch::randint(0, config.vocab_size, {1, 1}, torch::kInt64);
            const int64_t steps = 96;
            const double runs = stepsPerSecond(seconds, [&] {
                rgpb::KVCache cache;
                model->forward(prompt, {}, &cache);
                for (int64_t i = 0; i < steps; ++i)
                    model->forward(next, {}, &cache);
            });
            std::printf("  decode (KV cache, batch 1, 32 + %lld tokens): %9.0f tok/s\n",
                        static_cast<long long>(steps), runs * steps);
        }
        std::printf("  peak RSS %.0f MiB\n", rgpb::peakResidentMemoryMb());
    }
    return 0;
}
