// Text generation (core/generate): greedy decoding against an independent step-by-step argmax
// of full forward passes, KV cache on/off, batching with left padding, the sampling filters
// against hand-computed sets, temperature sampling against softmax(logits / T) frequencies,
// EOS per row on a hand-built transition model, seeds, cancel, settings validation, prompt
// layout and prompt files.
#include <torch/torch.h>

#include <QtTest>

#include "tests/support/TestMain.h"

#include <QTemporaryDir>
#include <atomic>
#include <cmath>
#include <fstream>

#include "core/data/PairBatch.h"
#include "core/generate/Generation.h"
#include "core/generate/Generator.h"
#include "core/model/GptNeoX.h"
#include "core/tokenizer/TokenizerFactory.h"
#include "core/util/Error.h"
#include "tests/support/Approx.h"
#include "tests/support/ErrorText.h"

// This file's code has its own namespace: the group's tests build as one unity batch.
namespace rgpb_test_generation {

using namespace rgpb;
using rgpb::test::messageOf;

namespace {

ModelConfig smallConfig(int64_t vocab = 40) {
    ModelConfig c;
    c.vocab_size = vocab;
    c.hidden_size = 32;
    c.num_layers = 2;
    c.num_heads = 4;
    c.intermediate_size = 64;
    c.max_positions = 96;
    c.rotary_pct = 0.5;
    return c;
}

GptNeoX randomModel(uint64_t seed, int64_t vocab = 40) {
    torch::manual_seed(seed);
    GptNeoX m(smallConfig(vocab));
    // Larger weights than the N(0, 0.02) init, so logits are far from uniform and greedy
    // choices are not decided by rounding.
    torch::NoGradGuard g;
    m->embed_out->weight.normal_(0.0, 1.0);
    m->eval();
    return m;
}

std::vector<std::vector<int32_t>> someContexts() {
    // BOS = 1, SEP = 3; lengths differ so batches are left-padded.
    return {
        {1, 10, 11, 12, 3}, {1, 20, 3}, {1, 30, 31, 32, 33, 34, 35, 3}, {1, 5, 3}, {1, 7, 8, 3}};
}

// The reference decoder: one row, the whole sequence through a plain forward at every step,
// argmax of the last position's logits.
std::vector<int32_t> stepwiseArgmax(GptNeoX& model, std::vector<int32_t> context, int64_t steps) {
    torch::NoGradGuard g;
    std::vector<int32_t> out;
    for (int64_t t = 0; t < steps; ++t) {
        auto ids =
            torch::tensor(std::vector<int64_t>(context.begin(), context.end())).view({1, -1});
        auto logits = model->forward(ids);
        auto next = static_cast<int32_t>(logits[0][-1].argmax().item<int64_t>());
        out.push_back(next);
        context.push_back(next);
    }
    return out;
}

GenerationSettings greedy(int64_t tokens, bool stop_at_eos = true) {
    GenerationSettings s;
    s.max_new_tokens = tokens;
    s.stop_at_eos = stop_at_eos;
    return s;
}

std::vector<bool> kept(const torch::Tensor& filtered) {
    std::vector<bool> k;
    for (int64_t i = 0; i < filtered.size(0); ++i)
        k.push_back(std::isfinite(filtered[i].item<double>()));
    return k;
}

// A model whose next token depends only on the current token: attention and MLP outputs are
// zero, so the final hidden state is LayerNorm(embedding(token)) with one-hot embeddings, and
// embed_out maps token i to next[i] (its logit is the only positive one).
GptNeoX transitionModel(const std::vector<int64_t>& next) {
    const auto vocab = static_cast<int64_t>(next.size());
    ModelConfig c;
    c.vocab_size = vocab;
    c.hidden_size = vocab;
    c.num_layers = 1;
    c.num_heads = 2;
    c.intermediate_size = 8;
    c.max_positions = 64;
    c.rotary_pct = 0.0;  // positions play no part: attention is switched off
    GptNeoX m(c);
    torch::NoGradGuard g;
    auto& layer = *m->gpt_neox->layers->ptr<GptNeoXLayerImpl>(0);
    layer.attention->dense->weight.zero_();
    layer.attention->dense->bias.zero_();
    layer.mlp->dense_4h_to_h->weight.zero_();
    layer.mlp->dense_4h_to_h->bias.zero_();
    m->gpt_neox->embed_in->weight.copy_(torch::eye(vocab));
    m->embed_out->weight.zero_();
    for (int64_t i = 0; i < vocab; ++i)
        m->embed_out->weight[next[static_cast<std::size_t>(i)]][i] = 1.0;
    m->eval();
    return m;
}

}  // namespace

class TestGeneration : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void greedyEqualsStepwiseArgmaxOfFullForward() {
        GptNeoX model = randomModel(11);
        Generator gen(model, SpecialTokens{}, torch::kCPU);
        auto contexts = someContexts();
        GenerationSettings s = greedy(20, /*stop_at_eos=*/false);
        s.batch_size = 5;  // one left-padded batch
        auto out = gen.generate(contexts, s);
        QCOMPARE(out.size(), contexts.size());
        for (std::size_t i = 0; i < contexts.size(); ++i) {
            auto expected = stepwiseArgmax(model, contexts[i], 20);
            QCOMPARE(out[i].tokens, expected);
            QCOMPARE(out[i].new_tokens, int64_t(20));
            QVERIFY(!out[i].stopped_at_eos);
        }
    }

