// Generation throughput of core/generate/Generator: new tokens per second with and without the
// KV cache, 256 new tokens after a 16-token prompt, batch 1 and 8, for the micro and tiny model
// sizes (random weights; EOS is ignored so every row writes all 256 tokens). Prints a table;
// asserts nothing.
//
// Usage: bench_generation [threads=2] [new tokens=256] [sizes=micro,tiny] [batches=1,8]
//
// Starts with OpenMP's passive wait policy unless OMP_WAIT_POLICY is set
// (core/util/ProcessSetup.h).
#include <torch/torch.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <string>
#include <vector>

#include "core/generate/Generator.h"
#include "core/model/GptNeoX.h"
#include "core/model/ModelConfig.h"
#include "core/util/ProcessSetup.h"

namespace {

using Clock = std::chrono::steady_clock;

std::vector<std::string> split(const std::string& text) {
    std::vector<std::string> out;
    std::stringstream list(text);
    for (std::string s; std::getline(list, s, ',');)
        out.push_back(s);
    return out;
}

}  // namespace

RGPB_PROCESS_SETUP()

int main(int argc, char** argv) {
    const int threads = argc > 1 ? std::atoi(argv[1]) : 2;
    const int64_t new_tokens = argc > 2 ? std::atoll(argv[2]) : 256;
    const auto sizes = split(argc > 3 ? argv[3] : "micro,tiny");
    std::vector<int64_t> batches;
    for (const auto& b : split(argc > 4 ? argv[4] : "1,8"))
        batches.push_back(std::atoll(b.c_str()));
    torch::set_num_threads(threads);
    std::printf(
        "Generation throughput, %d threads (OpenMP wait policy %s), LibTorch %s, float32 CPU, "
        "vocab 260, prompt 16 tokens, %lld new tokens, greedy\n\n",
        threads, rgpb::openMpWaitPolicy().c_str(), TORCH_VERSION,
        static_cast<long long>(new_tokens));
    std::printf("%-6s %5s %14s %14s %8s\n", "model", "batch", "cache tok/s", "no-cache tok/s",
                "speedup");

    const int64_t prompt_length = 16;
    for (const auto& size : sizes) {
        torch::manual_seed(0);
        auto config = rgpb::ModelConfig::named(size, 260);
        config.max_positions = std::max(config.max_positions, prompt_length + new_tokens);
        rgpb::GptNeoX model(config);
        rgpb::Generator generator(model, rgpb::SpecialTokens{}, torch::kCPU);
        for (const int64_t batch : batches) {
            std::vector<std::vector<int32_t>> contexts;
            for (int64_t b = 0; b < batch; ++b) {
                auto ids = torch::randint(4, config.vocab_size, {prompt_length}, torch::kInt64);
                std::vector<int32_t> c;
                for (int64_t i = 0; i < prompt_length; ++i)
                    c.push_back(static_cast<int32_t>(ids[i].item<int64_t>()));
                contexts.push_back(c);
            }
            double rate[2] = {0, 0};
            for (int cache = 1; cache >= 0; --cache) {
                rgpb::GenerationSettings s;
                s.max_new_tokens = new_tokens;
                s.stop_at_eos = false;
                s.batch_size = batch;
                s.use_kv_cache = cache == 1;
                rgpb::GenerationSettings warm = s;
                warm.max_new_tokens = 8;
                generator.generate(contexts, warm);
                const auto t0 = Clock::now();
                auto out = generator.generate(contexts, s);
                const double seconds = std::chrono::duration<double>(Clock::now() - t0).count();
                int64_t tokens = 0;
                for (const auto& o : out)
                    tokens += o.new_tokens;
                rate[cache] = static_cast<double>(tokens) / seconds;
            }
            std::printf("%-6s %5lld %14.0f %14.0f %7.1fx\n", size.c_str(),
                        static_cast<long long>(batch), rate[1], rate[0], rate[1] / rate[0]);
            std::fflush(stdout);
        }
    }
    return 0;
}
