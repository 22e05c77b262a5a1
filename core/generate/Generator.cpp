#include "core/generate/Generator.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <numeric>
#include <utility>

#include "core/util/Error.h"

namespace rgpb {

namespace {

constexpr double kNegInf = -std::numeric_limits<double>::infinity();

// A CPU float64 copy of a logits row [V].
std::vector<double> rowValues(const torch::Tensor& logits) {
    requireArgument(logits.defined() && logits.dim() == 1 && logits.size(0) > 0, "sampling",
                    "logits", "a non-empty row [V]",
                    logits.defined() ? std::to_string(logits.dim()) + "-d tensor" : "undefined");
    auto t = logits.detach().to(torch::kCPU, torch::kDouble).contiguous();
    const double* p = t.data_ptr<double>();
    return std::vector<double>(p, p + t.numel());
}

torch::Tensor toTensor(const std::vector<double>& v) {
    return torch::tensor(v, torch::TensorOptions().dtype(torch::kDouble));
}

// Token ids by decreasing value; equal values keep increasing ids.
std::vector<int64_t> orderByValue(const std::vector<double>& v) {
    std::vector<int64_t> order(v.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) {
        return v[static_cast<std::size_t>(a)] > v[static_cast<std::size_t>(b)];
    });
    return order;
}

void topK(std::vector<double>& v, int64_t k) {
    if (k <= 0 || k >= static_cast<int64_t>(v.size()))
        return;
    const auto order = orderByValue(v);
    for (std::size_t i = static_cast<std::size_t>(k); i < order.size(); ++i)
        v[static_cast<std::size_t>(order[i])] = kNegInf;
}

std::vector<double> softmax(const std::vector<double>& v) {
    const double top = *std::max_element(v.begin(), v.end());
    std::vector<double> p(v.size());
    double sum = 0.0;
    for (std::size_t i = 0; i < v.size(); ++i) {
        p[i] = v[i] == kNegInf ? 0.0 : std::exp(v[i] - top);
        sum += p[i];
    }
    for (double& x : p)
        x /= sum;
    return p;
}

void topP(std::vector<double>& v, double p) {
    if (p >= 1.0)
        return;
    const auto probs = softmax(v);
    const auto order = orderByValue(v);
    double before = 0.0;  // probability of the tokens ranked above this one
    for (int64_t id : order) {
        const auto i = static_cast<std::size_t>(id);
        if (before >= p)
            v[i] = kNegInf;
        before += probs[i];
    }
}

std::vector<double> distribution(const torch::Tensor& logits, double temperature, int64_t top_k,
                                 double top_p) {
    requireArgument(std::isfinite(temperature) && temperature > 0, "samplingDistribution",
                    "temperature", "finite and > 0", temperature);
    std::vector<double> v = rowValues(logits);
    for (double& x : v)
        x /= temperature;
    topK(v, top_k);
    topP(v, top_p);
    return softmax(v);
}

int64_t argmax(const std::vector<double>& v) {
    return static_cast<int64_t>(std::max_element(v.begin(), v.end()) - v.begin());
}

// The random stream of prompt `index`: splitmix64 states far apart for neighbouring indices.
SeededRandom rowRandom(uint64_t seed, int64_t index) {
    SeededRandom mix(seed);
    return SeededRandom(mix.next() + 0xD1B54A32D192ED03ULL * static_cast<uint64_t>(index + 1));
}

struct Padded {
    torch::Tensor input;  // [rows, longest] token ids
    torch::Tensor mask;   // [rows, longest] bool, true on real tokens; undefined: no row padded
    int64_t longest = 0;
};

// Rows begin..end-1 of `rows_ids` padded to the longest with `pad`, on the left (a decoder-only
// context: every row's last token sits in the last column, so one column of logits serves the
// whole batch, and the mask gives each row its own positions) or on the right (an encoder input).
Padded padded(const std::vector<std::vector<int32_t>>& rows_ids, std::size_t begin, std::size_t end,
              int64_t pad, bool left, const torch::Device& device) {
    const auto rows = static_cast<int64_t>(end - begin);
    int64_t longest = 0;
    for (std::size_t i = begin; i < end; ++i)
        longest = std::max<int64_t>(longest, static_cast<int64_t>(rows_ids[i].size()));
    std::vector<int64_t> ids(static_cast<std::size_t>(rows * longest), pad);
    std::vector<int64_t> real(static_cast<std::size_t>(rows * longest), 0);
    bool any_padded = false;
    for (int64_t r = 0; r < rows; ++r) {
        const auto& c = rows_ids[begin + static_cast<std::size_t>(r)];
        const int64_t gap = longest - static_cast<int64_t>(c.size());
        any_padded = any_padded || gap > 0;
        const int64_t offset = r * longest + (left ? gap : 0);
        for (std::size_t j = 0; j < c.size(); ++j) {
            ids[static_cast<std::size_t>(offset) + j] = c[j];
            real[static_cast<std::size_t>(offset) + j] = 1;
        }
    }
    Padded out;
    out.longest = longest;
    out.input = torch::tensor(ids, torch::kInt64).view({rows, longest}).to(device);
    if (any_padded)  // else undefined: the unpadded fast path (plain causal mask)
        out.mask =
            torch::tensor(real, torch::kInt64).view({rows, longest}).to(torch::kBool).to(device);
    return out;
}

// One batch's model calls. start() and append() return logits [rows, L, V] whose last column
// predicts every row's next token.
class BatchDecoder {
public:
    virtual ~BatchDecoder() = default;
    virtual torch::Tensor start() = 0;
    // One new token per row, [rows, 1].
    virtual torch::Tensor append(const torch::Tensor& column) = 0;
};

// A decoder-only model continuing its left-padded contexts.
class NeoXBatch final : public BatchDecoder {
public:
    NeoXBatch(GptNeoX model, Padded contexts, bool use_cache)
        : model_(std::move(model)),
          use_cache_(use_cache),
          sequence_(std::move(contexts.input)),
          mask_(std::move(contexts.mask)) {}