    void kvCacheOnAndOffGiveIdenticalGreedyOutput() {
        GptNeoX model = randomModel(12);
        Generator gen(model, SpecialTokens{}, torch::kCPU);
        GenerationSettings s = greedy(40);
        s.batch_size = 3;
        auto with = gen.generate(someContexts(), s);
        s.use_kv_cache = false;
        auto without = gen.generate(someContexts(), s);
        for (std::size_t i = 0; i < with.size(); ++i) {
            QCOMPARE(with[i].tokens, without[i].tokens);
            QCOMPARE(with[i].new_tokens, without[i].new_tokens);
            QCOMPARE(with[i].stopped_at_eos, without[i].stopped_at_eos);
        }
    }

    void batchedEqualsOneByOne() {
        GptNeoX model = randomModel(13);
        Generator gen(model, SpecialTokens{}, torch::kCPU);
        GenerationSettings s = greedy(25);
        s.batch_size = 4;
        auto batched = gen.generate(someContexts(), s);
        s.batch_size = 1;
        auto single = gen.generate(someContexts(), s);
        for (std::size_t i = 0; i < batched.size(); ++i)
            QCOMPARE(batched[i].tokens, single[i].tokens);
    }

    void tokenHookStreamsEachRowsTokensInOrder() {
        GptNeoX model = randomModel(14);
        Generator gen(model, SpecialTokens{}, torch::kCPU);
        GenerationSettings s = greedy(12, /*stop_at_eos=*/false);
        s.batch_size = 2;  // three batches: the index is the place among all contexts
        const auto contexts = someContexts();
        std::vector<std::vector<int32_t>> streamed(contexts.size());
        GenerationHooks hooks;
        hooks.token = [&](int64_t index, int32_t token) {
            streamed.at(static_cast<std::size_t>(index)).push_back(token);
        };
        auto out = gen.generate(contexts, s, hooks);
        for (std::size_t i = 0; i < contexts.size(); ++i)
            QCOMPARE(streamed[i], out[i].tokens);
    }

