// The CUDA checks of the GPU machine (issue 13; scripts/device-check.sh runs them): the core's
// model, objectives and generation on a CUDA device against the same on the CPU.
//   forward      logits of a random GPT-NeoX (left-padded batch) on the device == CPU logits
//   grad.<obj>   loss and every parameter's gradient of mle, dpo, exmate, ul == the CPU's
//   bf16         the forward under autocast to bf16 on the device, close to its float32 forward
//   kv_cache     greedy generation with the KV cache == without it, on the device
//   generation   greedy generation on the device == on the CPU (well-separated logits)
// Tolerances are absolute on float32 values of order 1 (logits) or relative to the largest
// CPU value (gradients); they allow for summation order only, not for a different result.
// Prints one line per check, "PASS|FAIL <name> <measure> (tolerance)"; asserts nothing else.
//
// usage: cuda_check [--device cuda|cuda:N|cpu] [--require-cuda]
//   --device cpu   a dry run of the same checks with the CPU as the device under test (for a
//                  machine without a GPU; the device-vs-CPU comparisons are then trivial)
// Exit: 0 every check passed, or CUDA is not available (said on stdout) without
// --require-cuda; 1 a check failed; 2 usage or an exception; 3 CUDA not available and
// --require-cuda was given.
#include <torch/cuda.h>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "core/generate/Generator.h"
#include "core/model/GptNeoX.h"
#include "core/model/ModelConfig.h"
#include "core/objectives/Objective.h"
#include "core/objectives/SequenceLogProbs.h"
#include "core/train/Autocast.h"
#include "core/util/ProcessSetup.h"