    torch::Tensor start() override {
        return use_cache_ ? model_->forward(sequence_, mask_, &cache_)
                          : model_->forward(sequence_, mask_);
    }

    torch::Tensor append(const torch::Tensor& column) override {
        if (use_cache_)
            return model_->forward(column, {}, &cache_);
        sequence_ = torch::cat({sequence_, column}, 1);
        if (mask_.defined())
            mask_ = torch::cat({mask_, torch::ones_like(column, mask_.options())}, 1);
        return model_->forward(sequence_, mask_);
    }

private:
    GptNeoX model_;
    bool use_cache_;
    KVCache cache_;
    torch::Tensor sequence_, mask_;  // without the cache: all tokens so far
};

// A T5 decoding from its decoder start token, the encoder run once on the right-padded inputs.
class T5Batch final : public BatchDecoder {
public:
    T5Batch(T5 model, Padded encoder, bool use_cache)
        : model_(std::move(model)), use_cache_(use_cache), encoder_(std::move(encoder)) {}

    torch::Tensor start() override {
        auto column =
            torch::full({encoder_.input.size(0), 1}, model_->config().decoder_start_token_id,
                        encoder_.input.options());
        if (use_cache_) {
            cache_ = model_->startDecoding(encoder_.input, encoder_.mask);
            return model_->decodeStep(column, cache_);
        }
        encoded_ = model_->encode(encoder_.input, encoder_.mask);
        decoder_ids_ = column;
        return model_->decode(decoder_ids_, {}, encoded_, encoder_.mask);
    }