    void stopRowEndsOneRowAndLeavesTheOthersUnchanged() {
        GptNeoX model = randomModel(15);
        Generator gen(model, SpecialTokens{}, torch::kCPU);
        GenerationSettings s = greedy(10, /*stop_at_eos=*/false);
        s.batch_size = 8;
        const auto contexts = someContexts();
        const auto full = gen.generate(contexts, s);
        // Row 1 stops after its third token (a client gone away); the others run to the end.
        std::vector<int64_t> seen(contexts.size(), 0);
        GenerationHooks hooks;
        hooks.token = [&](int64_t index, int32_t) { ++seen[static_cast<std::size_t>(index)]; };
        hooks.stop_row = [&](int64_t index) { return index == 1 && seen[1] >= 3; };
        auto out = gen.generate(contexts, s, hooks);
        QCOMPARE(out[1].tokens,
                 std::vector<int32_t>(full[1].tokens.begin(), full[1].tokens.begin() + 3));
        QCOMPARE(out[1].new_tokens, int64_t(3));
        for (std::size_t i = 0; i < contexts.size(); ++i) {
            if (i != 1)
                QCOMPARE(out[i].tokens, full[i].tokens);
        }
        // Every row stopped at once: the call returns without decoding further.
        hooks.stop_row = [](int64_t) { return true; };
        for (const auto& g : gen.generate(contexts, s, hooks))
            QCOMPARE(g.new_tokens, int64_t(0));
    }

    void topK1AndTinyTopPEqualGreedy() {
        GptNeoX model = randomModel(14);
        Generator gen(model, SpecialTokens{}, torch::kCPU);
        GenerationSettings g = greedy(15);
        auto reference = gen.generate(someContexts(), g);
        GenerationSettings k1 = g;
        k1.temperature = 1.5;
        k1.top_k = 1;
        GenerationSettings p0 = g;
        p0.temperature = 1.5;
        p0.top_p = 1e-9;
        auto by_k = gen.generate(someContexts(), k1);
        auto by_p = gen.generate(someContexts(), p0);
        for (std::size_t i = 0; i < reference.size(); ++i) {
            QCOMPARE(by_k[i].tokens, reference[i].tokens);
            QCOMPARE(by_p[i].tokens, reference[i].tokens);
        }
    }

    void topKKeepsTheKLargest() {
        auto logits = torch::tensor({0.1, 3.0, -2.0, 2.5, 1.0});
        QCOMPARE(kept(filterTopK(logits, 2)), std::vector<bool>({false, true, false, true, false}));
        QCOMPARE(kept(filterTopK(logits, 3)), std::vector<bool>({false, true, false, true, true}));
        QCOMPARE(kept(filterTopK(logits, 0)), std::vector<bool>(5, true));
        QCOMPARE(kept(filterTopK(logits, 9)), std::vector<bool>(5, true));
        // Kept values are unchanged.
        QCOMPARE(filterTopK(logits, 2)[3].item<double>(), 2.5);
    }

    void topPKeepsTheSmallestSetReachingP() {
        // Probabilities 0.5, 0.1, 0.3, 0.05, 0.05 (by rank: 0, 2, 1, then 3 and 4).
        auto logits = torch::tensor({0.5, 0.1, 0.3, 0.05, 0.05}).log();
        QCOMPARE(kept(filterTopP(logits, 0.4)),
                 std::vector<bool>({true, false, false, false, false}));
        QCOMPARE(kept(filterTopP(logits, 0.7)),
                 std::vector<bool>({true, false, true, false, false}));
        QCOMPARE(kept(filterTopP(logits, 0.85)),
                 std::vector<bool>({true, true, true, false, false}));
        QCOMPARE(kept(filterTopP(logits, 1.0)), std::vector<bool>(5, true));
        QCOMPARE(kept(filterTopP(logits, 1e-12)),
                 std::vector<bool>({true, false, false, false, false}));
    }

    void combinedDistributionIsRenormalised() {
        // T = 1, k = 3 keeps logits 2, 1, 0: probabilities e^2, e, 1 over their sum
        // (0.665, 0.245, 0.090); p = 0.9 then drops the third (0.665 + 0.245 = 0.910 >= 0.9).
        auto probs = samplingDistribution(torch::tensor({2.0, 1.0, 0.0, -1.0}), 1.0, 3, 0.9);
        const double e = std::exp(1.0);
        RGPB_COMPARE_NEAR(probs[0].item<double>(), e / (e + 1), 1e-12);
        RGPB_COMPARE_NEAR(probs[1].item<double>(), 1 / (e + 1), 1e-12);
        QCOMPARE(probs[2].item<double>(), 0.0);
        QCOMPARE(probs[3].item<double>(), 0.0);
        // Temperature 2 halves the logits: softmax([1, 0.5, 0, -0.5]).
        auto warm = samplingDistribution(torch::tensor({2.0, 1.0, 0.0, -1.0}), 2.0, 0, 1.0);
        const double z = std::exp(1.0) + std::exp(0.5) + 1.0 + std::exp(-0.5);
        RGPB_COMPARE_NEAR(warm[1].item<double>(), std::exp(0.5) / z, 1e-12);
    }

