// T5 against Hugging Face's layout and independent numbers: relative position buckets by hand,
// published parameter counts, the logits of v1.0 and v1.1 models against a reference forward
// written here from the paper's equations (in double precision, head by head), padding,
// causality, safetensors round trips and the config.json reader.
#include <torch/torch.h>

#include <QTemporaryDir>
#include <QtTest>

#include "tests/support/TestMain.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "core/model/HfImport.h"
#include "core/model/Safetensors.h"
#include "core/model/T5.h"
#include "core/model/T5Config.h"
#include "core/util/Error.h"
#include "tests/support/ErrorText.h"

// This file's code has its own namespace: the group's tests build as one unity batch.
namespace rgpb_test_t5 {

using namespace rgpb;
using rgpb::test::contains;
using rgpb::test::messageOf;
using torch::Tensor;

namespace {

// The bucket of key - query = `relative`, from the T5 paper's description (exact buckets for
// small distances, log-spaced up to max_distance, the rest in the last bucket), in double.
int64_t referenceBucket(int64_t relative, bool bidirectional, int64_t buckets,
                        int64_t max_distance) {
    int64_t offset = 0, distance = 0;
    if (bidirectional) {
        buckets /= 2;
        offset = relative > 0 ? buckets : 0;
        distance = relative < 0 ? -relative : relative;
    } else {
        distance = relative < 0 ? -relative : 0;
    }
    const int64_t exact = buckets / 2;
    if (distance < exact)
        return offset + distance;
    const double fraction =
        std::log(static_cast<double>(distance) / static_cast<double>(exact)) /
        std::log(static_cast<double>(max_distance) / static_cast<double>(exact));
    const auto logBucket =
        exact + static_cast<int64_t>(fraction * static_cast<double>(buckets - exact));
    return offset + std::min(logBucket, buckets - 1);
}

// A tiny shape off the presets: heads * d_kv (12) differs from d_model (16), more decoder than
// encoder blocks, and few buckets so that short sequences reach the log-spaced ones.
T5Config tinyConfig(bool v11) {
    T5Config c;
    c.name = v11 ? "tiny-v1.1" : "tiny-v1.0";
    c.vocab_size = 40;
    c.d_model = 16;
    c.d_kv = 4;
    c.d_ff = 24;
    c.num_layers = 2;
    c.num_decoder_layers = 3;
    c.num_heads = 3;
    c.relative_attention_num_buckets = 8;
    c.relative_attention_max_distance = 20;
    if (v11) {
        c.feed_forward_proj = "gated-gelu";
        c.tie_word_embeddings = false;
    }
    return c;
}

// ---- Reference forward: one sequence at a time, double precision ---------------------------

struct Reference {
    const T5Config& c;
    std::map<std::string, Tensor> w;  // HF name -> double copy

    Reference(T5& model, const T5Config& config) : c(config) {
        for (const auto& item : model->named_parameters())
            w[item.key()] = item.value().detach().to(torch::kFloat64);
    }

    Tensor norm(const Tensor& x, const std::string& name) const {
        return x / torch::sqrt((x * x).mean(-1, true) + c.layer_norm_epsilon) * w.at(name);
    }

    // x [Lq, D] attends to y [Lk, D]; `allowed` [Lq, Lk]; relative bias from `table` if given.
    Tensor attention(const Tensor& x, const Tensor& y, const std::string& p, const Tensor& allowed,
                     const std::string& table, bool bidirectional) const {
        const int64_t lq = x.size(0), lk = y.size(0), dk = c.d_kv;
        std::vector<Tensor> heads;
        for (int64_t h = 0; h < c.num_heads; ++h) {
            auto rows = [&](const char* m) {
                return w.at(p + m + ".weight").narrow(0, h * dk, dk);
            };
            auto q = x.matmul(rows("q").t()), k = y.matmul(rows("k").t()),
                 v = y.matmul(rows("v").t());
            auto scores = q.matmul(k.t());
            if (!table.empty()) {
                for (int64_t i = 0; i < lq; ++i)
                    for (int64_t j = 0; j < lk; ++j)
                        scores[i][j] += w.at(table)[referenceBucket(
                            j - i, bidirectional, c.relative_attention_num_buckets,
                            c.relative_attention_max_distance)][h];
            }
            scores = scores.masked_fill(allowed.logical_not(), -INFINITY);
            heads.push_back(torch::softmax(scores, -1).matmul(v));
        }
        return torch::cat(heads, 1).matmul(w.at(p + "o.weight").t());
    }

