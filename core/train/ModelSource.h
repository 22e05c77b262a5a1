// What model.from names, and where a trained run keeps its weights. model.from is one of:
//  - a Hugging Face model folder (config.json, safetensors weights, tokenizer files): its
//    shape, weights and tokenizer;
//  - a run folder (config.yaml): the weights of its newest complete checkpoint, the shape its
//    config.yaml asks for and the tokenizer saved in <run>/tokenizer;
//  - a checkpoint folder of a run (<run>/checkpoints/step-N: model.safetensors + state.json):
//    that checkpoint, with the shape and tokenizer of the run it belongs to.
// resolveRunCheckpoint() is the one reading of "RUN_DIR or CHECKPOINT": `rgpb eval`, `sample`,
// `gradlab measure` (through loadRun()) and model.from all go through it. Torch-free, so the
// config parser checks model.from when it reads it; the weights are loaded by the trainer
// (core/train/Evaluation.h loadStartWeights()).
#pragma once

#include <memory>
#include <string>

#include "core/tokenizer/Tokenizer.h"

namespace rgpb {

// The newest complete checkpoint folder of a run (checkpoints/step-N holding state.json, the
// last file a checkpoint writes); empty when there is none. What Trainer::canResume() and
// every reader of "a run's weights" take.
std::string latestCheckpoint(const std::string& run_dir);

// A checkpoint folder: model.safetensors and state.json.
bool isCheckpointFolder(const std::string& dir);

struct RunCheckpoint {
    std::string run_dir;     // holds config.yaml and tokenizer/
    std::string checkpoint;  // the checkpoint folder
};

// `path` is a run folder (its newest complete checkpoint) or a checkpoint folder (its run is
// two levels up). InputError naming `path` and what was expected when it is neither, when the
// run has no complete checkpoint, or when a checkpoint folder is not inside a run folder.
RunCheckpoint resolveRunCheckpoint(const std::string& path);

enum class ModelSourceKind { HuggingFace, Run, Checkpoint };

struct ModelSource {
    ModelSourceKind kind = ModelSourceKind::HuggingFace;
    std::string path;   // model.from as given
    RunCheckpoint run;  // Run and Checkpoint: where the weights, config.yaml and tokenizer are

    std::string configYaml() const;    // Run and Checkpoint: <run>/config.yaml
    std::string weightsFile() const;   // Run and Checkpoint: <checkpoint>/model.safetensors
    std::string tokenizerDir() const;  // the Hugging Face folder, or <run>/tokenizer
};

// What `from` is (see above). InputError naming `from` and the three kinds expected when it is
// none of them, or a run without a complete checkpoint.
ModelSource resolveModelSource(const std::string& from);

// The problem with `from` as model.from, or empty: a folder of none of the three kinds, or a
// run without a complete checkpoint (what the config parser checks at model.from).
std::string modelSourceProblem(const std::string& from);
// modelSourceProblem() and what the folder must hold besides (Hugging Face: weights and
// tokenizer files; run or checkpoint: the run's saved tokenizer), as checked before a run
// starts (core/config/InputPaths.h). Neither reads the weights: their shapes are checked when
// the trainer loads them, before it creates the run folder.
std::string modelSourceFilesProblem(const std::string& from);

// The tokenizer of model.from: the Hugging Face folder's or the run's saved one.
std::unique_ptr<Tokenizer> loadSourceTokenizer(const ModelSource& source);

}  // namespace rgpb
