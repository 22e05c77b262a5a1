// A study: one experiment grid of the paper (tasks x recipes x betas x seeds) run from one shared
// base model, with each method's learning rate chosen on a validation split, so that recipes can
// be compared pair-wise by seed and aggregated with intervals over seeds. The study file is YAML
// (presets/studies/*.yaml); parseStudySpec() reports problems as "file:line:col: key: what is
// allowed", like run configs. Torch-free.
//
// The plan (StudyPlan.h) turns a spec into single-stage runs: the base (pretraining, method lm),
// the learning-rate selection runs, and for every cell the chain of its stages, each starting
// from the previous one's weights. Identical runs (same resolved config, same inputs) are one run,
// so recipes that begin with the same stage share it and a second study reuses the base.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/config/RunConfig.h"

namespace rgpb {

// Which regime of the paper a task stands for; the claims of spec.md section 5 are stated per
// regime. Defaults: synthetic context-contrast -> low, response-contrast -> high, a pair file -> high.
enum class InfoRegime { Low, High };
const char* infoRegimeName(InfoRegime regime);  // "low", "high"

struct StudyTask {
    std::string name;       // label and folder name ("low-info"); unique in the study
    DataConfig data;        // the task's pairs: the `data` section of a run config
    InfoRegime regime = InfoRegime::High;
    // A pair file that is absent is skipped with a note in the report instead of failing the
    // study (for data that lives outside the repo, such as ../shared/data/hh-rlhf).
    bool optional = false;
};

struct StudyBase {
    // Either a model to start from (a Hugging Face folder, a run folder or one of its
    // checkpoints) ...
    std::string from;
    // ... or a pretraining run (method lm, next-token training on unlabeled text) trained once
    // and cached: its text data, steps and learning rate.
    DataConfig text;  // source: "synthetic-text" (the task world's statements) or a text file
    int64_t steps = 0;
    double lr = 3e-3;
    uint64_t seed = 1;  // its initial weights and data order
};

struct StudyLrSelection {
    // Candidate peak learning rates per method ("mle", "dpo", "ul", "exmate"); a method with no
    // grid uses run.optimizer.lr. The chosen one is used for every stage of that method.
    std::map<std::string, std::vector<double>> grid;
    std::string select_by = "agility";  // agility (highest), perplexity (lowest), pos_prob (highest)
    int64_t validation_pairs = 200;     // carved from the training pairs, never trained on
    uint64_t seed = 1;                  // training seed of the selection runs
};

struct StudySpec {
    std::string name;         // the study folder's name
    std::string description;  // the file's leading comment or `description`, for the report
    bool quick = false;       // a quick study: the report says its numbers are indicative only
    std::string source;       // the study file's path (absolute)
    std::string source_hash;  // hash of the study file's bytes (provenance)
    RunConfig run;            // what every run shares (model, optimizer, eval, device...); the
                              // study replaces its stages, seeds, data and model.from
    StudyBase base;
    std::vector<StudyTask> tasks;
    std::vector<std::string> recipes;  // "mle", "mle -> dpo", ...: the seven paper recipes by default
    std::vector<double> betas;         // the paper's {0.05, 0.1, 0.5, 1, 5} by default
    std::vector<uint64_t> seeds;       // training seeds (weights, order); at least 3
    int64_t data_seed = 1;             // data generation and split: one eval set for all seeds
    int64_t steps = 100;               // optimizer steps of every stage
    StudyLrSelection lr;
};

// InputError "source:line:col: key: problem" for unknown keys, wrong types, values out of range,
// fewer than 3 seeds, an unknown method in a recipe, duplicate task names.
// Relative paths in the file (task data, base.from) are taken from the file's folder.
StudySpec parseStudySpec(const std::string& yaml_text, const std::string& source);
StudySpec loadStudySpec(const std::string& path);

// The seven recipes of the paper (spec.md section 2) and its beta grid: the defaults.
const std::vector<std::string>& paperRecipes();
const std::vector<double>& paperBetas();
// The stages of a recipe, "mle -> dpo" -> {"mle", "dpo"} (method names as ObjectiveKind names).
std::vector<std::string> recipeMethods(const std::string& recipe);

// 64-bit FNV-1a of bytes as 16 lower-case hex digits: the study's content hashes (run folder
// names, the study file and data files in the provenance).
std::string contentHash(const std::string& bytes);
// contentHash of a file's bytes, read in pieces; InputError naming the path when unreadable.
std::string fileContentHash(const std::string& path);

}  // namespace rgpb
