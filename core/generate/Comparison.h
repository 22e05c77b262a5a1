// Side-by-side generation for judging: two runs answer the same prompts and the result is
// written as a comparison set directory that the judging tools import. Torch-free (the GUI
// calls it on a worker thread); progress through a callback, cancel through an atomic flag.
//
// The directory (a contract with the judging database importer; written atomically):
//   comparison.json  {"version": 1,
//                     "models": [{"name": <run folder name>, "run": <absolute run folder>,
//                                 "checkpoint": "final" | "step-N"}, {...}],
//                     "generation": {"max_new_tokens", "temperature", "top_k", "top_p", "seed"},
//                     "prompt_source": <description>, "created": <ISO-8601 UTC>}
//   items.jsonl      one line per prompt: {"index": i, "prompt": ..., "responses": [r0, r1],
//                     "new_tokens": [n0, n1], "reference": <known correct answer> | null}
// "reference" is the synthetic task's answer for synthetic prompts (and the "reference" field
// of a JSONL prompts file); null when the correct answer is unknown.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/generate/Generation.h"

namespace rgpb {

enum class ComparisonPrompts {
    File,       // prompts_file (plain lines or JSONL, see readPromptFile())
    EvalSplit,  // the eval split of run A's config (the pairs evaluation uses), deduplicated
    Synthetic,  // fresh prompts of the synthetic task (response-contrast), seeded by the seed
};

struct ComparisonRequest {
    std::string run_a, run_b;  // run folders, or checkpoint folders (runs/<id>/checkpoints/step-N)
    std::string checkpoint_a = "final", checkpoint_b = "final";  // "final" (newest) or "step-N"
    ComparisonPrompts prompts = ComparisonPrompts::EvalSplit;
    std::string prompts_file;  // for ComparisonPrompts::File
    int64_t count = 20;        // the first `count` prompts of the source (> 0)
    GenerationSettings generation;
    std::string out_dir;         // created if missing; existing comparison files are replaced
    std::string device = "cpu";  // "cpu", "cuda", "cuda:N"
};

struct ComparisonItem {
    int64_t index = 0;
    std::string prompt;
    std::string responses[2];
    int64_t new_tokens[2] = {0, 0};
    std::optional<std::string> reference;
};

struct ComparisonModel {
    std::string name;        // run folder name
    std::string run;         // absolute run folder
    std::string checkpoint;  // "final" or "step-N"
};

struct ComparisonSet {
    ComparisonModel models[2];
    std::string prompt_source;
    std::string created;
    std::vector<ComparisonItem> items;
};

struct ComparisonProgress {
    int model = 0;  // 0 = run A, 1 = run B
    GenerationProgress generation;
};

// Loads both runs, generates, writes out_dir/comparison.json and out_dir/items.jsonl, and returns
// what it wrote. ArgumentError for bad settings or count; InputError for unreadable runs or
// prompt files; CancelledError when *cancel becomes true.
ComparisonSet runComparison(const ComparisonRequest& request,
                            const std::function<void(const ComparisonProgress&)>& progress = {},
                            const std::atomic<bool>* cancel = nullptr);

// The prompts a request uses (with references when known) and their description.
std::vector<PromptEntry> comparisonPrompts(const ComparisonRequest& request,
                                           std::string* description = nullptr);

// The path loadRun() should open for `which` checkpoint of `path`: "final" keeps `path` (a run
// folder's newest checkpoint, or the checkpoint folder given); "step-N" finds
// path/checkpoints/step-<N, zero-padded or not>. InputError listing the available checkpoints
// when there is no such step.
std::string checkpointPath(const std::string& path, const std::string& which);

}  // namespace rgpb