    torch::Tensor append(const torch::Tensor& column) override {
        if (use_cache_)
            return model_->decodeStep(column, cache_);
        decoder_ids_ = torch::cat({decoder_ids_, column}, 1);
        return model_->decode(decoder_ids_, {}, encoded_, encoder_.mask);
    }

private:
    T5 model_;
    bool use_cache_;
    Padded encoder_;
    T5Cache cache_;
    torch::Tensor encoded_, decoder_ids_;  // without the cache: the encoder output, all tokens
};

// `last`: the step's logits [rows, V]. Greedy decoding picks on the device for every row;
// sampling draws on the CPU only for rows still running, so each row's random stream advances
// exactly once per token it generates.
void pickNextTokens(const torch::Tensor& last, const GenerationSettings& settings,
                    const std::vector<bool>& done, std::vector<SeededRandom>& random,
                    std::vector<int64_t>& next) {
    const int64_t rows = static_cast<int64_t>(next.size());
    if (settings.temperature == 0.0) {
        auto best = last.argmax(-1).to(torch::kCPU);
        for (int64_t r = 0; r < rows; ++r)
            next[static_cast<std::size_t>(r)] = best[r].item<int64_t>();
    } else {
        auto cpu = last.to(torch::kCPU, torch::kDouble);
        for (int64_t r = 0; r < rows; ++r) {
            if (!done[static_cast<std::size_t>(r)])
                next[static_cast<std::size_t>(r)] =
                    sampleToken(cpu[r], settings, random[static_cast<std::size_t>(r)]);
        }
    }
}

// Appends each running row's token (or stops it at EOS); returns how many rows keep running.
// `begin` is the batch's first row among the call's contexts (the index hooks.token gets).
int64_t recordNextTokens(std::vector<int64_t>& next, std::vector<bool>& done,
                         std::vector<GeneratedTokens>& out, GenerationProgress& progress,
                         const GenerationSettings& settings, const SpecialTokens& specials,
                         const GenerationHooks& hooks, std::size_t begin) {
    int64_t active = 0;
    for (std::size_t i = 0; i < next.size(); ++i) {
        if (done[i]) {
            next[i] = specials.pad;  // keeps the batch rectangular; no one reads it
            continue;
        }
        GeneratedTokens& g = out[i];
        g.new_tokens += 1;
        ++progress.tokens_generated;
        if (settings.stop_at_eos && next[i] == specials.eos) {
            g.stopped_at_eos = true;
            done[i] = true;
        } else {
            g.tokens.push_back(static_cast<int32_t>(next[i]));
            if (hooks.token)
                hooks.token(static_cast<int64_t>(begin + i), g.tokens.back());
            ++active;
        }
    }
    return active;
}

}  // namespace

void GenerationSettings::validate() const {
    const char* w = "generation settings";
    requireArgument(max_new_tokens > 0 && max_new_tokens <= 1000000, w, "max_new_tokens",
                    "in [1, 1000000]", max_new_tokens);
    requireArgument(std::isfinite(temperature) && temperature >= 0, w, "temperature",
                    "finite and >= 0 (0 = greedy)", temperature);
    requireArgument(top_k >= 0, w, "top_k", ">= 0 (0 = no top-k filter)", top_k);
    requireArgument(std::isfinite(top_p) && top_p > 0 && top_p <= 1, w, "top_p",
                    "in (0, 1] (1 = no nucleus filter)", top_p);
    requireArgument(batch_size > 0, w, "batch_size", "> 0", batch_size);
}

std::vector<int32_t> promptContext(const Tokenizer& tokenizer, const std::string& prompt,
                                   int64_t max_prompt_tokens) {
    std::vector<int32_t> p = tokenizer.encode(prompt);
    if (max_prompt_tokens >= 0 && p.size() > static_cast<std::size_t>(max_prompt_tokens))
        p.erase(p.begin(), p.end() - static_cast<std::ptrdiff_t>(max_prompt_tokens));
    const SpecialTokens sp = tokenizer.specials();
    std::vector<int32_t> ids;
    ids.reserve(p.size() + 2);
    ids.push_back(sp.bos);
    ids.insert(ids.end(), p.begin(), p.end());
    ids.push_back(sp.sep);
    return ids;
}

torch::Tensor filterTopK(const torch::Tensor& logits, int64_t k) {
    std::vector<double> v = rowValues(logits);
    topK(v, k);
    return toTensor(v);
}

