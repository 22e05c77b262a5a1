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

namespace rgpb::test {

inline std::string makeMicroRun(const std::filesystem::path& dir) {
    namespace fs = std::filesystem;
    const fs::path ckpt = dir / "checkpoints" / "step-00000001";
    fs::create_directories(ckpt);
    RunConfig c;
    c.model.num_layers = 1;
    StageConfig stage;
    stage.objective = ObjectiveSpec::single(ObjectiveKind::Exmate, 0.5);
    stage.steps = 1;
    c.stages.push_back(stage);
    std::ofstream(dir / "config.yaml") << toYaml(c);
    ByteTokenizer().save((dir / "tokenizer").string());
    ModelConfig mc = ModelConfig::named("micro", ByteTokenizer::kVocabSize);
    mc.num_layers = 1;
    mc.max_positions = std::max<int64_t>(mc.max_positions, c.data.max_length);
    GptNeoX m(mc);
    saveModelWeights(m, (ckpt / "model.safetensors").string());
    std::ofstream(ckpt / "state.json") << "{\"step\": 1}";
    return dir.string();
}

}  // namespace rgpb::test
