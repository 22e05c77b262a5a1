// GptNeoX against Hugging Face's layout and independent numbers: parameter names and counts,
// rotary and a hand-set one-layer model computed by hand, causality, padding, and the KV cache.
#include <torch/torch.h>

#include <QtTest>

#include "tests/support/TestMain.h"

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "core/model/GptNeoX.h"
#include "core/model/ModelConfig.h"
#include "core/util/Error.h"
#include "tests/support/ErrorText.h"

// This file's code has its own namespace: the group's tests build as one unity batch.
namespace rgpb_test_gpt_neox {

using namespace rgpb;

namespace {

int64_t numelSum(GptNeoX& model) {
    int64_t total = 0;
    for (const auto& [name, t] : namedWeights(model))
        total += t.numel();
    return total;
}

double maxDiff(const torch::Tensor& a, const torch::Tensor& b) {
    return (a - b).abs().max().item<double>();
}

using rgpb::test::messageOf;

ModelConfig smallConfig() {
    ModelConfig c = ModelConfig::named("micro", 50);
    c.num_layers = 2;
    c.max_positions = 64;
    return c;
}

}  // namespace

class TestGptNeoX : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void parameterCountsMatchModules() {
        for (const char* size : {"micro", "tiny"}) {
            ModelConfig c = ModelConfig::named(size, 260);
            GptNeoX model(c);
            QCOMPARE(c.parameterCount(), numelSum(model));
            qInfo("%s: %lld parameters (hidden %lld, layers %lld, heads %lld)", size,
                  static_cast<long long>(c.parameterCount()), static_cast<long long>(c.hidden_size),
                  static_cast<long long>(c.num_layers), static_cast<long long>(c.num_heads));
        }
        // By hand (see ModelConfig.cpp): 5 x (12 * 128^2 + 13 * 128) + 2 * 260 * 128 + 256.
        QCOMPARE(ModelConfig::named("micro", 260).parameterCount(), int64_t(1058176));
        QCOMPARE(ModelConfig::named("tiny", 260).parameterCount(), int64_t(9610752));
        // A shape off the presets: sequential residual, MLP width not a multiple of hidden.
        ModelConfig odd;
        odd.hidden_size = 24;
        odd.num_heads = 3;
        odd.intermediate_size = 50;
        odd.num_layers = 2;
        odd.vocab_size = 17;
        odd.rotary_pct = 0.5;
        odd.parallel_residual = false;
        GptNeoX model(odd);
        QCOMPARE(odd.parameterCount(), numelSum(model));
        // The Pythia paper's published totals (Biderman et al. 2023, table 1; vocab 50304).
        QCOMPARE(ModelConfig::named("pythia-70m", 50304).parameterCount(), int64_t(70426624));
        QCOMPARE(ModelConfig::named("pythia-160m", 50304).parameterCount(), int64_t(162322944));
        QCOMPARE(ModelConfig::named("pythia-410m", 50304).parameterCount(), int64_t(405334016));
    }

    void parameterNamesAreHuggingFaces() {
        ModelConfig c = smallConfig();
        GptNeoX model(c);
        std::vector<std::string> expected{"gpt_neox.embed_in.weight"};
        for (int i = 0; i < c.num_layers; ++i) {
            const std::string p = "gpt_neox.layers." + std::to_string(i) + ".";
            for (const char* part :
                 {"input_layernorm", "post_attention_layernorm", "attention.query_key_value",
                  "attention.dense", "mlp.dense_h_to_4h", "mlp.dense_4h_to_h"}) {
                expected.push_back(p + part + ".weight");
                expected.push_back(p + part + ".bias");
            }
        }
        expected.push_back("gpt_neox.final_layer_norm.weight");
        expected.push_back("gpt_neox.final_layer_norm.bias");
        expected.push_back("embed_out.weight");
        std::vector<std::string> got;
        for (const auto& [name, t] : namedWeights(model))
            got.push_back(name);
        QCOMPARE(got, expected);
        // The rotary tables are buffers, not weights.
        QCOMPARE(model->named_buffers().size(), size_t(2));
        const auto w = model->named_parameters();
        QCOMPARE(w["gpt_neox.layers.0.attention.query_key_value.weight"].sizes().vec(),
                 (std::vector<int64_t>{3 * 128, 128}));
        QCOMPARE(w["embed_out.weight"].sizes().vec(), (std::vector<int64_t>{50, 128}));
    }