    Tensor feedForward(const Tensor& x, const std::string& p) const {
        if (c.feed_forward_proj == "relu")
            return torch::relu(x.matmul(w.at(p + "wi.weight").t()))
                .matmul(w.at(p + "wo.weight").t());
        auto g = x.matmul(w.at(p + "wi_0.weight").t());
        const double k = std::sqrt(2.0 / M_PI);
        auto gelu = 0.5 * g * (1.0 + torch::tanh(k * (g + 0.044715 * g * g * g)));
        return (gelu * x.matmul(w.at(p + "wi_1.weight").t())).matmul(w.at(p + "wo.weight").t());
    }

    // ids [S], real [S] bool, decoder ids [T] -> logits [T, V]
    Tensor logits(const Tensor& ids, const Tensor& real, const Tensor& dec) const {
        const int64_t s = ids.size(0), t = dec.size(0);
        auto x = w.at("shared.weight").index_select(0, ids);
        auto enc_allowed = real.view({1, s}).expand({s, s});
        for (int64_t b = 0; b < c.num_layers; ++b) {
            const std::string p = "encoder.block." + std::to_string(b) + ".layer.";
            x = x +
                attention(norm(x, p + "0.layer_norm.weight"), norm(x, p + "0.layer_norm.weight"),
                          p + "0.SelfAttention.", enc_allowed,
                          "encoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight",
                          true);
            x = x + feedForward(norm(x, p + "1.layer_norm.weight"), p + "1.DenseReluDense.");
        }
        const auto encoded = norm(x, "encoder.final_layer_norm.weight");
        auto d = w.at("shared.weight").index_select(0, dec);
        const auto causal = torch::ones({t, t}, torch::kBool).tril();
        const auto cross_allowed = real.view({1, s}).expand({t, s});
        for (int64_t b = 0; b < c.num_decoder_layers; ++b) {
            const std::string p = "decoder.block." + std::to_string(b) + ".layer.";
            auto n = norm(d, p + "0.layer_norm.weight");
            d = d +
                attention(n, n, p + "0.SelfAttention.", causal,
                          "decoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight",
                          false);
            d = d + attention(norm(d, p + "1.layer_norm.weight"), encoded, p + "1.EncDecAttention.",
                              cross_allowed, "", false);
            d = d + feedForward(norm(d, p + "2.layer_norm.weight"), p + "2.DenseReluDense.");
        }
        d = norm(d, "decoder.final_layer_norm.weight");
        if (c.tie_word_embeddings)
            return (d / std::sqrt(static_cast<double>(c.d_model)))
                .matmul(w.at("shared.weight").t());
        return d.matmul(w.at("lm_head.weight").t());
    }
};

double maxDiff(const Tensor& a, const Tensor& b) {
    return (a.to(torch::kFloat64) - b.to(torch::kFloat64)).abs().max().item<double>();
}

Tensor ids(std::vector<int64_t> v) {
    return torch::tensor(v, torch::kInt64);
}

int64_t numelSum(T5& model) {
    int64_t total = 0;
    for (const auto& [name, t] : namedWeights(model))
        total += t.numel();
    return total;
}

void writeText(const QString& path, const std::string& text) {
    std::ofstream(path.toStdString()) << text;
}

}  // namespace

class TestT5 : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void relativeBucketsByHand() {
        // Bidirectional, 32 buckets, max distance 128: 16 per direction, 8 exact. 20 ahead:
        // 16 + 8 + int(log(20/8) / log(128/8) * 8) = 16 + 8 + int(2.64) = 26; 200 behind:
        // 8 + int(log(25) / log(16) * 8) = 8 + 9 = 17, capped at 15.
        const auto rel = ids({-1, 0, 1, 20, -200});
        auto got = t5RelativeBucket(rel, true, 32, 128);
        QVERIFY2(torch::equal(got, ids({1, 0, 17, 26, 15})), QByteArray(torch::str(got).c_str()));
        // Causal, 32 buckets, 16 exact: keys ahead share bucket 0; 20 behind: 16 +
        // int(log(20/16) / log(8) * 16) = 16 + int(1.72) = 17; 200 behind: 16 + 19 = 35 -> 31.
        got = t5RelativeBucket(ids({-1, 0, 5, -20, -200}), false, 32, 128);
        QVERIFY2(torch::equal(got, ids({1, 0, 0, 17, 31})), QByteArray(torch::str(got).c_str()));
        // The test's own bucket function agrees on these and on a range of both kinds.
        for (int64_t r = -300; r <= 300; r += 7) {
            for (bool bidirectional : {true, false}) {
                for (auto [nb, md] : {std::pair<int64_t, int64_t>{32, 128}, {8, 20}}) {
                    const auto model =
                        t5RelativeBucket(ids({r}), bidirectional, nb, md)[0].item<int64_t>();
                    QCOMPARE(model, referenceBucket(r, bidirectional, nb, md));
                }
            }
        }
        QCOMPARE(referenceBucket(20, true, 32, 128), int64_t(26));
        QCOMPARE(referenceBucket(-20, false, 32, 128), int64_t(17));
    }

