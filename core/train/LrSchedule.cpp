#include "core/train/LrSchedule.h"

#include <algorithm>
#include <cmath>

namespace rgpb {

double learningRateAt(int64_t step, int64_t steps, double peak, int64_t warmup,
                      const std::string& schedule, double min_lr_ratio) {
    if (warmup > 0 && step <= warmup) {
        return peak * static_cast<double>(step) / static_cast<double>(warmup);
    }
    if (schedule != "cosine" || steps <= warmup + 1) {
        return peak;
    }
    double progress =
        static_cast<double>(step - warmup - 1) / static_cast<double>(steps - warmup - 1);
    progress = std::clamp(progress, 0.0, 1.0);
    double floor = peak * min_lr_ratio;
    return floor + (peak - floor) * 0.5 * (1.0 + std::cos(M_PI * progress));
}

}  // namespace rgpb
