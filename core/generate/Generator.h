// The decoding loop over a language model of either kind: batched prompts, greedy or sampled
// (temperature, top-k, top-p) continuation, per-row stop at EOS, with or without the KV cache.
// A decoder-only GptNeoX continues the context itself (left padding, per-row positions); a T5
// encodes `prompt EOS` (seq2seqEncoderIds(), right padding) and decodes from its
// decoder_start_token_id, with no context limit (relative positions). Implementation header
// (includes LibTorch); the GUI and the CLI's light parts use core/generate/Generation.h.
//
// Determinism: prompt i of a call samples from its own random stream seeded from
// (settings.seed, first_index + i), so a prompt's continuation does not depend on which other
// prompts share its batch or on the batch size (greedy decoding uses no randomness at all).
#pragma once

#include <torch/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "core/data/SeededRandom.h"
#include "core/generate/Generation.h"
#include "core/model/LanguageModel.h"
#include "core/tokenizer/Tokenizer.h"

namespace rgpb {

// The context a response is generated after: [BOS] prompt [SEP], the prompt's tokens cut to the
// last max_prompt_tokens (< 0 = no limit), exactly as tokenizePair() lays out training data.
std::vector<int32_t> promptContext(const Tokenizer& tokenizer, const std::string& prompt,
                                   int64_t max_prompt_tokens);

// Sampling on one row of logits [V] (any floating dtype, any device). These are the pieces
// sampleToken() chains; exposed so tests can check them against hand-computed sets.
//
// logits / temperature with everything outside the k largest set to -inf (k <= 0 or k >= V:
// unchanged). Ties at the k-th value keep the lower token ids. Returns float64 on the CPU.
torch::Tensor filterTopK(const torch::Tensor& logits, int64_t k);
// Sets to -inf every token outside the smallest set of most likely tokens whose softmax
// probability sums to >= p (the most likely token is always kept). p >= 1: unchanged.
torch::Tensor filterTopP(const torch::Tensor& logits, double p);
// The probabilities sampleToken() draws from: softmax(filterTopP(filterTopK(logits / T, k), p))
// as float64 on the CPU. temperature must be > 0.
torch::Tensor samplingDistribution(const torch::Tensor& logits, double temperature, int64_t top_k,
                                   double top_p);
// One token: argmax when temperature == 0 (lowest id on ties), else an inverse-CDF draw from
// samplingDistribution() with one uniform number from `random`.
int64_t sampleToken(const torch::Tensor& logits, const GenerationSettings& settings,
                    SeededRandom& random);

// New tokens for one context.
struct GeneratedTokens {
    std::vector<int32_t> tokens;  // EOS excluded
    int64_t new_tokens = 0;       // including the EOS when one was emitted
    bool stopped_at_eos = false;
};

class Generator {
public:
    // `model` is put in eval mode for the calls and restored after.
    Generator(LanguageModel model, SpecialTokens specials, torch::Device device);

    // Continues each context (already formatted, e.g. by promptContext()) in batches of
    // settings.batch_size. `first_index` offsets the per-prompt random streams (a caller that
    // splits one job into several calls passes the global index of contexts[0]). A row stops at
    // EOS (stop_at_eos), after max_new_tokens, or, decoder-only, when the model's context
    // (max_positions, counting the batch's left padding) is full. Without the KV cache every
    // step recomputes the whole (decoder) sequence; a T5's encoder runs once per batch either way.
    std::vector<GeneratedTokens> generate(const std::vector<std::vector<int32_t>>& contexts,
                                          const GenerationSettings& settings,
                                          const GenerationHooks& hooks = {},
                                          int64_t first_index = 0);

    // Text in, text out: promptContext() for each prompt, generate(), decode. Only ids the
    // tokenizer has are generated (a model's vocabulary may be padded beyond it).
    std::vector<GeneratedText> generateText(const Tokenizer& tokenizer,
                                            const std::vector<std::string>& prompts,
                                            int64_t max_prompt_tokens,
                                            const GenerationSettings& settings,
                                            const GenerationHooks& hooks = {});

private:
    // `inputs`: the model's input rows (the contexts, or a T5's encoder ids).
    std::vector<GeneratedTokens> generateBatch(const std::vector<std::vector<int32_t>>& inputs,
                                               std::size_t begin, std::size_t end,
                                               const GenerationSettings& settings,
                                               const GenerationHooks& hooks,
                                               GenerationProgress& progress, int64_t first_index);

    LanguageModel model_;
    SpecialTokens specials_;
    torch::Device device_;
    int64_t vocab_limit_ =
        0;  // > 0: only ids below it are generated (generateText: the tokenizer's)
};

}  // namespace rgpb
