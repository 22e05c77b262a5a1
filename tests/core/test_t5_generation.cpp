// Generation with a T5 encoder-decoder (core/generate/Generator over a LanguageModel): greedy
// decoding against an independent per-prompt argmax over full forward passes (encoder input
// `prompt EOS` and the decoder start token laid out here by hand), with and without the KV
// cache and in padded batches; seeded sampling reproducible and independent of the batch
// size; EOS stop; no context limit but max_new_tokens; bad contexts named; text generation
// within the tokenizer's vocabulary and the trainer's eval samples of a T5.
#include <torch/torch.h>

#include <QtTest>

#include "tests/support/TestMain.h"

#include <algorithm>
#include <string>
#include <vector>

#include "core/config/RunConfig.h"
#include "core/data/PairText.h"
#include "core/generate/Generation.h"
#include "core/generate/Generator.h"
#include "core/model/LanguageModel.h"
#include "core/model/T5.h"
#include "core/tokenizer/TokenizerFactory.h"
#include "core/train/EvalSampler.h"
#include "core/util/Error.h"
#include "tests/support/ErrorText.h"

// This file's code has its own namespace: the group's tests build as one unity batch.
namespace rgpb_test_t5_generation {

using namespace rgpb;
using rgpb::test::contains;
using rgpb::test::messageOf;

namespace {

// A small v1.1-style T5 (gated GELU, untied head, whose N(0, 1) weights give logits far from
// uniform, so greedy choices are not decided by rounding). Specials as the workbench sets them
// when training from scratch: EOS = the tokenizer's eos (2), decoder start = its pad (0).
T5 randomT5(uint64_t seed) {
    T5Config c = T5Config::named("t5-micro", 40);
    c.d_model = 32;
    c.d_kv = 8;
    c.num_heads = 4;
    c.d_ff = 48;
    c.num_layers = 2;
    c.num_decoder_layers = 2;
    c.relative_attention_num_buckets = 8;
    c.relative_attention_max_distance = 16;
    c.feed_forward_proj = "gated-gelu";
    c.tie_word_embeddings = false;
    c.eos_token_id = 2;
    c.pad_token_id = 0;
    c.decoder_start_token_id = 0;
    torch::manual_seed(seed);
    T5 model(c);
    model->eval();
    return model;
}

std::vector<std::vector<int32_t>> someContexts() {
    // [BOS = 1] prompt [SEP = 3]; lengths differ so batches are padded.
    return {
        {1, 10, 11, 12, 3}, {1, 20, 3}, {1, 30, 31, 32, 33, 34, 35, 3}, {1, 5, 3}, {1, 7, 8, 3}};
}

// The reference: one prompt alone, encoder input `prompt EOS`, and at every step the whole
// decoder sequence [start, tokens so far] through a plain forward; argmax of the last position.
std::vector<int32_t> stepwiseArgmax(T5& model, const std::vector<int32_t>& context, int64_t steps) {
    torch::NoGradGuard no_grad;
    std::vector<int64_t> encoder(context.begin() + 1, context.end() - 1);
    encoder.push_back(model->config().eos_token_id);
    const auto input = torch::tensor(encoder, torch::kInt64).view({1, -1});
    std::vector<int64_t> decoder{model->config().decoder_start_token_id};
    std::vector<int32_t> out;
    for (int64_t t = 0; t < steps; ++t) {
        auto logits = model->forward(input, {}, torch::tensor(decoder).view({1, -1}));
        const auto next = logits[0][-1].argmax().item<int64_t>();
        out.push_back(static_cast<int32_t>(next));
        decoder.push_back(next);
    }
    return out;
}

GenerationSettings greedy(int64_t tokens, bool stop_at_eos) {
    GenerationSettings s;
    s.max_new_tokens = tokens;
    s.stop_at_eos = stop_at_eos;
    return s;
}

}  // namespace

class TestT5Generation : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void greedyEqualsStepwiseArgmaxWithAndWithoutCache() {
        T5 model = randomT5(101);
        Generator gen(model, SpecialTokens{}, torch::kCPU);
        const auto contexts = someContexts();
        GenerationSettings s = greedy(24, /*stop_at_eos=*/false);
        for (int64_t batch : {5, 2, 1}) {
            s.batch_size = batch;  // 5: one padded batch; 1: every prompt alone
            for (bool cache : {true, false}) {
                s.use_kv_cache = cache;
                const auto out = gen.generate(contexts, s);
                QCOMPARE(out.size(), contexts.size());
                for (std::size_t i = 0; i < contexts.size(); ++i) {
                    QCOMPARE(out[i].tokens, stepwiseArgmax(model, contexts[i], 24));
                    QCOMPARE(out[i].new_tokens, int64_t(24));
                }
            }
        }
        // The continuations are not all alike (the prompt reaches the decoder).
        const auto out = gen.generate(contexts, s);
        QVERIFY(out[0].tokens != out[1].tokens || out[0].tokens != out[2].tokens);
    }

    void sampledSeedsReproduceIndependentlyOfBatching() {
        T5 model = randomT5(102);
        Generator gen(model, SpecialTokens{}, torch::kCPU);
        GenerationSettings s;
        s.max_new_tokens = 30;
        s.temperature = 1.0;
        s.top_k = 20;
        s.stop_at_eos = false;
        s.seed = 77;
        s.batch_size = 5;
        const auto a = gen.generate(someContexts(), s);
        const auto b = gen.generate(someContexts(), s);
        s.batch_size = 2;
        const auto c = gen.generate(someContexts(), s);
        s.batch_size = 1;
        const auto d = gen.generate(someContexts(), s);
        s.seed = 78;
        const auto e = gen.generate(someContexts(), s);
        const auto g = gen.generate(someContexts(), greedy(30, false));
        bool seed_matters = false, samples = false;
        for (std::size_t i = 0; i < a.size(); ++i) {
            QCOMPARE(a[i].tokens.size(), std::size_t(30));
            QCOMPARE(a[i].tokens, b[i].tokens);
            QCOMPARE(a[i].tokens, c[i].tokens);
            QCOMPARE(a[i].tokens, d[i].tokens);
            seed_matters = seed_matters || a[i].tokens != e[i].tokens;
            samples = samples || a[i].tokens != g[i].tokens;
        }
        QVERIFY2(seed_matters, "another seed gave the same 5 x 30 sampled tokens");
        QVERIFY2(samples, "sampling at temperature 1 gave the greedy tokens");
    }

