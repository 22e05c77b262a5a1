// Text generation settings and results: what `rgpb sample`, `rgpb compare`, the trainer's
// samples at each evaluation and the GUI share. Torch-free; the decoding loop itself is
// core/generate/Generator.h (an implementation header).
//
// A prompt is continued exactly as training laid sequences out (core/data/PairBatch.h):
// [BOS] prompt [SEP], and the model writes the response until it emits EOS or reaches
// max_new_tokens. Prompts longer than the run's max_prompt_length keep their end, as in training.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace rgpb {

struct GenerationSettings {
    int64_t max_new_tokens = 64;  // response tokens per prompt (> 0), EOS included
    double temperature = 0.0;     // 0 = greedy (argmax); > 0 samples from softmax(logits / T)
    int64_t top_k = 0;            // keep the k most likely tokens before sampling; 0 = all
    double top_p = 1.0;           // nucleus: smallest set with probability >= top_p; (0, 1]
    uint64_t seed = 1;            // prompt i samples with its own stream from (seed, i)
    bool use_kv_cache = true;     // false: recompute the whole sequence at every step
    int64_t batch_size = 8;       // prompts decoded together (left-padded), > 0
    bool stop_at_eos = true;      // a row stops at its first EOS (not part of the response)

    // Throws rgpb::ArgumentError naming the first field out of range (e.g. top_p = 0).
    void validate() const;
};

// One prompt's continuation.
struct GeneratedText {
    std::string prompt;
    std::string response;         // decoded new tokens, EOS excluded
    std::vector<int32_t> tokens;  // the new token ids (EOS excluded)
    int64_t new_tokens = 0;       // tokens generated, EOS included when it was emitted
    bool stopped_at_eos = false;
};

struct GenerationProgress {
    int64_t prompts_done = 0, prompts_total = 0;
    int64_t tokens_generated = 0;  // over all prompts so far
};

// Called on the generating thread after every decoding step; must be quick.
using GenerationProgressFn = std::function<void(const GenerationProgress&)>;
// Streaming: called on the generating thread each time the row at `index` (its place among the
// call's contexts or prompts) gets a new response token (never EOS); must be quick.
using GenerationTokenFn = std::function<void(int64_t index, int32_t token)>;
// Checked before every step for every running row: true ends that row there (its tokens so far
// are its response, as if it had reached max_new_tokens), e.g. a client that went away.
using GenerationRowStopFn = std::function<bool(int64_t index)>;

struct GenerationHooks {
    GenerationProgressFn progress;              // optional
    const std::atomic<bool>* cancel = nullptr;  // checked every step: throws CancelledError
    GenerationTokenFn token;                    // optional
    GenerationRowStopFn stop_row;               // optional
};

// Reads prompts for `rgpb sample` / `rgpb compare`. The format is detected from the first
// non-empty line: starting with '{' means JSONL (each non-empty line an object with a string
// "prompt" and optionally a string "reference"); otherwise one prompt per non-empty line, where
// the two-character escapes \n, \t and \\ stand for a newline, a tab and a backslash (so
// multi-line dialogue prompts fit on one line). A bad line is an InputError naming file:line.
struct PromptEntry {
    std::string prompt;
    std::string reference;  // empty when the file gives none
    int64_t line = 0;       // 1-based line in the file
};
std::vector<PromptEntry> readPromptFile(const std::string& path);
// The escape rule above for one line of text (also used for --prompt).
std::string unescapePromptLine(const std::string& text);

}  // namespace rgpb