    void temperatureSamplingMatchesSoftmaxFrequencies() {
        const std::vector<double> logits = {1.0, 2.0, 0.5, -1.0};
        const double T = 0.7;
        std::vector<double> expected(logits.size());
        double z = 0;
        for (std::size_t i = 0; i < logits.size(); ++i)
            z += expected[i] = std::exp(logits[i] / T);
        for (double& p : expected)
            p /= z;
        GenerationSettings s;
        s.temperature = T;
        SeededRandom random(2024);
        const int draws = 40000;
        std::vector<int> counts(logits.size(), 0);
        auto row = torch::tensor(logits);
        for (int i = 0; i < draws; ++i)
            counts[static_cast<std::size_t>(sampleToken(row, s, random))]++;
        double chi2 = 0;
        for (std::size_t i = 0; i < logits.size(); ++i) {
            const double e = expected[i] * draws;
            chi2 += (counts[i] - e) * (counts[i] - e) / e;
            qInfo("token %zu: %d draws, expected %.1f", i, counts[i], e);
        }
        // 3 degrees of freedom: P(chi2 > 16.27) = 0.001.
        QVERIFY2(chi2 < 16.27, qPrintable(QString("chi-square %1").arg(chi2)));
    }

    void eosStopsOneRowWhileOthersContinue() {
        // pad 0, bos 1, eos 2, sep 3; 5 -> 6 -> EOS; 7 <-> 8 forever; everything else -> 4.
        std::vector<int64_t> next(12, 4);
        next[5] = 6;
        next[6] = 2;
        next[7] = 8;
        next[8] = 7;
        GptNeoX model = transitionModel(next);
        Generator gen(model, SpecialTokens{}, torch::kCPU);
        const std::vector<std::vector<int32_t>> contexts = {{1, 9, 4, 5}, {1, 7}};
        for (bool cache : {true, false}) {
            GenerationSettings s = greedy(6);
            s.use_kv_cache = cache;
            auto out = gen.generate(contexts, s);
            QCOMPARE(out[0].tokens, std::vector<int32_t>({6}));
            QCOMPARE(out[0].new_tokens, int64_t(2));  // 6 and the EOS
            QVERIFY(out[0].stopped_at_eos);
            QCOMPARE(out[1].tokens, std::vector<int32_t>({8, 7, 8, 7, 8, 7}));
            QCOMPARE(out[1].new_tokens, int64_t(6));
            QVERIFY(!out[1].stopped_at_eos);
        }
        auto no_stop = gen.generate(contexts, greedy(6, /*stop_at_eos=*/false));
        QCOMPARE(no_stop[0].tokens, std::vector<int32_t>({6, 2, 4, 4, 4, 4}));
        QVERIFY(!no_stop[0].stopped_at_eos);
    }

    void generationStopsAtTheModelsContext() {
        std::vector<int64_t> next(12, 4);
        GptNeoX model = transitionModel(next);  // max_positions 64
        Generator gen(model, SpecialTokens{}, torch::kCPU);
        auto out = gen.generate({std::vector<int32_t>(60, 5)}, greedy(100));
        QCOMPARE(out[0].new_tokens, int64_t(4));
        QVERIFY(messageOf<ArgumentError>([&] {
                    gen.generate({std::vector<int32_t>(64, 5)}, greedy(1));
                }).find("between 1 and 63 tokens") != std::string::npos);
    }