torch::Tensor filterTopP(const torch::Tensor& logits, double p) {
    requireArgument(p > 0, "filterTopP", "p", "> 0", p);
    std::vector<double> v = rowValues(logits);
    topP(v, p);
    return toTensor(v);
}

torch::Tensor samplingDistribution(const torch::Tensor& logits, double temperature, int64_t top_k,
                                   double top_p) {
    return toTensor(distribution(logits, temperature, top_k, top_p));
}

int64_t sampleToken(const torch::Tensor& logits, const GenerationSettings& settings,
                    SeededRandom& random) {
    if (settings.temperature == 0.0)
        return argmax(rowValues(logits));
    const std::vector<double> probs =
        distribution(logits, settings.temperature, settings.top_k, settings.top_p);
    const double u = random.unit();
    double cumulative = 0.0;
    int64_t last = 0;
    for (std::size_t i = 0; i < probs.size(); ++i) {
        if (probs[i] <= 0.0)
            continue;
        last = static_cast<int64_t>(i);
        cumulative += probs[i];
        if (u < cumulative)
            return last;
    }
    return last;  // u beyond the rounded total: the last token that has probability
}

Generator::Generator(LanguageModel model, SpecialTokens specials, torch::Device device)
    : model_(std::move(model)), specials_(specials), device_(device) {}

std::vector<GeneratedTokens> Generator::generate(const std::vector<std::vector<int32_t>>& contexts,
                                                 const GenerationSettings& settings,
                                                 const GenerationHooks& hooks,
                                                 int64_t first_index) {
    settings.validate();
    // A T5 reads `prompt EOS` from each [BOS] prompt [SEP] context; a decoder-only model the
    // context itself, which must leave room for one new token.
    std::vector<std::vector<int32_t>> encoder_ids;
    if (model_.seq2seq()) {
        const int64_t eos = model_.t5()->config().eos_token_id;
        encoder_ids.reserve(contexts.size());
        for (std::size_t i = 0; i < contexts.size(); ++i) {
            requireArgument(contexts[i].size() >= 2, "Generator::generate", "contexts",
                            "[BOS] prompt [SEP] (at least 2 tokens)", contexts[i].size(),
                            " tokens in context ", i);
            encoder_ids.push_back(seq2seqEncoderIds(contexts[i], eos));
        }
    } else {
        const int64_t max_positions = model_.neox()->config().max_positions;
        for (std::size_t i = 0; i < contexts.size(); ++i) {
            const auto n = static_cast<int64_t>(contexts[i].size());
            requireArgument(n > 0 && n < max_positions, "Generator::generate", "contexts",
                            detail::concat("between 1 and ", max_positions - 1,
                                           " tokens (the model's max_positions leaves room for "
                                           "one new token)"),
                            n, " tokens in context ", i);
        }
    }
    const auto& inputs = model_.seq2seq() ? encoder_ids : contexts;
    // Inference mode (no autograd bookkeeping, no version counters): nothing created here
    // leaves this function but plain token ids.
    torch::InferenceMode inference;
    const bool was_training = model_->is_training();
    model_->eval();
    std::vector<GeneratedTokens> out;
    out.reserve(contexts.size());
    GenerationProgress progress;
    progress.prompts_total = static_cast<int64_t>(contexts.size());
    const auto bs = static_cast<std::size_t>(settings.batch_size);
    try {
        for (std::size_t begin = 0; begin < contexts.size(); begin += bs) {
            const std::size_t end = std::min(contexts.size(), begin + bs);
            auto part = generateBatch(inputs, begin, end, settings, hooks, progress, first_index);
            out.insert(out.end(), part.begin(), part.end());
            progress.prompts_done = static_cast<int64_t>(end);
            if (hooks.progress)
                hooks.progress(progress);
        }
    } catch (...) {
        model_->train(was_training);
        throw;
    }
    model_->train(was_training);
    return out;
}

