// The peak matrix-product rate of this machine through LibTorch, the denominator of model-FLOP
// utilisation (MFU): a square n x n x n product (2 n^3 floating-point operations) repeated for
// `seconds` at the calling thread's torch::get_num_threads(). "fp32" multiplies float32 matrices
// (OpenBLAS), "bf16" bfloat16 ones (oneDNN on a CPU with AVX-512 BF16), which is what the linear
// layers run under autocast to bf16. Used by bench_model and bench_matmul; benchmark code only.
#pragma once

#include <torch/cuda.h>
#include <torch/torch.h>

#include <chrono>
#include <stdexcept>
#include <string>

namespace rgpb::bench {

inline torch::ScalarType precisionDtype(const std::string& precision) {
    if (precision == "fp32")
        return torch::kFloat32;
    if (precision == "bf16")
        return torch::kBFloat16;
    throw std::invalid_argument("precision: expected fp32 or bf16, got '" + precision + "'");
}

// Waits for the work queued on a CUDA device (a no-op on the CPU): timings of device work.
inline void synchronize(const torch::Device& device) {
    if (device.is_cuda())
        torch::cuda::synchronize(device.has_index() ? device.index() : -1);
}

// Floating-point operations per second of torch::mm on n x n matrices of `precision`, on
// `device` (a CUDA device is synchronized before the clock starts and after every product).
inline double matmulPeakFlops(const std::string& precision, int64_t n, double seconds,
                              const torch::Device& device = torch::kCPU) {
    torch::NoGradGuard no_grad;
    const auto dtype = precisionDtype(precision);
    auto a = torch::randn({n, n}).to(device, dtype), b = torch::randn({n, n}).to(device, dtype);
    auto c = torch::mm(a, b);  // warm-up: thread pool, oneDNN primitive, cuBLAS handle
    c = torch::mm(a, b);
    synchronize(device);
    using Clock = std::chrono::steady_clock;
    int runs = 0;
    const auto start = Clock::now();
    double elapsed = 0.0;
    while (runs < 3 || elapsed < seconds) {
        torch::mm_out(c, a, b);
        synchronize(device);
        ++runs;
        elapsed = std::chrono::duration<double>(Clock::now() - start).count();
    }
    return 2.0 * static_cast<double>(n) * static_cast<double>(n) * static_cast<double>(n) * runs /
           elapsed;
}

}  // namespace rgpb::bench
