// One training example of spec.md section 1 as text: a good (x+, y+) and a bad (x-, y-) side.
// HH-RLHF style pairs share the prompt (x+ = x-); CausalDialogue style pairs share the response
// (y+ = y-) and differ in the context. Torch-free: the GUI previews these directly.
#pragma once

#include <string>

namespace rgpb {

struct PairText {
    std::string prompt_pos;    // x+
    std::string response_pos;  // y+
    std::string prompt_neg;    // x-
    std::string response_neg;  // y-
    std::string origin;        // where it came from: "file.jsonl:12", "synthetic:response:7"
    // The known-correct response for the positive prompt when the task defines one (synthetic
    // tasks); empty otherwise. Used by automatic judges and correctness scoring.
    std::string reference;
};

}  // namespace rgpb
