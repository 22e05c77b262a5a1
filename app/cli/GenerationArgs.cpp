#include "app/cli/GenerationArgs.h"

#include <torch/torch.h>

#include <cstdio>
#include <thread>

#include "core/util/Error.h"

namespace rgpb::cli {

const std::vector<std::string>& generationFlags() {
    static const std::vector<std::string> flags = {"max-new-tokens", "temperature", "top-k",
                                                   "top-p",          "seed",        "batch-size",
                                                   "device",         "threads"};
    return flags;
}

GenerationSettings generationSettings(const CliArgs& args) {
    GenerationSettings s;
    s.max_new_tokens = args.integer("max-new-tokens", s.max_new_tokens);
    s.temperature = args.number("temperature", s.temperature);
    s.top_k = args.integer("top-k", s.top_k);
    s.top_p = args.number("top-p", s.top_p);
    const long long seed = args.integer("seed", static_cast<long long>(s.seed));
    if (seed < 0)
        throw Error("option --seed expects a whole number >= 0, got " + std::to_string(seed));
    s.seed = static_cast<uint64_t>(seed);
    s.batch_size = args.integer("batch-size", s.batch_size);
    s.use_kv_cache = !args.has(kNoKvCacheSwitch);
    s.validate();
    return s;
}

std::string generationHelp() {
    return "  --max-new-tokens N   response tokens per prompt, EOS included (64)\n"
           "  --temperature T      0 = greedy (default); > 0 samples from softmax(logits / T)\n"
           "  --top-k K            sample among the K most likely tokens (0 = all)\n"
           "  --top-p P            nucleus: the smallest set with probability >= P (1 = all)\n"
           "  --seed S             prompt i samples from its own stream of (S, i) (1)\n"
           "  --batch-size B       prompts decoded together, left-padded (8)\n"
           "  --no-kv-cache        recompute the whole sequence each step (slow; for checks)\n"
           "  --device D           cpu (default), cuda, cuda:N\n"
           "  --threads N          LibTorch threads (0 = all cores)\n";
}

void setThreads(const CliArgs& args) {
    const int threads = static_cast<int>(args.integer("threads", 0));
    torch::set_num_threads(
        threads > 0 ? threads
                    : static_cast<int>(std::max(1u, std::thread::hardware_concurrency())));
}

ProgressLine::ProgressLine(std::string label)
    : label_(std::move(label)), start_(std::chrono::steady_clock::now()), last_(start_) {}

void ProgressLine::update(const GenerationProgress& p, bool force) {
    const auto now = std::chrono::steady_clock::now();
    if (!force && now - last_ < std::chrono::seconds(1))
        return;
    last_ = now;
    const double s = std::chrono::duration<double>(now - start_).count();
    std::fprintf(stderr, "%s: %lld/%lld prompts, %lld tokens, %.0f tok/s\n", label_.c_str(),
                 static_cast<long long>(p.prompts_done), static_cast<long long>(p.prompts_total),
                 static_cast<long long>(p.tokens_generated),
                 s > 0 ? static_cast<double>(p.tokens_generated) / s : 0.0);
}

}  // namespace rgpb::cli