namespace {

using namespace rgpb;

int g_failed = 0;

void report(bool ok, const std::string& name, const std::string& detail) {
    std::printf("%s %-16s %s\n", ok ? "PASS" : "FAIL", name.c_str(), detail.c_str());
    std::fflush(stdout);
    if (!ok)
        ++g_failed;
}

void check(const std::string& name, double measure, double tolerance) {
    char detail[64];
    std::snprintf(detail, sizeof detail, "%.3e (tolerance %.1e)", measure, tolerance);
    report(measure <= tolerance, name, detail);  // NaN fails
}

double maxAbsDiff(const torch::Tensor& a, const torch::Tensor& b) {
    return (a.detach().to(torch::kCPU, torch::kFloat64) -
            b.detach().to(torch::kCPU, torch::kFloat64))
        .abs()
        .max()
        .item<double>();
}

double maxAbs(const torch::Tensor& a) {
    return a.detach().to(torch::kCPU, torch::kFloat64).abs().max().item<double>();
}

// The micro preset (hidden 128, 5 layers, 4 heads) with a 300-token vocabulary.
ModelConfig checkConfig() {
    return ModelConfig::named("micro", 300);
}

// The same random weights on the CPU and on `device` (the initialisation draws from the CPU
// generator, so one seed gives the same model twice).
std::pair<GptNeoX, GptNeoX> twinModels(uint64_t seed, const torch::Device& device,
                                       double out_std = 0.0) {
    std::vector<GptNeoX> m;
    for (int i = 0; i < 2; ++i) {
        torch::manual_seed(seed);
        m.emplace_back(checkConfig());
        if (out_std > 0) {  // larger output weights: logits far apart, greedy choices robust
            torch::NoGradGuard g;
            torch::manual_seed(seed + 1);
            m.back()->embed_out->weight.normal_(0.0, out_std);
        }
    }
    m[1]->to(device);
    return {m[0], m[1]};
}

// Rows of random ids; row 1 left-padded by 5 tokens (mask 0 there).
struct Batch {
    torch::Tensor ids, mask;
};
Batch randomBatch(int64_t rows, int64_t len) {
    torch::manual_seed(7);
    Batch b;
    b.ids = torch::randint(4, 300, {rows, len}, torch::kInt64);
    b.mask = torch::ones({rows, len}, torch::kInt64);
    b.mask[1].narrow(0, 0, 5).zero_();
    b.ids[1].narrow(0, 0, 5).zero_();
    return b;
}

void checkForward(const torch::Device& device) {
    auto [cpu, dev] = twinModels(11, device);
    const Batch b = randomBatch(4, 48);
    torch::NoGradGuard g;
    auto ref = cpu->forward(b.ids, b.mask);
    auto got = dev->forward(b.ids.to(device), b.mask.to(device));
    // Padded positions are defined (they attend to themselves) but compared only where real.
    auto real = b.mask.to(torch::kBool).unsqueeze(-1).expand_as(ref);
    check("forward", maxAbsDiff(ref.masked_select(real), got.cpu().masked_select(real)), 1e-4);
}

// Both halves of a [2B, L] batch: good rows first, bad rows second; loss on all but the first
// 8 label positions ("prompt").
PairLogProbs pairLogProbs(GptNeoX& model, const torch::Tensor& ids, const torch::Device& device) {
    auto inputs = ids.narrow(1, 0, ids.size(1) - 1).to(device);
    auto labels = ids.narrow(1, 1, ids.size(1) - 1).to(device);
    const int64_t half = ids.size(0) / 2;
    auto mask = torch::ones({half, labels.size(1)}, torch::TensorOptions().device(device));
    mask.narrow(1, 0, 8).zero_();
    auto logits = model->forward(inputs);
    PairLogProbs p;
    p.pos =
        sequenceLogProbs(logits.narrow(0, 0, half), labels.narrow(0, 0, half), mask, "positive");
    p.neg = sequenceLogProbs(logits.narrow(0, half, half), labels.narrow(0, half, half), mask,
                             "negative");
    return p;
}

void checkGradients(const torch::Device& device) {
    torch::manual_seed(5);
    const auto ids = torch::randint(4, 300, {8, 40}, torch::kInt64);
    for (const char* name : {"mle", "dpo", "exmate", "ul"}) {
        auto objective = makeObjective(ObjectiveSpec::single(parseObjectiveKind(name), 0.5));
        auto [cpu, dev] = twinModels(13, device);
        double loss_diff = 0, grad_diff = 0, grad_scale = 0;
        torch::Tensor losses[2];
        int side = 0;
        for (GptNeoX* m : {&cpu, &dev}) {
            const torch::Device d = side == 0 ? torch::Device(torch::kCPU) : device;
            PairLogProbs p = pairLogProbs(*m, ids, d);
            // DPO's reference: the model's own sums, shifted so that the margin is not zero.
            p.ref_pos_sum = p.pos.sum.detach() + 0.3;
            p.ref_neg_sum = p.neg.sum.detach() - 0.2;
            losses[side] = objective->compute(p).loss;
            losses[side].backward();
            ++side;
        }
        loss_diff = std::abs(losses[0].item<double>() - losses[1].item<double>());
        auto pc = cpu->named_parameters(), pd = dev->named_parameters();
        for (const auto& item : pc) {
            grad_scale = std::max(grad_scale, maxAbs(item.value().grad()));
            grad_diff = std::max(grad_diff, maxAbsDiff(item.value().grad(), pd[item.key()].grad()));
        }
        check(std::string("grad.") + name + ".loss", loss_diff, 1e-4);
        // All-zero gradients would compare equal and prove nothing: NaN (a failure) then.
        check(std::string("grad.") + name, grad_scale > 0 ? grad_diff / grad_scale : std::nan(""),
              1e-3);
    }
}

void checkBf16(const torch::Device& device) {
    auto [cpu, dev] = twinModels(17, device, /*out_std=*/0.5);
    const Batch b = randomBatch(4, 48);
    torch::NoGradGuard g;
    auto ids = b.ids.to(device), mask = b.mask.to(device);
    auto fp32 = dev->forward(ids, mask);
    torch::Tensor bf16;
    {
        AutocastScope autocast("bf16", device.type());
        bf16 = dev->forward(ids, mask);
    }
    // The output layer ran in bf16 (autocast was on), and bf16's 8 significant bits (relative
    // rounding 2^-9) over two layers stay within 3% of the largest logit.
    report(bf16.scalar_type() == torch::kBFloat16, "bf16.dtype",
           std::string("logits ") + c10::toString(bf16.scalar_type()) + " (expected BFloat16)");
    check("bf16", maxAbsDiff(fp32, bf16) / maxAbs(fp32), 3e-2);
}

std::vector<std::vector<int32_t>> contexts() {
    return {
        {1, 10, 11, 12, 3}, {1, 20, 3}, {1, 30, 31, 32, 33, 34, 35, 3}, {1, 5, 3}, {1, 7, 8, 3}};
}

std::vector<GeneratedTokens> greedy(GptNeoX& model, const torch::Device& device, bool cache) {
    Generator gen(model, SpecialTokens{}, device);
    GenerationSettings s;
    s.max_new_tokens = 40;
    s.stop_at_eos = false;
    s.use_kv_cache = cache;
    return gen.generate(contexts(), s);
}

// Positions (over all rows) where two generations differ, counting missing tokens.
double differingTokens(const std::vector<GeneratedTokens>& a,
                       const std::vector<GeneratedTokens>& b) {
    double n = 0;
    for (std::size_t r = 0; r < std::max(a.size(), b.size()); ++r) {
        const auto& x = r < a.size() ? a[r].tokens : std::vector<int32_t>{};
        const auto& y = r < b.size() ? b[r].tokens : std::vector<int32_t>{};
        for (std::size_t i = 0; i < std::max(x.size(), y.size()); ++i)
            n += (i >= x.size() || i >= y.size() || x[i] != y[i]) ? 1 : 0;
    }
    return n;
}

void checkGeneration(const torch::Device& device) {
    auto [cpu, dev] = twinModels(19, device, /*out_std=*/1.0);
    const auto with_cache = greedy(dev, device, true);
    check("kv_cache", differingTokens(with_cache, greedy(dev, device, false)), 0);
    check("generation", differingTokens(with_cache, greedy(cpu, torch::kCPU, true)), 0);
}

}  // namespace

RGPB_PROCESS_SETUP()

int main(int argc, char** argv) try {
    std::string device_name = "cuda";
    bool require_cuda = false;
    for (int i = 1; i < argc; ++i) {
        if (!std::strcmp(argv[i], "--device") && i + 1 < argc) {
            device_name = argv[++i];
        } else if (!std::strcmp(argv[i], "--require-cuda")) {
            require_cuda = true;
        } else {
            std::fprintf(stderr, "usage: cuda_check [--device cuda|cuda:N|cpu] [--require-cuda]\n");
            return 2;
        }
    }
    const torch::Device device(device_name);
    std::printf("cuda_check: LibTorch %s, CUDA devices: %d, device under test: %s\n", TORCH_VERSION,
                static_cast<int>(torch::cuda::device_count()), device.str().c_str());
    if (device.is_cuda() && !torch::cuda::is_available()) {
        std::printf("CUDA not available: nothing checked%s\n",
                    require_cuda ? " (--require-cuda: exit 3)" : "");
        return require_cuda ? 3 : 0;
    }
    torch::set_num_threads(std::min(4, torch::get_num_threads()));
    checkForward(device);
    checkGradients(device);
    checkBf16(device);
    checkGeneration(device);
    std::printf("%s: %d check(s) failed\n", g_failed ? "FAILED" : "passed", g_failed);
    return g_failed ? 1 : 0;
} catch (const std::exception& e) {
    std::fprintf(stderr, "cuda_check: %s\n", e.what());
    return 2;
}