    void eosStopsARowAndOnlyMaxNewTokensLimitsLength() {
        T5 model = randomT5(103);
        const auto contexts = someContexts();
        // The EOS id is made a token some prompt emits after k >= 1 others (none equal to it):
        // that row stops there, EOS excluded.
        std::size_t row = 0, k = 0;
        std::vector<int32_t> reference;
        for (; row < contexts.size() && k == 0; ++row) {
            reference = stepwiseArgmax(model, contexts[row], 10);
            for (std::size_t j = 1; j < reference.size() && k == 0; ++j) {
                if (std::find(reference.begin(), reference.begin() + j, reference[j]) ==
                    reference.begin() + j)
                    k = j;
            }
        }
        --row;
        QVERIFY(k > 0);
        SpecialTokens specials;
        specials.eos = reference[k];
        Generator gen(model, specials, torch::kCPU);
        GenerationSettings s = greedy(20, /*stop_at_eos=*/true);
        const auto out = gen.generate(contexts, s);
        QVERIFY(out[row].stopped_at_eos);
        QCOMPARE(out[row].new_tokens, static_cast<int64_t>(k + 1));
        QCOMPARE(out[row].tokens, std::vector<int32_t>(reference.begin(), reference.begin() + k));
        // Without the stop the row runs on past it.
        s.stop_at_eos = false;
        QCOMPARE(gen.generate({contexts[row]}, s)[0].new_tokens, int64_t(20));

        // No max_positions: a 300-token prompt and 150 new tokens (relative positions).
        std::vector<int32_t> longer(300, 9);
        longer.front() = 1;
        longer.back() = 3;
        s = greedy(150, /*stop_at_eos=*/false);
        const auto long_out = gen.generate({longer}, s);
        QCOMPARE(long_out[0].new_tokens, int64_t(150));
        QCOMPARE(long_out[0].tokens.size(), std::size_t(150));

        const auto m = messageOf<ArgumentError>([&] { gen.generate({{1, 5, 3}, {1}}, s); });
        QVERIFY2(contains(m, "contexts") && contains(m, "[BOS] prompt [SEP]") &&
                     contains(m, "context 1"),
                 m.c_str());
    }

    // Text in, text out (as the trainer's eval samples call it): the tokenizer's vocabulary
    // bounds the generated ids even where the model's head prefers ids beyond it.
    void generateTextStaysInTheTokenizersVocabulary() {
        auto tok = makeByteTokenizer();
        const int64_t vocab = tok->vocabSize();
        T5Config c = randomT5(104)->config();
        c.vocab_size = vocab + 10;
        torch::manual_seed(104);
        T5 model(c);
        {
            torch::NoGradGuard no_grad;
            model->lm_head->weight.narrow(0, vocab, 10).mul_(50.0);  // ids >= vocab dominate
        }
        Generator gen(model, tok->specials(), torch::kCPU);
        const auto unlimited = gen.generate({promptContext(*tok, "hello", 64)}, greedy(8, false));
        QVERIFY(*std::max_element(unlimited[0].tokens.begin(), unlimited[0].tokens.end()) >= vocab);
        const auto out = gen.generateText(*tok, {"hello", "hi"}, 64, greedy(8, false));
        for (const auto& g : out) {
            QCOMPARE(g.new_tokens, int64_t(8));
            QVERIFY(*std::max_element(g.tokens.begin(), g.tokens.end()) < vocab);
            QCOMPARE(g.response, tok->decode(g.tokens));
        }
        QCOMPARE(out[1].prompt, std::string("hi"));
    }

    // The trainer's eval samples of a T5 run: greedy responses to the distinct eval prompts,
    // the model's training mode restored.
    void evalSamplesOfAT5Run() {
        auto tok = makeByteTokenizer();
        T5Config c = randomT5(105)->config();
        c.vocab_size = tok->vocabSize();
        torch::manual_seed(105);
        T5 model(c);
        RunConfig config;
        config.eval.samples = 2;
        config.eval.sample_max_new_tokens = 6;
        config.data.max_prompt_length = 32;
        std::vector<PairText> pairs(3);
        pairs[0].prompt_pos = pairs[1].prompt_pos = "hello";
        pairs[2].prompt_pos = "bye";
        EvalSampler sampler(config, pairs);
        model->train();
        const SamplesReport report = sampler.sample(model, *tok, torch::kCPU, 7, 1, nullptr);
        QVERIFY(model->is_training());
        QCOMPARE(report.step, int64_t(7));
        QCOMPARE(report.samples.size(), std::size_t(2));
        Generator gen(model, tok->specials(), torch::kCPU);
        const auto expected = gen.generateText(*tok, {"hello", "bye"}, 32, greedy(6, true));
        for (std::size_t i = 0; i < 2; ++i) {
            QCOMPARE(report.samples[i].prompt, expected[i].prompt);
            QCOMPARE(report.samples[i].response, expected[i].response);
        }
    }
};

RGPB_TEST_MAIN(TestT5Generation)
}  // namespace rgpb_test_t5_generation
#include "test_t5_generation.moc"