    void initIsDeterministicAndGptNeoXLike() {
        torch::manual_seed(7);
        GptNeoX a(smallConfig());
        torch::manual_seed(7);
        GptNeoX b(smallConfig());
        auto wa = namedWeights(a), wb = namedWeights(b);
        for (size_t i = 0; i < wa.size(); ++i)
            QVERIFY(torch::equal(wa[i].second, wb[i].second));
        const auto p = a->named_parameters();
        QVERIFY(torch::all(p["gpt_neox.layers.1.input_layernorm.weight"] == 1).item<bool>());
        QVERIFY(torch::all(p["gpt_neox.layers.1.mlp.dense_h_to_4h.bias"] == 0).item<bool>());
        const double std = p["gpt_neox.layers.0.mlp.dense_h_to_4h.weight"].std().item<double>();
        QVERIFY2(std > 0.019 && std < 0.021, QByteArray::number(std));
    }

    void configErrorsNameTheField() {
        const auto unknown = messageOf<ArgumentError>([] { ModelConfig::named("huge", 260); });
        QVERIFY2(
            unknown.find("micro, tiny, pythia-70m, pythia-160m, pythia-410m") != std::string::npos,
            unknown.c_str());
        ModelConfig c;
        c.num_heads = 3;
        auto m = messageOf<ArgumentError>([&] { c.validate(); });
        QVERIFY2(m.find("hidden_size") != std::string::npos, m.c_str());
        c = ModelConfig();
        c.rotary_pct = 0.1;  // head_dim 32 -> 3 rotary dims
        m = messageOf<ArgumentError>([&] { c.validate(); });
        QVERIFY2(m.find("rotary_pct") != std::string::npos && m.find("3 dims") != std::string::npos,
                 m.c_str());
    }

    void hfConfigRoundTrip() {
        ModelConfig c = ModelConfig::named("pythia-160m", 50304);
        c.parallel_residual = false;
        auto j = c.toHfJson();
        QCOMPARE(j["architectures"][0].get<std::string>(), std::string("GPTNeoXForCausalLM"));
        QCOMPARE(j["model_type"].get<std::string>(), std::string("gpt_neox"));
        QCOMPARE(j["num_attention_heads"].get<int64_t>(), int64_t(12));
        QCOMPARE(j["hidden_act"].get<std::string>(), std::string("gelu"));
        QCOMPARE(j["tie_word_embeddings"].get<bool>(), false);
        ModelConfig back = ModelConfig::fromHfJson(j, "config.json");
        QCOMPARE(back.toHfJson(), j);
        QCOMPARE(back.name, std::string("pythia-160m"));

        auto missing = j;
        missing.erase("num_hidden_layers");
        auto m = messageOf<InputError>([&] { ModelConfig::fromHfJson(missing, "config.json"); });
        QVERIFY2(m.find("config.json (num_hidden_layers)") != std::string::npos, m.c_str());
        auto wrong = j;
        wrong["hidden_size"] = "768";
        m = messageOf<InputError>([&] { ModelConfig::fromHfJson(wrong, "config.json"); });
        QVERIFY2(m.find("config.json (hidden_size)") != std::string::npos, m.c_str());
        auto relu = j;
        relu["hidden_act"] = "relu";
        m = messageOf<InputError>([&] { ModelConfig::fromHfJson(relu, "config.json"); });
        QVERIFY2(m.find("(hidden_act)") != std::string::npos, m.c_str());
        auto bad = j;
        bad["num_attention_heads"] = 7;
        m = messageOf<InputError>([&] { ModelConfig::fromHfJson(bad, "config.json"); });
        QVERIFY2(m.find("config.json") != std::string::npos &&
                     m.find("hidden_size") != std::string::npos,
                 m.c_str());
        // Newer transformers spellings.
        auto renamed = j;
        renamed.erase("rotary_pct");
        renamed.erase("rotary_emb_base");
        renamed["partial_rotary_factor"] = 0.5;
        renamed["rope_theta"] = 500.0;
        back = ModelConfig::fromHfJson(renamed, "config.json");
        QCOMPARE(back.rotary_pct, 0.5);
        QCOMPARE(back.rotary_base, 500.0);
    }