    void seedsReproduceIndependentlyOfBatching() {
        GptNeoX model = randomModel(15);
        Generator gen(model, SpecialTokens{}, torch::kCPU);
        GenerationSettings s;
        s.max_new_tokens = 30;
        s.temperature = 1.0;
        s.top_k = 20;
        s.seed = 77;
        s.batch_size = 5;
        auto a = gen.generate(someContexts(), s);
        auto b = gen.generate(someContexts(), s);
        s.batch_size = 2;
        auto c = gen.generate(someContexts(), s);
        s.seed = 78;
        auto d = gen.generate(someContexts(), s);
        bool any_differs = false;
        for (std::size_t i = 0; i < a.size(); ++i) {
            QCOMPARE(a[i].tokens, b[i].tokens);
            QCOMPARE(a[i].tokens, c[i].tokens);
            any_differs = any_differs || a[i].tokens != d[i].tokens;
        }
        QVERIFY2(any_differs, "another seed gave the same 5 x 30 sampled tokens");
        // Sampled text differs from greedy text (the sampler is really sampling).
        auto g = gen.generate(someContexts(), greedy(30));
        bool differs_from_greedy = false;
        for (std::size_t i = 0; i < a.size(); ++i)
            differs_from_greedy = differs_from_greedy || a[i].tokens != g[i].tokens;
        QVERIFY(differs_from_greedy);
    }

    void progressAndCancel() {
        GptNeoX model = randomModel(16);
        Generator gen(model, SpecialTokens{}, torch::kCPU);
        GenerationSettings s = greedy(10, false);
        s.batch_size = 2;
        std::vector<GenerationProgress> seen;
        GenerationHooks hooks;
        hooks.progress = [&](const GenerationProgress& p) { seen.push_back(p); };
        gen.generate(someContexts(), s, hooks);
        QVERIFY(!seen.empty());
        QCOMPARE(seen.back().prompts_done, int64_t(5));
        QCOMPARE(seen.back().prompts_total, int64_t(5));
        QCOMPARE(seen.back().tokens_generated, int64_t(50));
        for (std::size_t i = 1; i < seen.size(); ++i)
            QVERIFY(seen[i].tokens_generated >= seen[i - 1].tokens_generated);

        std::atomic<bool> cancel{false};
        GenerationHooks cancelling;
        cancelling.cancel = &cancel;
        int64_t reached = 0;
        cancelling.progress = [&](const GenerationProgress& p) {
            reached = p.tokens_generated;
            if (p.tokens_generated >= 6)
                cancel.store(true);
        };
        model->train();  // the generator evaluates in eval mode and restores the caller's mode
        QCOMPARE(messageOf<CancelledError>([&] { gen.generate(someContexts(), s, cancelling); }),
                 std::string("cancelled by the user"));
        QVERIFY(model->is_training());
        QCOMPARE(reached, int64_t(6));  // stopped at the next step, not at the end (50)
    }

    void badSettingsNameTheField() {
        auto check = [](auto edit, const std::string& expected) {
            GenerationSettings s;
            edit(s);
            const std::string m = messageOf<ArgumentError>([&] { s.validate(); });
            QVERIFY2(m.find(expected) != std::string::npos, m.c_str());
        };
        check([](GenerationSettings& s) { s.top_p = 0; },
              "argument 'top_p' must be in (0, 1] (1 = no nucleus filter), got 0");
        check([](GenerationSettings& s) { s.top_p = 1.5; }, "argument 'top_p' must be in (0, 1]");
        check([](GenerationSettings& s) { s.temperature = -0.5; },
              "argument 'temperature' must be finite and >= 0 (0 = greedy), got -0.5");
        check([](GenerationSettings& s) { s.max_new_tokens = 0; },
              "argument 'max_new_tokens' must be in [1, 1000000], got 0");
        check([](GenerationSettings& s) { s.top_k = -1; }, "argument 'top_k' must be >= 0");
        check([](GenerationSettings& s) { s.batch_size = 0; }, "argument 'batch_size' must be > 0");
        GenerationSettings fine;
        fine.validate();
        // The generator validates before doing anything.
        GptNeoX model = randomModel(17);
        Generator gen(model, SpecialTokens{}, torch::kCPU);
        GenerationSettings bad;
        bad.top_p = 0;
        QVERIFY(messageOf<ArgumentError>([&] { gen.generate(someContexts(), bad); }) !=
                "(no exception)");
    }

