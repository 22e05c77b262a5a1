// Reads preference-pair data sets from disk into PairText (text level; tokenising is a later
// step) and splits/shuffles them reproducibly. Four pair formats are understood:
//
//  - hh-rlhf: JSONL (optionally gzipped) of {"chosen", "rejected"} full dialogues (Anthropic
//    HH-RLHF). The prompt is `chosen` up to and including its LAST "\n\nAssistant:"; the
//    responses are what follows it in `chosen` and in `rejected` (the leading space is kept, so
//    prompt + response is the original text byte for byte). A `rejected` that does not start
//    with that same prompt is a problem and is skipped (a handful of HH-RLHF records diverge
//    earlier in the dialogue; they are not pairs in the sense of spec.md section 1).
//  - trl: JSONL of {"prompt", "chosen", "rejected"} strings (TRL's DPOTrainer); x+ = x- =
//    prompt, y+ = chosen, y- = rejected.
//  - contrast: JSONL of {"prompt_pos", "response_pos", "prompt_neg", "response_neg"} strings,
//    the explicit form that can express both regimes.
//  - causal-dialogue: one JSON document (optionally gzipped), an array of dialogues
//    {dialog_name, category, original_data: [{id, type, text, speaker, prev_ids}]}, a DAG of
//    utterances (CausalDialogue, Tuan et al. 2023). Interpretation, exactly:
//      * An utterance is formatted "speaker: text" ("text" alone when speaker is empty).
//        `id` is an integer or a string; `prev_ids` is an array of ids (absent, null or [] for
//        a root); `type`, `dialog_name` and `category` are read only for origins.
//      * Every root-to-leaf path u_1 .. u_n is walked; every step k >= 2 on it gives a
//        candidate (history u_1..u_{k-2}, cause x = u_{k-1}, response y = u_k). A step shared
//        by several paths (same id sequence up to u_k) is used once.
//      * A sibling cause x' of x is another utterance with the same prev_ids (as a set; for a
//        root, another root) that is not itself in y's prev_ids (then y would answer it too).
//        Each sibling cause gives one pair: prompt_pos = history + x, prompt_neg = history +
//        x', response_pos = response_neg = y (so y+ = y- and only the context differs). A step
//        whose cause has no sibling gives no pair; that is not a problem.
//      * Prompt and response split the dialogue text so that prompt + response is the lines
//        joined by "\n": prompt = "<history lines>\n<x line>\n<y speaker>:", response =
//        " <y text>" (as HH-RLHF's "...\n\nAssistant:" + " response").
//      * `records` counts dialogues; a dialogue with any malformed utterance, an unknown or
//        duplicate id, or a cycle is skipped whole (its paths cannot be trusted).
//
// Two more formats hold documents of unlabeled text for method lm, each read as a
// documentPair() (core/data/PairText.h: empty prompt, the document on both sides):
//  - text: plain text (optionally gzipped); documents are runs of non-blank lines joined by
//    "\n", separated by one or more blank lines; origin "path:<first line>".
//  - text-jsonl: JSONL of {"text": "..."}, one non-empty document per line.
// Auto detection never picks them: a first record with a "text" key is an error that names
// data.format text-jsonl (a run config says that its data is text, DataConfig::textSource()).
//
// The formats' names and aliases are core/data/DataFormat.h's table.
//
// Format detection (DataFormat::Auto): a document whose first non-blank character is '['
// (or a .json/.json.gz file) is causal-dialogue; otherwise the first line that parses as a JSON
// object decides: "prompt_pos" -> contrast, "prompt" -> trl, "chosen" -> hh-rlhf.
//
// Malformed input (broken JSON line, missing key, wrong type, empty response, prompt mismatch,
// corrupt gzip) is located as "path:line" for JSONL and "path ([3].original_data[2].prev_ids)"
// for causal-dialogue, with what was expected. MalformedPolicy::Skip counts it and goes on;
// Stop throws InputError at the first one. A missing or unreadable file, an undetectable
// format, and a file that yields no pair at all always throw InputError. Text is UTF-8 and is
// passed through byte for byte (JSON escapes are decoded).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/data/DataFormat.h"  // DataFormat, its names and parser
#include "core/data/PairText.h"

namespace rgpb {

// Skip: count the bad record, keep its first problems, go on. Stop: throw InputError at it.
enum class MalformedPolicy { Skip, Stop };

struct ReadReport {
    std::size_t records = 0;  // non-blank lines (JSONL) or dialogues (causal-dialogue) examined
    std::size_t read = 0;     // pairs produced
    std::size_t skipped = 0;  // records skipped
    // The first kMaxProblems problems, each "location: what was wrong, what was expected".
    std::vector<std::string> problems;
    static constexpr std::size_t kMaxProblems = 10;
};

struct PairDataset {
    std::vector<PairText> pairs;
    ReadReport report;
    DataFormat format = DataFormat::Auto;  // the format actually read (never Auto on return)
};

// Reads `path` (plain or gzip, detected by content). Throws InputError as described above.
PairDataset readPairDataset(const std::string& path, DataFormat format = DataFormat::Auto,
                            MalformedPolicy policy = MalformedPolicy::Skip);

// Detects the format of `path` as DataFormat::Auto would (reads the file up to the first
// record). Throws InputError when the file is missing or no format fits.
DataFormat detectDataFormat(const std::string& path);

struct DataSplit {
    std::vector<PairText> train, eval;
    std::vector<PairText> validation;  // carved from train by the caller (loadPairTexts)
};

// Shuffles with `seed` (SeededRandom: identical on every platform), then takes the first
// `eval_count` pairs as eval and the rest as train. ArgumentError when eval_count > size.
DataSplit splitPairs(std::vector<PairText> pairs, std::size_t eval_count, uint64_t seed);

// Fisher-Yates with SeededRandom(seed): the same order for a seed on every platform.
void shufflePairs(std::vector<PairText>& pairs, uint64_t seed);

}  // namespace rgpb
