// The files and folders a run configuration reads, checked before a run starts: data.source (a
// data file unless "synthetic" or "synthetic-text") and model.from (a Hugging Face folder, a run
// folder or a checkpoint folder, with weights and a tokenizer: core/train/ModelSource.h's
// modelSourceFilesProblem(); the parser checks the kind of folder when it reads model.from). The
// one place for this check: the window's live validation, its Run and Sweep, and `rgpb train` /
// `rgpb sweep` all call it, so a missing file is reported when the config is checked, not minutes
// later when the run opens it. Relative paths are taken from the working directory, as the trainer
// takes them. Torch-free.
#pragma once

#include <string>
#include <vector>

#include "core/config/RunConfig.h"

namespace rgpb {

struct InputPathProblem {
    std::string key;      // the config key naming the path ("data.source", "model.from")
    std::string path;     // the path as the config gives it
    std::string problem;  // "'x.jsonl' does not exist (expected a pair dataset file ...)"
};

// Every path-valued key of the config table (ConfigFields.cpp), in table order.
const std::vector<std::string>& inputPathKeys();

// Every missing or wrong-kind input path of `config`; empty when all exist.
std::vector<InputPathProblem> inputPathProblems(const RunConfig& config);

// Throws InputError for the first problem, located at the key's line in `yaml_text` when found
// there ("source:line:column: data.source: 'x' does not exist (...)"), else at "source".
void requireInputPaths(const RunConfig& config, const std::string& source,
                       const std::string& yaml_text);

// 1-based line and column of a key path's value ("data.source") in YAML text, block or flow
// style; {0, 0} when the text does not hold the key (or does not parse).
std::pair<int, int> yamlKeyPosition(const std::string& yaml_text, const std::string& key);

}  // namespace rgpb
