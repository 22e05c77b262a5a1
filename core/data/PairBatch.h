// From text pairs to the tensors the objectives consume. A sequence is laid out as
// [BOS] prompt [SEP] response [EOS]; only the response tokens and the EOS carry loss (spec.md
// section 1: prompt tokens and padding never do). Pairs are batched so that one forward pass
// sees both sides: rows 0..B-1 hold the good sequences, rows B..2B-1 the bad ones.
// Implementation header (includes <torch/types.h>); the GUI never sees it.
#pragma once

#include <torch/types.h>

#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/data/PairText.h"
#include "core/tokenizer/Tokenizer.h"

namespace rgpb {

// ids = [BOS] prompt [SEP] response [EOS]; response_start = index in ids of the first response
// token (the token after SEP; the EOS when the response is empty). Loss is carried by ids
// from response_start to the end: response tokens and the EOS, when it was kept.
struct TokenizedSequence {
    std::vector<int32_t> ids;
    int32_t response_start = 0;
};

struct TokenizedPair {
    TokenizedSequence pos, neg;  // (x+, y+) and (x-, y-)
};

// Token budgets. max_prompt_length counts prompt tokens only; max_length counts the whole
// sequence including BOS, SEP and EOS. tokenizePair() requires
// max_prompt_length >= 0 and max_length >= max_prompt_length + 3 (BOS, SEP and at least one
// response token always fit, whatever the text).
struct LengthLimits {
    int max_length = 256;         // tokens per sequence, all included
    int max_prompt_length = 128;  // prompt tokens (without BOS and SEP)
};

// Tokenizes both sides of `pair`. A prompt longer than max_prompt_length keeps its END (the
// most recent dialogue turns); the response is then cut to fit max_length, keeping the EOS
// only if it fits (a cut response has no EOS: the model must not learn to stop there).
// Throws rgpb::ArgumentError naming the limits when they violate the rule above.
TokenizedPair tokenizePair(const Tokenizer& tok, const PairText& pair, const LengthLimits& limits);
// tokenizePair() for each pair, in order.
std::vector<TokenizedPair> tokenizePairs(const Tokenizer& tok, const std::vector<PairText>& pairs,
                                         const LengthLimits& limits);

// Padded tensors for a batch of N sequences of at most L tokens (right padding with pad_id):
// - input_ids      [N, L]   int64
// - attention_mask [N, L]   bool, true on real tokens
// - labels         [N, L-1] int64, input_ids[:, 1:] (the next token at each position)
// - loss_mask      [N, L-1] bool, true where labels[:, t] is a response token or the EOS,
//                           i.e. t + 1 >= response_start and t + 1 is a real token
struct SequenceBatch {
    torch::Tensor input_ids, attention_mask, labels, loss_mask;
    // collatePairs() with share_identical_negatives: every pair's negative sequence is its
    // positive one (text documents), so the batch holds the B positive rows only.
    bool negatives_shared = false;
};

// The sequence-to-sequence view of a collated batch (T5, core/model/LanguageModel.h): row i's
// [BOS] prompt [SEP] response [EOS] becomes encoder input `prompt EOS` and decoder input
// `START response`, whose labels `response EOS` are exactly the tokens the batch's loss_mask
// marks. Right padding with `pad`:
// - encoder_ids, encoder_mask [N, S]  S = the longest prompt + 1
// - decoder_ids, decoder_mask [N, T]  T = the most loss tokens of a row
// - labels, loss_mask         [N, T]  labels[:, t] follows decoder_ids[:, t]; loss_mask equals
//                                     decoder_mask (every real decoder position carries loss)
struct Seq2SeqBatch {
    torch::Tensor encoder_ids, encoder_mask, decoder_ids, decoder_mask, labels, loss_mask;
};
// `batch` as collate() made it (CPU tensors). ArgumentError for a row without loss tokens.
Seq2SeqBatch toSeq2Seq(const SequenceBatch& batch, int64_t eos, int64_t start, int64_t pad);

// Throws rgpb::ArgumentError for an empty list, a null entry, a sequence shorter than 2 tokens
// or a response_start outside [1, size - 1].
SequenceBatch collate(const std::vector<const TokenizedSequence*>& seqs, int32_t pad_id);

// Rows 0..B-1 are the positive sequences of pairs[indices[i]], rows B..2B-1 the negatives in the
// same order, padded to one common length (one forward pass for both sides). With
// `share_identical_negatives`, a batch whose every negative equals its positive (documents of
// text, core/data/PairText.h documentPair()) holds rows 0..B-1 only and says so
// (negatives_shared): half the work, the same log-probs. Throws rgpb::ArgumentError for empty
// `indices` or an index out of range.
SequenceBatch collatePairs(const std::vector<TokenizedPair>& pairs,
                           const std::vector<std::size_t>& indices, int32_t pad_id,
                           bool share_identical_negatives = false);

}  // namespace rgpb