    void rotaryByHand() {
        // x = [1, 2, 3, 4], 4 rotary dims, base 10000: inv_freq = [1, 1/100], so at position p
        // the angles are [p, p/100, p, p/100] and rotate_half(x) = [-3, -4, 1, 2].
        // p = 1: [cos1 - 3 sin1, 2 cos.01 - 4 sin.01, 3 cos1 + sin1, 4 cos.01 + 2 sin.01].
        auto [cos, sin] = rotaryCosSin(torch::tensor({1, 3}, torch::kInt64), 4, 10000.0);
        auto x = torch::tensor({1.f, 2.f, 3.f, 4.f});
        auto y = applyRotary(x, cos, sin);  // [2, 4]
        auto expected =
            torch::tensor({{-1.9841106486f, 1.9599006675f, 2.4623779024f, 4.0197996683f},
                           {-1.4133525208f, 1.8791180667f, -2.8288574817f, 4.0581911354f}});
        QVERIFY2(maxDiff(y, expected) < 1e-6, QByteArray::number(maxDiff(y, expected)));
        // Position 0 is the identity.
        auto [c0, s0] = rotaryCosSin(torch::zeros({1}, torch::kInt64), 4, 10000.0);
        QVERIFY(maxDiff(applyRotary(x, c0, s0), x) < 1e-7);
    }

    void handSetOneLayerModel() {
        // One layer, one head, hidden 4. q = k = 0 makes attention uniform over the causal
        // prefix, v and dense are identities, the MLP is zero, embed_out is the identity:
        //   logits_t = LN(x_t + mean_{j <= t} LN(x_j)).
        // x0 = [1, -1, 1, -1] (LN = itself), x1 = [2, 0, 0, -2] (LN = [r2, 0, 0, -r2]):
        //   t = 0: LN([2, -2, 2, -2]) = [1, -1, 1, -1]
        //   t = 1: LN([2 + (1 + r2)/2, -0.5, 0.5, -2 - (1 + r2)/2])
        //        = [1.3973337326, -0.2178495803, 0.2178495803, -1.3973337326]
        ModelConfig c;
        c.vocab_size = 4;
        c.hidden_size = 4;
        c.num_heads = 1;
        c.num_layers = 1;
        c.intermediate_size = 8;
        c.rotary_pct = 0.5;
        c.max_positions = 8;
        c.layer_norm_eps = 1e-12;
        GptNeoX model(c);
        {
            torch::NoGradGuard no_grad;
            for (auto& [name, t] : namedWeights(model)) {
                t.zero_();
                if (name.find("norm.weight") != std::string::npos)
                    t.fill_(1.0);
            }
            auto p = model->named_parameters();
            p["gpt_neox.layers.0.attention.query_key_value.weight"].narrow(0, 8, 4).copy_(
                torch::eye(4));
            p["gpt_neox.layers.0.attention.dense.weight"].copy_(torch::eye(4));
            p["embed_out.weight"].copy_(torch::eye(4));
            p["gpt_neox.embed_in.weight"][0].copy_(torch::tensor({1.f, -1.f, 1.f, -1.f}));
            p["gpt_neox.embed_in.weight"][1].copy_(torch::tensor({2.f, 0.f, 0.f, -2.f}));
        }
        auto logits = model->forward(torch::tensor({{0, 1}}, torch::kInt64));
        auto expected =
            torch::tensor({{{1.f, -1.f, 1.f, -1.f},
                            {1.3973337326f, -0.2178495803f, 0.2178495803f, -1.3973337326f}}});
        QVERIFY2(maxDiff(logits, expected) < 1e-5, QByteArray::number(maxDiff(logits, expected)));
    }

    void causalMaskHidesTheFuture() {
        torch::manual_seed(1);
        GptNeoX model(smallConfig());
        torch::NoGradGuard no_grad;
        auto ids = torch::randint(0, 50, {1, 16}, torch::kInt64);
        auto base = model->forward(ids);
        for (int64_t t : {0, 7, 15}) {
            auto changed = ids.clone();
            changed[0][t] = (ids[0][t].item<int64_t>() + 1) % 50;
            auto out = model->forward(changed);
            if (t > 0)
                QCOMPARE(maxDiff(out.narrow(1, 0, t), base.narrow(1, 0, t)), 0.0);
            QVERIFY(maxDiff(out.narrow(1, t, 1), base.narrow(1, t, 1)) > 1e-6);
        }
    }

