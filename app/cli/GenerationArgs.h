// Options shared by `rgpb sample` and `rgpb compare`: generation settings, device and threads,
// Ctrl-C as a cancel flag, and a throttled progress line on stderr.
#pragma once

#include <atomic>
#include <chrono>
#include <string>
#include <vector>

#include "app/cli/CliArgs.h"
#include "core/generate/Generation.h"

namespace rgpb::cli {

// Flags with values that generationSettings() reads.
const std::vector<std::string>& generationFlags();
// The switch that turns the KV cache off.
inline const char* kNoKvCacheSwitch = "no-kv-cache";

// --max-new-tokens, --temperature, --top-k, --top-p, --seed, --batch-size, --no-kv-cache over
// the defaults; validated (ArgumentError naming the field).
GenerationSettings generationSettings(const CliArgs& args);
// The usage lines for those options.
std::string generationHelp();

// Sets LibTorch's thread count from --threads (0 = all cores).
void setThreads(const CliArgs& args);

// "label: 12/40 prompts, 380 tokens, 95 tok/s" on stderr at most once a second (and at the end).
class ProgressLine {
public:
    explicit ProgressLine(std::string label);
    void update(const GenerationProgress& p, bool force = false);

private:
    std::string label_;
    std::chrono::steady_clock::time_point start_, last_;
};

}  // namespace rgpb::cli
