// The automatic judge for items with a known correct answer (the synthetic tasks): a response
// is correct when isCorrectResponse (core/data/SyntheticTask.h) says so against the reference;
// correct beats incorrect, both correct is a tie, both incorrect is "both bad". Its votes are
// stored as judge "auto", so a person's agreement with ground truth is an ordinary kappa.
#pragma once

#include <string>

#include "core/judging/JudgeStats.h"

namespace rgpb::judging {

// The judge name the automatic judge's votes carry.
inline constexpr const char* kAutoJudgeName = "auto";

// Verdict between model_a's and model_b's responses to `prompt`. An empty reference is
// computed from a synthetic-task prompt; ArgumentError when neither gives one.
Winner autoJudge(const std::string& prompt, const std::string& reference,
                 const std::string& response_a, const std::string& response_b);

}  // namespace rgpb::judging