    void paddingDoesNotChangeRealTokens() {
        torch::manual_seed(2);
        GptNeoX model(smallConfig());
        torch::NoGradGuard no_grad;
        auto a = torch::randint(0, 50, {1, 12}, torch::kInt64);
        auto b = torch::randint(0, 50, {1, 7}, torch::kInt64);
        auto solo_a = model->forward(a);
        auto solo_b = model->forward(b);
        auto junk = torch::full({1, 5}, 3, torch::kInt64);
        auto ones7 = torch::ones({1, 7}, torch::kInt64),
             zeros5 = torch::zeros({1, 5}, torch::kInt64);
        auto ones12 = torch::ones({1, 12}, torch::kInt64);

        // Right padding.
        auto right = model->forward(torch::cat({a, torch::cat({b, junk}, 1)}, 0),
                                    torch::cat({ones12, torch::cat({ones7, zeros5}, 1)}, 0));
        QVERIFY(maxDiff(right[0].unsqueeze(0), solo_a) < 1e-5);
        QVERIFY(maxDiff(right[1].narrow(0, 0, 7).unsqueeze(0), solo_b) < 1e-5);

        // Left padding: positions count real tokens only, so b keeps positions 0..6.
        auto left = model->forward(torch::cat({a, torch::cat({junk, b}, 1)}, 0),
                                   torch::cat({ones12, torch::cat({zeros5, ones7}, 1)}, 0));
        QVERIFY(maxDiff(left[0].unsqueeze(0), solo_a) < 1e-5);
        QVERIFY2(maxDiff(left[1].narrow(0, 5, 7).unsqueeze(0), solo_b) < 1e-5,
                 QByteArray::number(maxDiff(left[1].narrow(0, 5, 7).unsqueeze(0), solo_b)));
        QVERIFY(torch::isfinite(left).all().item<bool>());
    }

    void paddedGradientsAreFinite() {
        torch::manual_seed(3);
        GptNeoX model(smallConfig());
        auto ids = torch::randint(0, 50, {2, 8}, torch::kInt64);
        auto mask = torch::ones({2, 8}, torch::kBool);
        mask[1].narrow(0, 0, 3).fill_(false);
        model->forward(ids, mask).sum().backward();
        for (const auto& [name, t] : namedWeights(model)) {
            QVERIFY2(torch::isfinite(t.grad()).all().item<bool>(), name.c_str());
        }
    }

    void kvCacheMatchesFullForward() {
        torch::manual_seed(4);
        GptNeoX model(smallConfig());
        auto ids = torch::randint(0, 50, {2, 20}, torch::kInt64);
        for (bool grad : {false, true}) {
            torch::AutoGradMode mode(grad);  // grad mode takes the concatenating path
            auto full = model->forward(ids).detach();
            KVCache cache;
            std::vector<torch::Tensor> parts{model->forward(ids.narrow(1, 0, 6), {}, &cache)};
            for (int64_t t = 6; t < 16; ++t) {
                parts.push_back(model->forward(ids.narrow(1, t, 1), {}, &cache));
            }
            parts.push_back(model->forward(ids.narrow(1, 16, 4), {}, &cache));  // a chunk
            QCOMPARE(cache.length(), int64_t(20));
            QCOMPARE(cache.key(1).sizes().vec(), (std::vector<int64_t>{2, 4, 20, 32}));
            const double d = maxDiff(torch::cat(parts, 1).detach(), full);
            QVERIFY2(d < 1e-5, QByteArray::number(d));
        }
        // Left-padded batch: the mask given at prefill is remembered for later tokens.
        torch::NoGradGuard no_grad;
        auto mask = torch::ones({2, 20}, torch::kBool);
        mask[0].narrow(0, 0, 4).fill_(false);
        auto full = model->forward(ids, mask);
        KVCache cache;
        std::vector<torch::Tensor> parts{
            model->forward(ids.narrow(1, 0, 8), mask.narrow(1, 0, 8), &cache)};
        for (int64_t t = 8; t < 20; ++t)
            parts.push_back(model->forward(ids.narrow(1, t, 1), {}, &cache));
        auto cached = torch::cat(parts, 1);
        const double d = maxDiff(cached[0].narrow(0, 4, 16), full[0].narrow(0, 4, 16));
        QVERIFY2(d < 1e-5, QByteArray::number(d));
        QVERIFY(maxDiff(cached[1], full[1]) < 1e-5);
        cache.reset();
        QCOMPARE(cache.length(), int64_t(0));
    }

    void tooLongInputIsAnArgumentError() {
        GptNeoX model(smallConfig());
        torch::NoGradGuard no_grad;
        KVCache cache;
        model->forward(torch::zeros({1, 60}, torch::kInt64), {}, &cache);
        const auto m = messageOf<ArgumentError>([&] {
            model->forward(torch::zeros({1, 5}, torch::kInt64), {}, &cache);
        });
        QVERIFY2(m.find("max_positions = 64") != std::string::npos, m.c_str());
        QVERIFY(messageOf<ArgumentError>([&] {
                    model->forward(torch::zeros({4}, torch::kInt64));
                }).find("input_ids") != std::string::npos);
    }
};

RGPB_TEST_MAIN(TestGptNeoX)
}  // namespace rgpb_test_gpt_neox
#include "test_gpt_neox.moc"