    void parameterCountsAndNames() {
        // transformers' num_parameters() of google-t5/t5-small, t5-base, t5-large.
        QCOMPARE(T5Config::named("t5-small", 32128).parameterCount(), int64_t(60506624));
        QCOMPARE(T5Config::named("t5-base", 32128).parameterCount(), int64_t(222903552));
        QCOMPARE(T5Config::named("t5-large", 32128).parameterCount(), int64_t(737668096));
        for (bool v11 : {false, true}) {
            T5 model(tinyConfig(v11));
            QCOMPARE(numelSum(model), tinyConfig(v11).parameterCount());
        }
        T5 micro(T5Config::named("t5-micro", 260));
        QCOMPARE(numelSum(micro), T5Config::named("t5-micro", 260).parameterCount());
        qInfo("t5-micro: %lld parameters", static_cast<long long>(numelSum(micro)));

        T5 v10(tinyConfig(false)), v11(tinyConfig(true));
        const auto a = v10->named_parameters(), b = v11->named_parameters();
        const std::vector<int64_t> bias{8, 3}, q{12, 16}, o{16, 12};
        QCOMPARE(a["shared.weight"].sizes().vec(), (std::vector<int64_t>{40, 16}));
        QCOMPARE(
            a["encoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight"].sizes().vec(),
            bias);
        QCOMPARE(
            a["decoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight"].sizes().vec(),
            bias);
        QCOMPARE(a["encoder.block.1.layer.0.SelfAttention.q.weight"].sizes().vec(), q);
        QCOMPARE(a["decoder.block.2.layer.1.EncDecAttention.o.weight"].sizes().vec(), o);
        QCOMPARE(a["decoder.block.2.layer.2.DenseReluDense.wi.weight"].sizes().vec(),
                 (std::vector<int64_t>{24, 16}));
        QCOMPARE(a["encoder.block.1.layer.1.layer_norm.weight"].sizes().vec(),
                 (std::vector<int64_t>{16}));
        QVERIFY(a.find("encoder.final_layer_norm.weight") != nullptr);
        QVERIFY(a.find("encoder.block.1.layer.0.SelfAttention.relative_attention_bias.weight") ==
                nullptr);
        QVERIFY(a.find("decoder.block.0.layer.1.EncDecAttention.relative_attention_bias.weight") ==
                nullptr);
        QVERIFY(a.find("lm_head.weight") == nullptr);
        QCOMPARE(b["lm_head.weight"].sizes().vec(), (std::vector<int64_t>{40, 16}));
        QCOMPARE(b["encoder.block.0.layer.1.DenseReluDense.wi_0.weight"].sizes().vec(),
                 (std::vector<int64_t>{24, 16}));
        QCOMPARE(b["encoder.block.0.layer.1.DenseReluDense.wi_1.weight"].sizes().vec(),
                 (std::vector<int64_t>{24, 16}));
        QVERIFY(b.find("encoder.block.0.layer.1.DenseReluDense.wi.weight") == nullptr);
        // Every name is a weight: shared, 2 x (bias table + final norm), 8 per encoder block, 13
        // per decoder block.
        QCOMPARE(a.size(), size_t(1 + 2 * 2 + 2 * 8 + 3 * 13));
        QVERIFY(a["decoder.block.1.layer.2.layer_norm.weight"].eq(1).all().item<bool>());

        const auto m = messageOf<ArgumentError>([] { T5Config::named("t5-huge", 10); });
        QVERIFY2(contains(m, "t5-micro, t5-small, t5-base, t5-large"), m.c_str());
    }