std::vector<GeneratedTokens> Generator::generateBatch(
    const std::vector<std::vector<int32_t>>& inputs, std::size_t begin, std::size_t end,
    const GenerationSettings& settings, const GenerationHooks& hooks, GenerationProgress& progress,
    int64_t first_index) {
    const auto rows = static_cast<int64_t>(end - begin);
    std::unique_ptr<BatchDecoder> decoder;
    int64_t steps = settings.max_new_tokens;
    if (model_.seq2seq()) {
        const T5& t5 = model_.t5();
        decoder = std::make_unique<T5Batch>(
            t5, padded(inputs, begin, end, t5->config().pad_token_id, /*left=*/false, device_),
            settings.use_kv_cache);
    } else {
        const GptNeoX& neox = model_.neox();
        Padded contexts = padded(inputs, begin, end, specials_.pad, /*left=*/true, device_);
        steps = std::min(steps, neox->config().max_positions - contexts.longest);
        decoder = std::make_unique<NeoXBatch>(neox, std::move(contexts), settings.use_kv_cache);
    }
    std::vector<GeneratedTokens> out(static_cast<std::size_t>(rows));
    std::vector<SeededRandom> random;
    random.reserve(static_cast<std::size_t>(rows));
    for (int64_t r = 0; r < rows; ++r)
        random.push_back(rowRandom(settings.seed, first_index + static_cast<int64_t>(begin) + r));
    std::vector<bool> done(static_cast<std::size_t>(rows), false);

    torch::Tensor logits = decoder->start();
    std::vector<int64_t> next(static_cast<std::size_t>(rows), specials_.pad);
    for (int64_t t = 0; t < steps; ++t) {
        if (hooks.cancel != nullptr && hooks.cancel->load())
            throw CancelledError();
        if (hooks.stop_row) {
            bool any = false;
            for (int64_t r = 0; r < rows; ++r) {
                const auto i = static_cast<std::size_t>(r);
                if (!done[i] && hooks.stop_row(static_cast<int64_t>(begin) + r))
                    done[i] = true;
                any = any || !done[i];
            }
            if (!any)
                break;
        }
        auto last = logits.select(1, logits.size(1) - 1);  // [rows, V]
        if (vocab_limit_ > 0 && vocab_limit_ < last.size(-1))
            last = last.narrow(-1, 0, vocab_limit_);
        pickNextTokens(last, settings, done, random, next);
        const int64_t active =
            recordNextTokens(next, done, out, progress, settings, specials_, hooks, begin);
        if (hooks.progress)
            hooks.progress(progress);
        if (active == 0 || t + 1 == steps)
            break;
        logits = decoder->append(torch::tensor(next, torch::kInt64).view({rows, 1}).to(device_));
    }
    return out;
}

std::vector<GeneratedText> Generator::generateText(const Tokenizer& tokenizer,
                                                   const std::vector<std::string>& prompts,
                                                   int64_t max_prompt_tokens,
                                                   const GenerationSettings& settings,
                                                   const GenerationHooks& hooks) {
    std::vector<std::vector<int32_t>> contexts;
    contexts.reserve(prompts.size());
    for (const std::string& p : prompts)
        contexts.push_back(promptContext(tokenizer, p, max_prompt_tokens));
    // A Hugging Face model's embedding is often padded past its tokenizer's vocabulary: ids the
    // tokenizer cannot decode are never generated.
    struct Limit {
        int64_t& limit;
        int64_t saved;
        ~Limit() { limit = saved; }
    } restore{vocab_limit_, vocab_limit_};
    vocab_limit_ = tokenizer.vocabSize();
    std::vector<GeneratedTokens> tokens = generate(contexts, settings, hooks);
    std::vector<GeneratedText> out(prompts.size());
    for (std::size_t i = 0; i < prompts.size(); ++i) {
        out[i].prompt = prompts[i];
        out[i].tokens = tokens[i].tokens;
        out[i].response = tokenizer.decode(tokens[i].tokens);
        out[i].new_tokens = tokens[i].new_tokens;
        out[i].stopped_at_eos = tokens[i].stopped_at_eos;
    }
    return out;
}

}  // namespace rgpb
