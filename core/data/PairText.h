// One training example of spec.md section 1 as text: a good (x+, y+) and a bad (x-, y-) side.
// HH-RLHF style pairs share the prompt (x+ = x-); CausalDialogue style pairs share the response
// (y+ = y-) and differ in the context. Text documents (method lm) take the same shape through
// documentPair(). Torch-free: the GUI previews these directly.
#pragma once

#include <string>
#include <utility>

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

// A document of unlabeled text (method lm) in the pair shape, so that batching, evaluation and
// checkpoints are the pairs' own: an empty prompt and the document as the response, the
// negative side the same as the positive (an lm stage reads only the positive side).
inline PairText documentPair(std::string text, std::string origin) {
    PairText pair;
    pair.response_pos = text;
    pair.response_neg = std::move(text);
    pair.origin = std::move(origin);
    return pair;
}

}  // namespace rgpb
