// The peak matrix-product rate of this machine through LibTorch (the denominator of bench_model's
// model-FLOP utilisation): torch::mm on square float32 and bfloat16 matrices at each thread
// count. Prints numbers; asserts nothing.
//
// Usage: bench_matmul [--threads "1 2"] [--sizes 1024,2048] [--seconds 2]
// Prints a table and one line per measurement: `peak <precision> <threads> <gflop/s> n=<n>`.
#include <torch/torch.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "bench/ListArgument.h"
#include "bench/MatmulPeak.h"
#include "core/util/ProcessSetup.h"

namespace {

using rgpb::bench::splitList;

}  // namespace

RGPB_PROCESS_SETUP()

int main(int argc, char** argv) {
    std::vector<std::string> threads{"1", "2"}, sizes{"2048"};
    double seconds = 2.0;
    if (argc % 2 == 0) {
        std::fprintf(stderr, "bench_matmul: option %s expects a value\n", argv[argc - 1]);
        return 2;
    }
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string flag = argv[i], value = argv[i + 1];
        if (flag == "--threads") {
            threads = splitList(value);
        } else if (flag == "--sizes") {
            sizes = splitList(value);
        } else if (flag == "--seconds") {
            seconds = std::atof(value.c_str());
        } else {
            std::fprintf(stderr,
                         "bench_matmul: unknown option '%s' (--threads, --sizes, --seconds)\n",
                         flag.c_str());
            return 2;
        }
    }
    std::printf("torch::mm peak, LibTorch %s, OpenMP wait policy %s\n", TORCH_VERSION,
                rgpb::openMpWaitPolicy().c_str());
    std::printf("  %7s %6s %9s %12s\n", "threads", "n", "precision", "GFLOP/s");
    for (const auto& t : threads) {
        const int n_threads = std::atoi(t.c_str());
        if (n_threads < 1) {
            std::fprintf(stderr, "bench_matmul: --threads expects counts >= 1, got '%s'\n",
                         t.c_str());
            return 2;
        }
        torch::set_num_threads(n_threads);
        for (const auto& s : sizes) {
            const int64_t n = std::atoll(s.c_str());
            if (n < 1) {
                std::fprintf(stderr, "bench_matmul: --sizes expects sizes >= 1, got '%s'\n",
                             s.c_str());
                return 2;
            }
            for (const char* precision : {"fp32", "bf16"}) {
                const double flops = rgpb::bench::matmulPeakFlops(precision, n, seconds);
                std::printf("  %7d %6lld %9s %12.1f\n", n_threads, static_cast<long long>(n),
                            precision, flops / 1e9);
                std::printf("peak %s %d %.1f n=%lld\n", precision, n_threads, flops / 1e9,
                            static_cast<long long>(n));
                std::fflush(stdout);
            }
        }
    }
    return 0;
}