    void logitsMatchReference() {
        for (bool v11 : {false, true}) {
            const T5Config c = tinyConfig(v11);
            torch::manual_seed(v11 ? 11 : 10);
            T5 model(c);
            // Two rows; the second has its encoder input padded at the end.
            auto input = torch::tensor({{5, 9, 2, 33, 7, 1}, {8, 3, 12, 1, 0, 0}}, torch::kInt64);
            auto mask = torch::tensor({{1, 1, 1, 1, 1, 1}, {1, 1, 1, 1, 0, 0}}, torch::kInt64);
            auto dec =
                torch::tensor({{0, 4, 19, 6, 22, 3, 30}, {0, 17, 2, 2, 9, 38, 5}}, torch::kInt64);
            torch::NoGradGuard no_grad;
            auto logits = model->forward(input, mask, dec);
            QCOMPARE(logits.sizes().vec(), (std::vector<int64_t>{2, 7, 40}));
            Reference ref(model, c);
            for (int64_t r = 0; r < 2; ++r) {
                auto expected = ref.logits(input[r], mask[r].to(torch::kBool), dec[r]);
                const double scale = std::max(1.0, expected.abs().max().item<double>());
                const double diff = maxDiff(logits[r], expected);
                qInfo("%s row %lld: max |logit| %.3f, max difference %.3g", c.name.c_str(),
                      static_cast<long long>(r), scale, diff);
                QVERIFY2(diff < 2e-5 * scale, QByteArray::number(diff));
            }
        }
    }

    void encoderPaddingLeavesRealRowsUnchanged() {
        torch::manual_seed(3);
        T5 model(tinyConfig(true));
        torch::NoGradGuard no_grad;
        auto input = torch::tensor({{6, 14, 21, 1}}, torch::kInt64);
        auto dec = torch::tensor({{0, 7, 13}}, torch::kInt64);
        auto alone = model->forward(input, {}, dec);
        // The same row padded with three tokens (arbitrary ids), and a longer row beside it.
        auto padded =
            torch::tensor({{6, 14, 21, 1, 9, 9, 35}, {2, 3, 4, 5, 6, 7, 1}}, torch::kInt64);
        auto mask = torch::tensor({{1, 1, 1, 1, 0, 0, 0}, {1, 1, 1, 1, 1, 1, 1}}, torch::kInt64);
        auto both = model->forward(padded, mask, torch::cat({dec, dec}, 0));
        QVERIFY2(maxDiff(both[0], alone[0]) < 1e-5, QByteArray::number(maxDiff(both[0], alone[0])));
        // Without the mask the padding is attended to and the logits change.
        auto unmasked = model->forward(padded, {}, torch::cat({dec, dec}, 0));
        QVERIFY(maxDiff(unmasked[0], alone[0]) > 1e-3);
        // A padded decoder position does not change the real ones before it.
        auto dmask = torch::tensor({{1, 1, 0}}, torch::kInt64);
        auto dec_padded =
            model->forward(input, {}, torch::tensor({{0, 7, 5}}, torch::kInt64), dmask);
        QVERIFY(maxDiff(dec_padded.narrow(1, 0, 2), alone.narrow(1, 0, 2)) < 1e-5);
        QVERIFY(torch::isfinite(dec_padded).all().item<bool>());
    }