    void promptContextIsTheTrainingLayout() {
        auto tok = makeByteTokenizer();
        PairText pair;
        pair.prompt_pos = pair.prompt_neg = "Al has pink. Bo has gold.\nUser: Bo?\nAssistant:";
        pair.response_pos = pair.response_neg = " Bo has gold.";
        for (int max_prompt : {64, 10}) {
            LengthLimits limits;
            limits.max_length = 96;
            limits.max_prompt_length = max_prompt;
            TokenizedSequence seq = tokenizePair(*tok, pair, limits).pos;
            std::vector<int32_t> head(seq.ids.begin(), seq.ids.begin() + seq.response_start);
            QCOMPARE(promptContext(*tok, pair.prompt_pos, max_prompt), head);
        }
    }

    void generateTextDecodesResponses() {
        std::vector<int64_t> next(260, 4 + 'x');
        next[4 + ':'] = 4 + ' ';
        next[4 + ' '] = 4 + 'o';
        next[4 + 'o'] = 4 + 'k';
        next[4 + 'k'] = 2;  // EOS
        next[3] = 4 + 'A';  // SEP -> 'A'
        next[4 + 'A'] = 4 + ':';
        GptNeoX model = transitionModel(next);
        auto tok = makeByteTokenizer();
        Generator gen(model, tok->specials(), torch::kCPU);
        auto out = gen.generateText(*tok, {"hello", "hi"}, 64, greedy(10));
        QCOMPARE(QString::fromStdString(out[0].response), QString("A: ok"));
        QCOMPARE(out[0].new_tokens, int64_t(6));
        QVERIFY(out[0].stopped_at_eos);
        QCOMPARE(QString::fromStdString(out[1].prompt), QString("hi"));
    }

    void promptFilesPlainAndJsonl() {
        QTemporaryDir tmp;
        const std::string plain = tmp.filePath("p.txt").toStdString();
        std::ofstream(plain) << "first\\nsecond line\n\n  \nback\\\\slash\\x\n";
        auto p = readPromptFile(plain);
        QCOMPARE(p.size(), std::size_t(2));
        QCOMPARE(QString::fromStdString(p[0].prompt), QString("first\nsecond line"));
        QCOMPARE(QString::fromStdString(p[1].prompt), QString("back\\slash\\x"));
        QCOMPARE(p[1].line, int64_t(4));

        const std::string jsonl = tmp.filePath("p.jsonl").toStdString();
        std::ofstream(jsonl) << "{\"prompt\": \"a\\nb\", \"reference\": \" r.\"}\n"
                                "{\"prompt\": \"c\"}\n";
        auto j = readPromptFile(jsonl);
        QCOMPARE(j.size(), std::size_t(2));
        QCOMPARE(QString::fromStdString(j[0].prompt), QString("a\nb"));
        QCOMPARE(QString::fromStdString(j[0].reference), QString(" r."));
        QVERIFY(j[1].reference.empty());

        const std::string bad = tmp.filePath("bad.jsonl").toStdString();
        std::ofstream(bad) << "{\"prompt\": \"a\"}\n\n{\"text\": \"b\"}\n";
        QCOMPARE(messageOf<InputError>([&] { readPromptFile(bad); }),
                 bad + ":3: expected an object with a string \"prompt\"");
        const std::string broken = tmp.filePath("broken.jsonl").toStdString();
        std::ofstream(broken) << "{\"prompt\": \"a\"}\n{\"prompt\": \n";
        QVERIFY(messageOf<InputError>([&] {
                    readPromptFile(broken);
                }).rfind(broken + ":2: not valid JSON", 0) == 0);
        const std::string empty = tmp.filePath("empty.txt").toStdString();
        std::ofstream(empty) << "\n\n";
        QVERIFY(messageOf<InputError>([&] { readPromptFile(empty); }).find("no prompts") !=
                std::string::npos);
    }
};

RGPB_TEST_MAIN(TestGeneration)
}  // namespace rgpb_test_generation
#include "test_generation.moc"
