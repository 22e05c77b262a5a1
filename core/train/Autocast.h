// Mixed precision for the scope of a forward pass: RunConfig::precision "bf16" turns on
// autocast to bfloat16 for the device's type (matrix products and linear layers run in bf16,
// through oneDNN on a CPU with AVX-512 BF16), "fp32" does nothing. Autocast state is
// thread-local, so the scope is opened in the thread that runs the forward; weights, their
// gradients and the optimizer state stay float32 (autocast casts per op), and
// sequenceLogProbs computes log-probabilities in float32 from the bf16 logits.
// Implementation header (includes ATen): include it only where a forward runs.
#pragma once

#include <ATen/autocast_mode.h>
#include <torch/version.h>

#include <string>

namespace rgpb {

class AutocastScope {
public:
    AutocastScope(const std::string& precision, c10::DeviceType device)
        : on_(precision == "bf16"), device_(device) {
        if (on_) {
            was_ = enabled(device_);
            set(device_, true);
        }
    }
    ~AutocastScope() {
        if (on_) {
            set(device_, was_);
            if (!was_)
                at::autocast::clear_cache();  // the bf16 weight copies of this forward
        }
    }
    AutocastScope(const AutocastScope&) = delete;
    AutocastScope& operator=(const AutocastScope&) = delete;

private:
    // The C++ API became device-generic in LibTorch 2.4.
    static bool enabled(c10::DeviceType d) {
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
        return at::autocast::is_autocast_enabled(d);
#else
        return d == c10::DeviceType::CPU ? at::autocast::is_cpu_enabled()
                                         : at::autocast::is_enabled();
#endif
    }
    static void set(c10::DeviceType d, bool on) {
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
        at::autocast::set_autocast_dtype(d, at::kBFloat16);
        at::autocast::set_autocast_enabled(d, on);
#else
        if (d == c10::DeviceType::CPU) {
            at::autocast::set_autocast_cpu_dtype(at::kBFloat16);
            at::autocast::set_cpu_enabled(on);
        } else {
            at::autocast::set_autocast_gpu_dtype(at::kBFloat16);
            at::autocast::set_enabled(on);
        }
#endif
    }
    bool on_;
    c10::DeviceType device_;
    bool was_ = false;
};

}  // namespace rgpb
