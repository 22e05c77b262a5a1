#include "core/data/PairBatch.h"

#include <torch/torch.h>

#include <algorithm>

#include "core/util/Error.h"

namespace rgpb {

namespace {

TokenizedSequence tokenizeSide(const Tokenizer& tok, const SpecialTokens& sp,
                               const std::string& prompt, const std::string& response,
                               const LengthLimits& limits) {
    std::vector<int32_t> p = tok.encode(prompt);
    std::vector<int32_t> r = tok.encode(response);
    // Keep the end of a long prompt: in a dialogue the last turns are what the response answers.
    const std::size_t max_prompt = static_cast<std::size_t>(limits.max_prompt_length);
    if (p.size() > max_prompt)
        p.erase(p.begin(), p.end() - static_cast<std::ptrdiff_t>(max_prompt));

    // What is left for response + EOS; >= 1 because max_length >= max_prompt_length + 3.
    const std::size_t budget = static_cast<std::size_t>(limits.max_length) - 2 - p.size();
    const bool keep_eos = r.size() + 1 <= budget;
    if (!keep_eos)
        r.resize(budget);

    TokenizedSequence seq;
    seq.ids.reserve(2 + p.size() + r.size() + 1);
    seq.ids.push_back(sp.bos);
    seq.ids.insert(seq.ids.end(), p.begin(), p.end());
    seq.ids.push_back(sp.sep);
    seq.response_start = static_cast<int32_t>(seq.ids.size());
    seq.ids.insert(seq.ids.end(), r.begin(), r.end());
    if (keep_eos)
        seq.ids.push_back(sp.eos);
    return seq;
}

}  // namespace

std::vector<TokenizedPair> tokenizePairs(const Tokenizer& tok, const std::vector<PairText>& pairs,
                                         const LengthLimits& limits) {
    std::vector<TokenizedPair> out;
    out.reserve(pairs.size());
    for (const PairText& p : pairs)
        out.push_back(tokenizePair(tok, p, limits));
    return out;
}

TokenizedPair tokenizePair(const Tokenizer& tok, const PairText& pair, const LengthLimits& limits) {
    requireArgument(limits.max_prompt_length >= 0, "tokenizePair", "max_prompt_length", ">= 0",
                    limits.max_prompt_length);
    requireArgument(
        limits.max_length >= limits.max_prompt_length + 3, "tokenizePair", "max_length",
        detail::concat("at least max_prompt_length + 3 = ", limits.max_prompt_length + 3,
                       " (BOS, SEP and one response token must fit after the "
                       "longest prompt)"),
        limits.max_length, " with max_prompt_length ", limits.max_prompt_length);
    const SpecialTokens sp = tok.specials();
    TokenizedPair out;
    out.pos = tokenizeSide(tok, sp, pair.prompt_pos, pair.response_pos, limits);
    out.neg = tokenizeSide(tok, sp, pair.prompt_neg, pair.response_neg, limits);
    return out;
}

SequenceBatch collate(const std::vector<const TokenizedSequence*>& seqs, int32_t pad_id) {
    requireArgument(!seqs.empty(), "collate", "seqs", "a non-empty list", "an empty list");
    std::size_t length = 0;
    for (std::size_t i = 0; i < seqs.size(); ++i) {
        const TokenizedSequence* s = seqs[i];
        requireArgument(s != nullptr, "collate", "seqs", "non-null entries", "null at ", i);
        const auto size = static_cast<int64_t>(s->ids.size());
        requireArgument(size >= 2, "collate", "seqs", "sequences of at least 2 tokens", size,
                        " tokens at ", i);
        requireArgument(s->response_start >= 1 && s->response_start < size, "collate",
                        "response_start", detail::concat("in [1, ", size - 1, "] at ", i),
                        s->response_start);
        length = std::max(length, s->ids.size());
    }
    const auto n = static_cast<int64_t>(seqs.size());
    const auto l = static_cast<int64_t>(length);

    // Filled on the CPU through accessors; the trainer moves the batch to its device.
    torch::Tensor input_ids = torch::full({n, l}, static_cast<int64_t>(pad_id), torch::kInt64);
    torch::Tensor attention = torch::zeros({n, l}, torch::kBool);
    torch::Tensor loss_mask = torch::zeros({n, l - 1}, torch::kBool);
    auto ids_a = input_ids.accessor<int64_t, 2>();
    auto att_a = attention.accessor<bool, 2>();
    auto loss_a = loss_mask.accessor<bool, 2>();
    for (int64_t i = 0; i < n; ++i) {
        const TokenizedSequence& s = *seqs[static_cast<std::size_t>(i)];
        const auto size = static_cast<int64_t>(s.ids.size());
        for (int64_t j = 0; j < size; ++j) {
            ids_a[i][j] = s.ids[static_cast<std::size_t>(j)];
            att_a[i][j] = true;
        }
        // labels[:, t] = input_ids[:, t + 1]: loss where that token is response or EOS.
        for (int64_t t = s.response_start - 1; t < size - 1; ++t)
            loss_a[i][t] = true;
    }
    SequenceBatch batch;
    batch.labels = input_ids.slice(1, 1).contiguous();
    batch.input_ids = std::move(input_ids);
    batch.attention_mask = std::move(attention);
    batch.loss_mask = std::move(loss_mask);
    return batch;
}

Seq2SeqBatch toSeq2Seq(const SequenceBatch& batch, int64_t eos, int64_t start, int64_t pad) {
    const torch::Tensor ids = batch.input_ids.to(torch::kCPU).contiguous();
    const torch::Tensor real = batch.attention_mask.to(torch::kCPU, torch::kBool).contiguous();
    const torch::Tensor loss = batch.loss_mask.to(torch::kCPU, torch::kBool).contiguous();
    const int64_t n = ids.size(0), l = ids.size(1);
    auto ids_a = ids.accessor<int64_t, 2>();
    auto real_a = real.accessor<bool, 2>();
    auto loss_a = loss.accessor<bool, 2>();
    // Per row: response_start (the first loss position + 1) and the real length.
    std::vector<int64_t> response_start(static_cast<std::size_t>(n)), size(response_start);
    int64_t s_len = 1, t_len = 1;
    for (int64_t i = 0; i < n; ++i) {
        int64_t first = 0;
        while (first < l - 1 && !loss_a[i][first])
            ++first;
        int64_t len = 0;
        while (len < l && real_a[i][len])
            ++len;
        requireArgument(first < l - 1 && first + 1 < len, "toSeq2Seq", "batch",
                        "rows with at least one loss token", "none in row ", i);
        response_start[static_cast<std::size_t>(i)] = first + 1;
        size[static_cast<std::size_t>(i)] = len;
        s_len = std::max(s_len, std::max<int64_t>(first - 1, 0) + 1);
        t_len = std::max(t_len, len - first - 1);
    }
    Seq2SeqBatch out;
    out.encoder_ids = torch::full({n, s_len}, pad, torch::kInt64);
    out.encoder_mask = torch::zeros({n, s_len}, torch::kBool);
    out.decoder_ids = torch::full({n, t_len}, pad, torch::kInt64);
    out.decoder_mask = torch::zeros({n, t_len}, torch::kBool);
    out.labels = torch::full({n, t_len}, pad, torch::kInt64);
    auto enc = out.encoder_ids.accessor<int64_t, 2>();
    auto enc_m = out.encoder_mask.accessor<bool, 2>();
    auto dec = out.decoder_ids.accessor<int64_t, 2>();
    auto dec_m = out.decoder_mask.accessor<bool, 2>();
    auto lab = out.labels.accessor<int64_t, 2>();
    for (int64_t i = 0; i < n; ++i) {
        const int64_t rs = response_start[static_cast<std::size_t>(i)];
        const int64_t prompt = std::max<int64_t>(rs - 2, 0);  // ids[1 .. rs-2]
        for (int64_t j = 0; j < prompt; ++j)
            enc[i][j] = ids_a[i][1 + j];
        enc[i][prompt] = eos;
        for (int64_t j = 0; j <= prompt; ++j)
            enc_m[i][j] = true;
        const int64_t targets = size[static_cast<std::size_t>(i)] - rs;
        for (int64_t j = 0; j < targets; ++j) {
            dec[i][j] = j == 0 ? start : ids_a[i][rs - 1 + j];
            dec_m[i][j] = true;
            lab[i][j] = ids_a[i][rs + j];
        }
    }
    out.loss_mask = out.decoder_mask;
    return out;
}

SequenceBatch collatePairs(const std::vector<TokenizedPair>& pairs,
                           const std::vector<std::size_t>& indices, int32_t pad_id,
                           bool share_identical_negatives) {
    requireArgument(!indices.empty(), "collatePairs", "indices", "a non-empty list",
                    "an empty list");
    std::vector<const TokenizedSequence*> seqs(2 * indices.size());
    bool shared = share_identical_negatives;
    for (std::size_t i = 0; i < indices.size(); ++i) {
        requireArgument(indices[i] < pairs.size(), "collatePairs", "indices",
                        detail::concat("below the number of pairs ", pairs.size()), indices[i],
                        " at ", i);
        const TokenizedPair& p = pairs[indices[i]];
        seqs[i] = &p.pos;
        seqs[indices.size() + i] = &p.neg;
        shared = shared && p.pos.ids == p.neg.ids && p.pos.response_start == p.neg.response_start;
    }
    if (shared)
        seqs.resize(indices.size());
    SequenceBatch batch = collate(seqs, pad_id);
    batch.negatives_shared = shared;
    return batch;
}

}  // namespace rgpb
