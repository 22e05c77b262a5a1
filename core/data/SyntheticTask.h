// The built-in synthetic pair tasks: the product's default data (no download), small enough
// that a ~1M-parameter byte-level transformer learns them in a couple of minutes on two CPU
// cores, and with a known correct answer so generations can be judged automatically.
//
// The task is an in-context fact lookup in a fixed dialogue shape. Two people each "have" a
// colour; the user asks for one of them and the correct answer restates that fact:
//
//     prompt:    "Al has pink. Bo has gold.\nUser: Bo?\nAssistant:"     (<= 48 bytes)
//     response:  " Bo has gold."                                        (<= 24 bytes)
//
// Names are 2 letters (12, distinct first letters) and colours at most 4 letters (8, distinct
// first letters), so the answer is decided by copying: the name from the question, the colour
// from the matching fact (an induction-head pattern, the kind of rule tiny transformers pick up
// first). The rule is computed from the prompt alone, so it generalises to held-out prompts;
// there are 12*11*8*7*2 = 14,784 distinct prompts. Two regimes mirror the paper's data sets:
//
//  - response-contrast (HH-RLHF-like): x- = x+, y- is a fluent but wrong answer. With
//    probability `overlap` it keeps the answer's wording and only swaps the colour
//    (" Bo has pink."); otherwise it is worded differently (" I think pink."). The wrong colour
//    is the other person's colour (a plausible slip) half the time, else another colour.
//  - context-contrast (CausalDialogue-like): y+ = y- = the correct answer to x+, and x- changes
//    one small detail so that y is wrong for it: either the asked person's colour is changed
//    ("Al has pink. Bo has red.") or the question asks the other person ("User: Al?").
//    Beyond that one detail, each of three further edits (swap the two facts, rename the
//    person not asked, recolour the person not asked) happens with probability 1 - overlap,
//    so at overlap 1 exactly one word differs and at overlap 0 the contexts share little more
//    than the dialogue shape. The answer to x- never equals y (see syntheticAnswer()).
//
// Every pair's `reference` is the correct response to prompt_pos and its origin is
// "synthetic:<regime>:<index>". Generation uses SeededRandom, so a seed gives the same data
// set on every platform.
//
// For next-token pretraining (method lm, data.source synthetic-text) the same world is also
// written as plain statements: each document states 2 to 4 facts about distinct people with
// distinct colours ("Al has pink. Bo has gold. Cy has red."), and never holds a question, a
// dialogue turn or an answer, so a model pretrained on it knows the names, the colours and the
// sentence shape but has never been shown the task.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/data/PairText.h"

namespace rgpb {

enum class SyntheticRegime { ContextContrast, ResponseContrast };

// "context-contrast", "response-contrast"; ArgumentError lists the names.
SyntheticRegime parseSyntheticRegime(const std::string& name);
const char* syntheticRegimeName(SyntheticRegime regime);

// Upper bounds every generated prompt and response respects (bytes, UTF-8 = ASCII here).
constexpr std::size_t kSyntheticPromptMaxBytes = 48;
constexpr std::size_t kSyntheticResponseMaxBytes = 24;

struct SyntheticTaskOptions {
    SyntheticRegime regime = SyntheticRegime::ResponseContrast;
    std::size_t count = 2000;  // number of pairs
    uint64_t seed = 1;         // same seed, same pairs (on every platform)
    // In [0, 1]: how much literal text the negative side shares with the positive side
    // (response-contrast: chance that y- keeps y+'s wording; context-contrast: 1 - chance of
    // each extra edit of x-). ArgumentError outside [0, 1].
    double overlap = 0.5;
};

std::vector<PairText> generateSyntheticPairs(const SyntheticTaskOptions& options);

// Upper bound of a synthetic-text document (4 facts of at most 12 bytes and 3 spaces).
constexpr std::size_t kSyntheticDocumentMaxBytes = 51;

struct SyntheticTextOptions {
    std::size_t count = 2000;  // number of documents
    uint64_t seed = 1;         // same seed, same documents (on every platform)
};

// The plain-statement documents described above, as documentPair()s (core/data/PairText.h)
// with origin "synthetic-text:<index>".
std::vector<PairText> generateSyntheticDocuments(const SyntheticTextOptions& options);

// The correct response to any prompt of the synthetic task's shape (also to a negative prompt
// x-), or nullopt when `prompt` is not of that shape or asks about nobody in it.
std::optional<std::string> syntheticAnswer(const std::string& prompt);

// Judging text: the part before the first "\n" (the end of the assistant's turn), with runs of
// whitespace collapsed to one space, leading/trailing whitespace removed, ASCII letters
// lower-cased and trailing punctuation (. ! ? , ; :) removed. Other bytes pass unchanged.
std::string normalizeForJudging(const std::string& response);

// Automatic judge: is `response` a correct answer to pair.prompt_pos? Compares
// normalizeForJudging(response) with normalizeForJudging(pair.reference); when the reference
// is empty it is computed with syntheticAnswer(pair.prompt_pos). ArgumentError when neither
// gives a reference.
bool isCorrectResponse(const PairText& pair, const std::string& response);

}  // namespace rgpb
