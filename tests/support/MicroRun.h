// Test helper: a run folder without training: the default config (one ExMATE stage, a one-layer
// micro model), a byte tokenizer and one checkpoint with the model's initial weights. Enough
// for loadRun() and everything that reads a run. Includes LibTorch.
#pragma once

#include <torch/torch.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>

#include "core/config/RunConfig.h"
#include "core/model/GptNeoX.h"
#include "core/model/ModelConfig.h"
#include "core/model/Safetensors.h"
#include "core/tokenizer/ByteTokenizer.h"
#include "core/train/Evaluation.h"

namespace rgpb::test {

// A run folder like makeMicroRun()'s with a model of the named size ("micro", "tiny", ...) and
// `num_layers` layers (0: the size's own), with LibTorch's random initial weights.
inline std::string makeRandomRun(const std::filesystem::path& dir, const std::string& size,
                                 int64_t num_layers = 0) {
    namespace fs = std::filesystem;
    const fs::path ckpt = dir / "checkpoints" / "step-00000001";
    fs::create_directories(ckpt);
    RunConfig c;
    c.model.size = size;
    c.model.num_layers = num_layers;
    StageConfig stage;
    stage.objective = ObjectiveSpec::single(ObjectiveKind::Exmate, 0.5);
    stage.steps = 1;
    c.stages.push_back(stage);
    std::ofstream(dir / "config.yaml") << toYaml(c);
    ByteTokenizer().save((dir / "tokenizer").string());
    GptNeoX m(modelShapeFor(c, ByteTokenizer()).decoderOnly());
    saveModelWeights(m, (ckpt / "model.safetensors").string());
    std::ofstream(ckpt / "state.json") << "{\"step\": 1}";
    return dir.string();
}

inline std::string makeMicroRun(const std::filesystem::path& dir) {
    return makeRandomRun(dir, "micro", 1);
}

}  // namespace rgpb::test
