// samples.jsonl of a run: the greedy responses the trainer generates for a few fixed eval
// prompts at every evaluation, one JSON object per line:
//   {"step": 100, "stage": 0, "prompt": "...", "response": "...", "correct": true|false|null}
// "correct" is null when the prompt has no known answer (data other than the synthetic task).
// Torch-free: the GUI reads runs opened from disk through it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace rgpb {

struct GenerationSample {
    std::string prompt;
    std::string response;
    std::optional<bool> correct;  // nullopt: unknown
};

// The samples of one evaluation.
struct SamplesReport {
    int64_t step = 0;
    int stage = 0;
    std::vector<GenerationSample> samples;
};

// Appends the report's lines to run_dir/samples.jsonl (created if missing) and flushes.
void appendSamples(const std::string& run_dir, const SamplesReport& report);
// Every evaluation's samples in file order, lines grouped by (step, stage). No file: empty.
// A malformed line is an InputError naming path:line, except an unterminated last line (a
// writer is appending it right now), which is skipped.
std::vector<SamplesReport> readSamples(const std::string& run_dir);
// For resume: drops every line after `last_step` (temporary file + rename).
void truncateSamplesAfter(const std::string& run_dir, int64_t last_step);

}  // namespace rgpb