    void decoderIsCausal() {
        for (bool v11 : {false, true}) {
            torch::manual_seed(5);
            T5 model(tinyConfig(v11));
            torch::NoGradGuard no_grad;
            auto input = torch::tensor({{3, 1, 4, 1, 5}}, torch::kInt64);
            auto a = model->forward(input, {}, torch::tensor({{0, 9, 2, 6, 5}}, torch::kInt64));
            auto b = model->forward(input, {}, torch::tensor({{0, 9, 2, 6, 31}}, torch::kInt64));
            QCOMPARE(maxDiff(a.narrow(1, 0, 4), b.narrow(1, 0, 4)), 0.0);
            QVERIFY(maxDiff(a.narrow(1, 4, 1), b.narrow(1, 4, 1)) > 1e-4);
            // Changing an earlier token does change the later logits (the test can fail).
            auto e = model->forward(input, {}, torch::tensor({{0, 10, 2, 6, 5}}, torch::kInt64));
            QCOMPARE(maxDiff(a.narrow(1, 0, 1), e.narrow(1, 0, 1)), 0.0);
            QVERIFY(maxDiff(a.narrow(1, 2, 3), e.narrow(1, 2, 3)) > 1e-4);
        }
    }

    void safetensorsRoundTripIsBitExact() {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        for (bool v11 : {false, true}) {
            const T5Config c = tinyConfig(v11);
            torch::manual_seed(21);
            T5 saved(c);
            const std::string path = dir.filePath("model.safetensors").toStdString();
            saveT5Weights(saved, path, {{"rgpb", "test"}});
            torch::manual_seed(22);
            T5 loaded(c);
            QVERIFY(!torch::equal(loaded->shared->weight, saved->shared->weight));
            loadT5Weights(loaded, path);
            auto a = namedWeights(saved), b = namedWeights(loaded);
            QCOMPARE(a.size(), b.size());
            for (size_t i = 0; i < a.size(); ++i) {
                QCOMPARE(b[i].first, a[i].first);
                QVERIFY2(torch::equal(a[i].second, b[i].second), a[i].first.c_str());
            }
            const auto file = loadSafetensors(path);
            QCOMPARE(file.metadata.at("format"), std::string("pt"));
            QCOMPARE(file.tensors.size(), a.size());
            torch::NoGradGuard no_grad;
            auto input = torch::tensor({{3, 1, 4}}, torch::kInt64);
            auto dec = torch::tensor({{0, 2}}, torch::kInt64);
            QVERIFY(torch::equal(saved->forward(input, {}, dec), loaded->forward(input, {}, dec)));

            // A Hugging Face folder: config.json + model.safetensors.
            writeText(dir.filePath("config.json"), c.toHfJson().dump(2));
            T5 folder = loadHfFolder(dir.path().toStdString()).t5();
            QCOMPARE(folder->config().toHfJson(), c.toHfJson());
            QVERIFY(torch::equal(saved->forward(input, {}, dec), folder->forward(input, {}, dec)));
        }
    }

    void badWeightFilesAreNamed() {
        QTemporaryDir dir;
        T5 model(tinyConfig(false));
        auto weights = namedWeights(model);
        const std::string path = dir.filePath("w.safetensors").toStdString();
        // Tied aliases transformers may write are accepted.
        auto with_alias = weights;
        with_alias.emplace_back("encoder.embed_tokens.weight", model->shared->weight);
        saveSafetensors(path, with_alias);
        loadT5Weights(model, path);
        auto missing = weights;
        missing.erase(missing.begin() + 3);
        saveSafetensors(path, missing);
        auto m = messageOf<InputError>([&] { loadT5Weights(model, path); });
        QVERIFY2(contains(m, path) && contains(m, weights[3].first) && contains(m, "missing"),
                 m.c_str());
        auto extra = weights;
        extra.emplace_back("encoder.block.9.layer.0.SelfAttention.q.weight", torch::zeros({2}));
        saveSafetensors(path, extra);
        m = messageOf<InputError>([&] { loadT5Weights(model, path); });
        QVERIFY2(contains(m, "unexpected tensor 'encoder.block.9"), m.c_str());
        auto shaped = weights;
        shaped[0].second = torch::zeros({40, 15});
        saveSafetensors(path, shaped);
        m = messageOf<InputError>([&] { loadT5Weights(model, path); });
        QVERIFY2(contains(m, "'shared.weight' has shape [40, 15], the model expects [40, 16]"),
                 m.c_str());
    }

