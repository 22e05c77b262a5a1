// Learning rate at a step of a stage: linear warmup from 0, then constant or cosine decay to
// min_lr_ratio * peak at the stage's last step. Plain function, shared by the trainer and the
// GUI's schedule preview.
#pragma once

#include <cstdint>
#include <string>

namespace rgpb {

// step is 1-based within the stage; steps is the stage length.
double learningRateAt(int64_t step, int64_t steps, double peak, int64_t warmup,
                      const std::string& schedule, double min_lr_ratio);

}  // namespace rgpb