    void configJsonReader() {
        QTemporaryDir dir;
        const QString path = dir.filePath("config.json");
        // google-t5/t5-small's config.json (older files lack relative_attention_max_distance).
        writeText(path, R"({"architectures": ["T5ForConditionalGeneration"], "d_ff": 2048,
            "d_kv": 64, "d_model": 512, "decoder_start_token_id": 0, "dropout_rate": 0.1,
            "eos_token_id": 1, "initializer_factor": 1.0, "is_encoder_decoder": true,
            "layer_norm_epsilon": 1e-06, "model_type": "t5", "n_positions": 512,
            "num_heads": 8, "num_layers": 6, "output_past": true, "pad_token_id": 0,
            "relative_attention_num_buckets": 32, "vocab_size": 32128})");
        T5Config c = readT5Config(path.toStdString());
        QCOMPARE(c.d_model, int64_t(512));
        QCOMPARE(c.num_decoder_layers, int64_t(6));
        QCOMPARE(c.relative_attention_max_distance, int64_t(128));
        QCOMPARE(c.feed_forward_proj, std::string("relu"));
        QVERIFY(c.tie_word_embeddings && !c.gated());
        QCOMPARE(c.parameterCount(), int64_t(60506624));
        // flan-t5-small's shape: v1.1, gated-gelu, untied, 8 + 8 layers of d_ff 1024, 6 heads.
        nlohmann::json flan = {{"model_type", "t5"},
                               {"d_model", 512},
                               {"d_kv", 64},
                               {"d_ff", 1024},
                               {"num_layers", 8},
                               {"num_decoder_layers", 8},
                               {"num_heads", 6},
                               {"feed_forward_proj", "gated-gelu"},
                               {"tie_word_embeddings", false},
                               {"vocab_size", 32128},
                               {"relative_attention_max_distance", 128}};
        c = T5Config::fromHfJson(flan, "flan.json");
        QVERIFY(c.gated() && !c.tie_word_embeddings);
        QCOMPARE(c.activation(), std::string("gelu_new"));
        // transformers' num_parameters() of google/flan-t5-small.
        QCOMPARE(c.parameterCount(), int64_t(76961152));

        auto complaint = [&](nlohmann::json j) {
            return messageOf<InputError>([&] { T5Config::fromHfJson(j, "cfg.json"); });
        };
        auto j = flan;
        j.erase("d_model");
        QVERIFY2(contains(complaint(j), "cfg.json (d_model)"), complaint(j).c_str());
        j = flan;
        j["num_heads"] = "6";
        QVERIFY2(contains(complaint(j), "cfg.json (num_heads)"), complaint(j).c_str());
        j = flan;
        j["feed_forward_proj"] = "swish";
        QVERIFY2(contains(complaint(j), "cfg.json (feed_forward_proj)") &&
                     contains(complaint(j), "swish"),
                 complaint(j).c_str());
        j = flan;
        j["model_type"] = "bart";
        QVERIFY2(contains(complaint(j), "cfg.json (model_type)"), complaint(j).c_str());
        j = flan;
        j["eos_token_id"] = 40000;
        QVERIFY2(contains(complaint(j), "cfg.json (eos_token_id)"), complaint(j).c_str());
        j = flan;
        j["layer_norm_epsilon"] = false;
        QVERIFY2(contains(complaint(j), "cfg.json (layer_norm_epsilon)"), complaint(j).c_str());
        j = flan;
        j["num_layers"] = 1 << 20;
        QVERIFY2(contains(complaint(j), "cfg.json (num_layers)"), complaint(j).c_str());
        writeText(path, "{\"d_model\": ");
        const auto m = messageOf<InputError>([&] { readT5Config(path.toStdString()); });
        QVERIFY2(contains(m, path.toStdString()) && contains(m, "not valid JSON"), m.c_str());
    }
};

RGPB_TEST_MAIN(TestT5)
}  // namespace rgpb_test_t5
#include "test_t5.moc"
