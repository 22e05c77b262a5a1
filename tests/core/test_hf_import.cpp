// Hugging Face checkpoints in and out (core/model/HfImport): GPT-2 and GPT-NeoX checkpoints
// written here with the project's safetensors writer from weights chosen by the test load into
// the model and give the logits of an independent, straightforward forward pass written below
// from the Hugging Face modeling code (tests/support/HfReference.h); sharded and bf16/f16
// checkpoints; export -> import round trips (bit-exact in f32, the rounding of the original in
// f16/bf16); every bad-checkpoint case named (missing tensor, wrong shape, unknown
// architecture, truncated file, missing shard); sizes config.json claims checked before the
// model is built; NaN/Inf weights named.
#include <torch/torch.h>

#include <QtTest>

#include "tests/support/TestMain.h"

#include <QTemporaryDir>

#include <nlohmann/json.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include "core/model/GptNeoX.h"
#include "core/model/HfImport.h"
#include "core/model/Safetensors.h"
#include "core/util/Error.h"
#include "tests/support/ErrorText.h"
#include "tests/support/HfReference.h"

// This file's code has its own namespace: the group's tests build as one unity batch.
namespace rgpb_test_hf_import {

using namespace rgpb;
using rgpb::test::messageOf;
namespace fs = std::filesystem;

namespace {

using rgpb::test::contains;
using namespace rgpb::test::hf;

void writeJson(const std::string& path, const nlohmann::json& j) {
    std::ofstream out(path);
    out << j.dump(2);
}

torch::Tensor value(std::vector<int64_t> shape, double scale) {
    return (torch::randn(shape, torch::kFloat64) * scale).to(torch::kBFloat16).to(torch::kFloat32);
}

Weights gpt2Weights() {
    torch::manual_seed(7);
    Weights w;
    const std::string t = "transformer.";
    w[t + "wte.weight"] = value({kVocab, kHidden}, 0.5);
    w[t + "wpe.weight"] = value({kPositions, kHidden}, 0.3);
    for (int64_t i = 0; i < kLayers; ++i) {
        const std::string p = t + "h." + std::to_string(i) + ".";
        w[p + "ln_1.weight"] = 1.0 + value({kHidden}, 0.2);
        w[p + "ln_1.bias"] = value({kHidden}, 0.2);
        w[p + "attn.c_attn.weight"] = value({kHidden, 3 * kHidden}, 0.4);
        w[p + "attn.c_attn.bias"] = value({3 * kHidden}, 0.2);
        w[p + "attn.c_proj.weight"] = value({kHidden, kHidden}, 0.3);
        w[p + "attn.c_proj.bias"] = value({kHidden}, 0.2);
        w[p + "ln_2.weight"] = 1.0 + value({kHidden}, 0.2);
        w[p + "ln_2.bias"] = value({kHidden}, 0.2);
        w[p + "mlp.c_fc.weight"] = value({kHidden, kInner}, 0.3);
        w[p + "mlp.c_fc.bias"] = value({kInner}, 0.2);
        w[p + "mlp.c_proj.weight"] = value({kInner, kHidden}, 0.3);
        w[p + "mlp.c_proj.bias"] = value({kHidden}, 0.2);
    }
    w[t + "ln_f.weight"] = 1.0 + value({kHidden}, 0.2);
    w[t + "ln_f.bias"] = value({kHidden}, 0.2);
    // 1 + bf16 value is not always a bf16 value: round again.
    for (auto& [k, v] : w)
        v = v.to(torch::kBFloat16).to(torch::kFloat32);
    return w;
}

nlohmann::json gpt2Config() {
    return {{"architectures", {"GPT2LMHeadModel"}},
            {"model_type", "gpt2"},
            {"vocab_size", kVocab},
            {"n_embd", kHidden},
            {"n_head", kHeads},
            {"n_layer", kLayers},
            {"n_inner", kInner},
            {"n_positions", kPositions},
            {"activation_function", "gelu_new"},
            {"layer_norm_epsilon", 1e-5},
            {"tie_word_embeddings", true}};
}

Weights neoxWeights() {
    torch::manual_seed(11);
    Weights w;
    w["gpt_neox.embed_in.weight"] = value({kVocab, kHidden}, 0.5);
    for (int64_t i = 0; i < kLayers; ++i) {
        const std::string p = "gpt_neox.layers." + std::to_string(i) + ".";
        for (const char* ln : {"input_layernorm", "post_attention_layernorm"}) {
            w[p + ln + ".weight"] = 1.0 + value({kHidden}, 0.2);
            w[p + ln + ".bias"] = value({kHidden}, 0.2);
        }
        w[p + "attention.query_key_value.weight"] = value({3 * kHidden, kHidden}, 0.4);
        w[p + "attention.query_key_value.bias"] = value({3 * kHidden}, 0.2);
        w[p + "attention.dense.weight"] = value({kHidden, kHidden}, 0.3);
        w[p + "attention.dense.bias"] = value({kHidden}, 0.2);
        w[p + "mlp.dense_h_to_4h.weight"] = value({kInner, kHidden}, 0.3);
        w[p + "mlp.dense_h_to_4h.bias"] = value({kInner}, 0.2);
        w[p + "mlp.dense_4h_to_h.weight"] = value({kHidden, kInner}, 0.3);
        w[p + "mlp.dense_4h_to_h.bias"] = value({kHidden}, 0.2);
    }
    w["gpt_neox.final_layer_norm.weight"] = 1.0 + value({kHidden}, 0.2);
    w["gpt_neox.final_layer_norm.bias"] = value({kHidden}, 0.2);
    w["embed_out.weight"] = value({kVocab, kHidden}, 0.5);
    for (auto& [k, v] : w)
        v = v.to(torch::kBFloat16).to(torch::kFloat32);
    return w;
}

nlohmann::json neoxConfig(bool parallel) {
    // head_dim 4, rotary_pct 0.5 -> 2 rotary dims per head.
    return {{"architectures", {"GPTNeoXForCausalLM"}},
            {"model_type", "gpt_neox"},
            {"vocab_size", kVocab},
            {"hidden_size", kHidden},
            {"num_attention_heads", kHeads},
            {"num_hidden_layers", kLayers},
            {"intermediate_size", kInner},
            {"max_position_embeddings", kPositions},
            {"rotary_pct", 0.5},
            {"rotary_emb_base", 100.0},
            {"use_parallel_residual", parallel},
            {"hidden_act", "gelu"},
            {"layer_norm_eps", 1e-5},
            {"tie_word_embeddings", false}};
}

std::vector<std::pair<std::string, torch::Tensor>> asList(const Weights& w,
                                                          torch::ScalarType dtype) {
    std::vector<std::pair<std::string, torch::Tensor>> out;
    for (const auto& [k, v] : w)
        out.emplace_back(k, v.to(dtype));
    return out;
}

void writeCheckpoint(const std::string& dir, const nlohmann::json& config, const Weights& w,
                     torch::ScalarType dtype = torch::kFloat32) {
    fs::create_directories(dir);
    writeJson(dir + "/config.json", config);
    saveSafetensors(dir + "/model.safetensors", asList(w, dtype), {{"format", "pt"}});
}

const std::vector<int64_t> kIds{3, 0, 22, 7, 7, 15, 1, 9, 4, 12, 19};

torch::Tensor modelLogits(GptNeoX& model) {
    torch::NoGradGuard no_grad;
    model->eval();
    return model->forward(torch::tensor(kIds, torch::kInt64).unsqueeze(0)).squeeze(0);
}

double maxDiff(const torch::Tensor& a, const torch::Tensor& b) {
    return (a.to(torch::kFloat64) - b.to(torch::kFloat64)).abs().max().item<double>();
}

void randomize(GptNeoX& model, uint64_t seed) {
    torch::manual_seed(seed);
    torch::NoGradGuard no_grad;
    for (auto& p : model->parameters())
        p.copy_(torch::randn_like(p) * 0.3);
}

}  // namespace

class HfImportTest : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { torch::set_num_threads(1); }

    void gpt2LogitsMatchReference() {
        QTemporaryDir tmp;
        const Weights w = gpt2Weights();
        RefShape s;
        s.heads = kHeads;
        s.layers = kLayers;
        const auto ref = gpt2Reference(w, s, kIds);
        // Sanity of the reference itself: the logits are not degenerate.
        QVERIFY(ref.abs().max().item<double>() > 0.5);
        for (auto dtype : {torch::kFloat32, torch::kFloat16, torch::kBFloat16}) {
            const std::string dir = tmp.path().toStdString() + "/gpt2-" + c10::toString(dtype);
            writeCheckpoint(dir, gpt2Config(), w, dtype);
            GptNeoX model = loadHfModel(dir);
            QCOMPARE(model->config().architecture, std::string("gpt2"));
            QVERIFY(model->config().tie_word_embeddings);
            const double d = maxDiff(modelLogits(model), ref);
            qInfo("GPT-2 %s: max |logit - reference| = %.3g", c10::toString(dtype), d);
            QVERIFY2(d < 1e-5, std::to_string(d).c_str());
        }
    }

    void gpt2WithoutTransformerPrefixAndWithBuffers() {
        // The original gpt2 repository stores GPT2Model names (no "transformer." prefix), and
        // older checkpoints carry the attn.bias mask buffer: both load.
        QTemporaryDir tmp;
        const Weights w = gpt2Weights();
        Weights bare;
        for (const auto& [k, v] : w)
            bare[k.substr(std::string("transformer.").size())] = v;
        bare["h.0.attn.bias"] = torch::ones({1, 1, kPositions, kPositions});
        const std::string dir = tmp.path().toStdString() + "/bare";
        writeCheckpoint(dir, gpt2Config(), bare);
        GptNeoX model = loadHfModel(dir);
        RefShape s;
        s.heads = kHeads;
        s.layers = kLayers;
        QVERIFY(maxDiff(modelLogits(model), gpt2Reference(w, s, kIds)) < 1e-5);
    }

    void gpt2CacheAndLeftPaddingGiveTheSameLogits() {
        // Learned positions follow the same rules as rotary ones: token by token through the
        // KV cache, and a left-padded row, give the logits of the plain forward.
        QTemporaryDir tmp;
        const std::string dir = tmp.path().toStdString() + "/g";
        writeCheckpoint(dir, gpt2Config(), gpt2Weights());
        GptNeoX model = loadHfModel(dir);
        const auto full = modelLogits(model);
        torch::NoGradGuard no_grad;
        KVCache cache;
        for (size_t i = 0; i < kIds.size(); ++i) {
            auto step =
                model->forward(torch::tensor({kIds[i]}, torch::kInt64).view({1, 1}), {}, &cache);
            QVERIFY(maxDiff(step.view({-1}), full[static_cast<int64_t>(i)]) < 1e-5);
        }
        std::vector<int64_t> padded{0, 0, 0};
        padded.insert(padded.end(), kIds.begin(), kIds.end());
        auto mask = torch::ones({1, static_cast<int64_t>(padded.size())}, torch::kBool);
        mask.narrow(1, 0, 3).fill_(false);
        auto out = model->forward(torch::tensor(padded, torch::kInt64).unsqueeze(0), mask);
        QVERIFY(maxDiff(out.squeeze(0).narrow(0, 3, static_cast<int64_t>(kIds.size())), full) <
                1e-5);
    }

    void neoxLogitsMatchReference() {
        QTemporaryDir tmp;
        const Weights w = neoxWeights();
        for (bool parallel : {true, false}) {
            RefShape s;
            s.heads = kHeads;
            s.layers = kLayers;
            s.rotary_dims = 2;
            s.rotary_base = 100.0;
            s.parallel = parallel;
            const auto ref = neoxReference(w, s, kIds);
            const std::string dir = tmp.path().toStdString() + "/neox" + (parallel ? "p" : "s");
            writeCheckpoint(dir, neoxConfig(parallel), w, torch::kBFloat16);
            GptNeoX model = loadHfModel(dir);
            QCOMPARE(model->config().rotaryDims(), int64_t(2));
            const double d = maxDiff(modelLogits(model), ref);
            qInfo("GPT-NeoX parallel=%d: max |logit - reference| = %.3g", parallel, d);
            QVERIFY2(d < 1e-5, std::to_string(d).c_str());
        }
    }

    void exportedGpt2IsWhatTheReferenceReads() {
        // Export layout checked independently: the reference forward over the exported
        // tensors gives the model's logits.
        QTemporaryDir tmp;
        ModelConfig c;
        c.vocab_size = kVocab;
        c.hidden_size = kHidden;
        c.num_heads = kHeads;
        c.num_layers = kLayers;
        c.intermediate_size = kInner;
        c.max_positions = kPositions;
        c.makeGpt2();
        GptNeoX model(c);
        randomize(model, 3);
        const std::string dir = tmp.path().toStdString() + "/out";
        saveHfModel(model, dir, {});
        SafetensorsFile f = loadSafetensors(dir + "/model.safetensors");
        Weights w(f.tensors.begin(), f.tensors.end());
        QVERIFY(w.count("lm_head.weight") == 0);  // tied: transformers re-ties it
        QVERIFY(w.count("transformer.h.1.attn.c_attn.weight") == 1);
        RefShape s;
        s.heads = kHeads;
        s.layers = kLayers;
        QVERIFY(maxDiff(modelLogits(model), gpt2Reference(w, s, kIds)) < 1e-5);
        // config.json is a GPT2Config transformers reads.
        std::ifstream in(dir + "/config.json");
        auto j = nlohmann::json::parse(in);
        QCOMPARE(j["model_type"].get<std::string>(), std::string("gpt2"));
        QCOMPARE(j["architectures"][0].get<std::string>(), std::string("GPT2LMHeadModel"));
        QCOMPARE(j["n_embd"].get<int64_t>(), kHidden);
        QCOMPARE(j["n_inner"].get<int64_t>(), kInner);
    }

    void roundTripF32IsBitExact() {
        for (bool gpt2 : {false, true}) {
            for (int64_t shard : {int64_t(0), int64_t(3000)}) {
                QTemporaryDir tmp;
                ModelConfig c = ModelConfig::named("micro", 50);
                c.num_layers = 2;
                c.max_positions = 32;
                if (gpt2)
                    c.makeGpt2();
                GptNeoX model(c);
                randomize(model, 5);
                const std::string dir = tmp.path().toStdString() + "/out";
                HfSaveOptions o;
                o.shard_bytes = shard;
                saveHfModel(model, dir, o);
                QCOMPARE(fs::exists(dir + "/model.safetensors.index.json"), shard > 0);
                GptNeoX back = loadHfModel(dir);
                auto a = namedWeights(model), b = namedWeights(back);
                QCOMPARE(a.size(), b.size());
                for (size_t i = 0; i < a.size(); ++i) {
                    QCOMPARE(a[i].first, b[i].first);
                    QVERIFY2(torch::equal(a[i].second, b[i].second), a[i].first.c_str());
                }
            }
        }
    }

    void roundTripHalfDtypesEqualTheRounding() {
        for (auto dtype : {torch::kFloat16, torch::kBFloat16}) {
            QTemporaryDir tmp;
            ModelConfig c = ModelConfig::named("micro", 40);
            c.num_layers = 1;
            c.max_positions = 16;
            GptNeoX model(c);
            randomize(model, 9);
            const std::string dir = tmp.path().toStdString() + "/out";
            HfSaveOptions o;
            o.dtype = dtype;
            o.shard_bytes = 40000;
            saveHfModel(model, dir, o);
            std::ifstream in(dir + "/config.json");
            QCOMPARE(nlohmann::json::parse(in)["torch_dtype"].get<std::string>(),
                     std::string(dtype == torch::kFloat16 ? "float16" : "bfloat16"));
            auto raw = readHfTensors(dir);
            QCOMPARE(raw.at("gpt_neox.embed_in.weight").tensor.scalar_type(), dtype);
            GptNeoX back = loadHfModel(dir);
            auto a = namedWeights(model), b = namedWeights(back);
            for (size_t i = 0; i < a.size(); ++i) {
                auto rounded = a[i].second.detach().to(dtype).to(torch::kFloat32);
                QVERIFY2(torch::equal(rounded, b[i].second), a[i].first.c_str());
            }
            // Values exactly representable survive unchanged.
            {
                torch::NoGradGuard g;
                for (auto& p : model->parameters())
                    p.copy_(p.to(dtype).to(torch::kFloat32));
            }
            saveHfModel(model, dir, o);
            GptNeoX again = loadHfModel(dir);
            auto x = namedWeights(model), y = namedWeights(again);
            for (size_t i = 0; i < x.size(); ++i)
                QVERIFY(torch::equal(x[i].second, y[i].second));
        }
    }

    void shardedBf16CheckpointLoads() {
        QTemporaryDir tmp;
        const Weights w = neoxWeights();
        const std::string dir = tmp.path().toStdString() + "/sharded";
        fs::create_directories(dir);
        writeJson(dir + "/config.json", neoxConfig(true));
        // Hand-made shards: layer 0 in one file, everything else in the other.
        std::vector<std::pair<std::string, torch::Tensor>> a, b;
        nlohmann::json map;
        for (const auto& [k, v] : w) {
            const bool first = contains(k, "layers.0.");
            (first ? a : b).emplace_back(k, v.to(torch::kBFloat16));
            map[k] =
                first ? "model-00001-of-00002.safetensors" : "model-00002-of-00002.safetensors";
        }
        saveSafetensors(dir + "/model-00001-of-00002.safetensors", a);
        saveSafetensors(dir + "/model-00002-of-00002.safetensors", b);
        writeJson(dir + "/model.safetensors.index.json",
                  {{"metadata", {{"total_size", 0}}}, {"weight_map", map}});
        GptNeoX model = loadHfModel(dir);
        for (const auto& [name, p] : namedWeights(model))
            QVERIFY2(torch::equal(p, w.at(name)), name.c_str());
        RefShape s;
        s.heads = kHeads;
        s.layers = kLayers;
        s.rotary_dims = 2;
        s.rotary_base = 100.0;
        QVERIFY(maxDiff(modelLogits(model), neoxReference(w, s, kIds)) < 1e-5);

        // A shard named by the index is missing.
        fs::remove(dir + "/model-00002-of-00002.safetensors");
        const std::string m = messageOf<InputError>([&] { loadHfModel(dir); });
        QVERIFY2(
            contains(m, "shard 'model-00002-of-00002.safetensors' listed in the index is missing"),
            m.c_str());
        QVERIFY2(contains(m, "model.safetensors.index.json (weight_map."), m.c_str());
    }

    void missingTensorIsNamed() {
        QTemporaryDir tmp;
        Weights w = gpt2Weights();
        w.erase("transformer.h.1.mlp.c_fc.bias");
        const std::string dir = tmp.path().toStdString() + "/m";
        writeCheckpoint(dir, gpt2Config(), w);
        const std::string m = messageOf<InputError>([&] { loadHfModel(dir); });
        QVERIFY2(
            contains(m, "tensor 'transformer.h.1.mlp.c_fc.bias' is missing (expected shape [20]"),
            m.c_str());
    }

    void wrongShapeNamesTensorExpectedAndFound() {
        QTemporaryDir tmp;
        Weights w = gpt2Weights();
        // An untransposed (Linear-layout) c_fc: [inner, hidden] instead of Conv1D [hidden, inner].
        w["transformer.h.0.mlp.c_fc.weight"] =
            w["transformer.h.0.mlp.c_fc.weight"].t().contiguous();
        const std::string dir = tmp.path().toStdString() + "/s";
        writeCheckpoint(dir, gpt2Config(), w);
        const std::string m = messageOf<InputError>([&] { loadHfModel(dir); });
        QVERIFY2(contains(m,
                          "model.safetensors: tensor 'transformer.h.0.mlp.c_fc.weight' has shape "
                          "[20, 12], expected [12, 20]"),
                 m.c_str());
    }

    void unexpectedTensorIsNamed() {
        QTemporaryDir tmp;
        Weights w = neoxWeights();
        w["gpt_neox.layers.2.attention.dense.weight"] = torch::zeros({kHidden, kHidden});
        const std::string dir = tmp.path().toStdString() + "/u";
        writeCheckpoint(dir, neoxConfig(true), w);
        const std::string m = messageOf<InputError>([&] { loadHfModel(dir); });
        QVERIFY2(contains(m, "unexpected tensor 'gpt_neox.layers.2.attention.dense.weight'"),
                 m.c_str());
    }

    void unknownArchitectureIsNamed() {
        QTemporaryDir tmp;
        const std::string dir = tmp.path().toStdString() + "/a";
        nlohmann::json c = neoxConfig(true);
        c["model_type"] = "llama";
        writeCheckpoint(dir, c, neoxWeights());
        const std::string m = messageOf<InputError>([&] { loadHfModel(dir); });
        QVERIFY2(contains(m, "config.json (model_type)") &&
                     contains(m, "unknown architecture \"llama\""),
                 m.c_str());
    }

    void truncatedFileIsNamed() {
        QTemporaryDir tmp;
        const std::string dir = tmp.path().toStdString() + "/t";
        writeCheckpoint(dir, neoxConfig(true), neoxWeights());
        const std::string file = dir + "/model.safetensors";
        fs::resize_file(file, fs::file_size(file) - 100);
        const std::string m = messageOf<InputError>([&] { loadHfModel(dir); });
        QVERIFY2(contains(m, file) && contains(m, "truncated"), m.c_str());
    }

    void noCheckpointOrOnlyPytorchBin() {
        QTemporaryDir tmp;
        const std::string dir = tmp.path().toStdString() + "/b";
        fs::create_directories(dir);
        writeJson(dir + "/config.json", neoxConfig(true));
        std::string m = messageOf<InputError>([&] { loadHfModel(dir); });
        QVERIFY2(contains(m, "no model.safetensors or model.safetensors.index.json"), m.c_str());
        std::ofstream(dir + "/pytorch_model.bin") << "x";
        m = messageOf<InputError>([&] { loadHfModel(dir); });
        QVERIFY2(contains(m, "only pytorch_model.bin found"), m.c_str());
        fs::remove(dir + "/config.json");
        m = messageOf<InputError>([&] { loadHfModel(dir); });
        QVERIFY2(contains(m, "config.json: missing"), m.c_str());
    }

    // Sizes config.json claims are checked before the model is built (issue #17): against a
    // limit, and against what the weights hold (their safetensors headers), naming the key.
    void claimedSizesAreCheckedBeforeTheModelIsBuilt() {
        QTemporaryDir tmp;
        struct Case {
            bool gpt2;
            const char* key;
            int64_t value;
            std::string expected;
        };
        const Case cases[] = {
            {false, "num_hidden_layers", 1000, "(num_hidden_layers): claims 1000 layers but "},
            {false, "hidden_size", 12000, "(hidden_size): claims 12000 hidden units but "},
            {false, "vocab_size", 10000000, "(vocab_size): claims 10000000 tokens but "},
            {false, "intermediate_size", 200000, "(intermediate_size): claims 200000 MLP units"},
            {true, "n_layer", 1000, "(n_layer): claims 1000 layers but "},
            {true, "n_positions", 500000, "(n_positions): claims 500000 positions but "},
            {false, "num_hidden_layers", 100000000,
             "(num_hidden_layers): claims 100000000 layers, more than the limit of 1024"},
            {false, "max_position_embeddings", 1000000000000,
             "(max_position_embeddings): claims 1000000000000 positions, more than the limit"},
            {true, "n_embd", int64_t(1) << 40, "(n_embd): claims 1099511627776 hidden units, "},
        };
        int i = 0;
        for (const Case& c : cases) {
            const std::string dir = tmp.path().toStdString() + "/c" + std::to_string(i++);
            nlohmann::json config = c.gpt2 ? gpt2Config() : neoxConfig(true);
            config[c.key] = c.value;
            writeCheckpoint(dir, config, c.gpt2 ? gpt2Weights() : neoxWeights());
            const std::string m = messageOf<InputError>([&] { loadHfModel(dir); });
            QVERIFY2(contains(m, dir + "/config.json " + c.expected), m.c_str());
            QVERIFY2(contains(m, "refused before building the model"), m.c_str());
            if (contains(c.expected, " but "))  // compared with the weights: names the file
                QVERIFY2(contains(m, " but " + dir + "/model.safetensors holds "), m.c_str());
        }
        // The weights as claimed load (a tied checkpoint may hold more than it claims).
        const std::string ok = tmp.path().toStdString() + "/ok";
        writeCheckpoint(ok, neoxConfig(true), neoxWeights());
        QCOMPARE(loadHfModel(ok)->config().num_layers, kLayers);
    }

    // NaN and Inf weights are named with their counts where a model is imported.
    void nonFiniteWeightsAreNamedWithTheirCounts() {
        QTemporaryDir tmp;
        Weights w = neoxWeights();
        auto& mlp = w["gpt_neox.layers.1.mlp.dense_h_to_4h.weight"];
        mlp[0][0] = std::nan("");
        mlp[3][5] = std::nan("");
        mlp[7][1] = INFINITY;
        w["embed_out.weight"][2][2] = -INFINITY;
        const std::string dir = tmp.path().toStdString() + "/n";
        writeCheckpoint(dir, neoxConfig(true), w);
        GptNeoX model = loadHfModel(dir);
        const auto bad = nonFiniteWeights(model, true);
        QCOMPARE(bad.size(), std::size_t(2));
        const std::string m =
            messageOf<InputError>([&] { requireFiniteWeights(model, dir, true); });
        QVERIFY2(contains(m, dir + ": the model has non-finite weights: tensor "
                                   "'gpt_neox.layers.1.mlp.dense_h_to_4h.weight' has 2 NaN and 1 "
                                   "Inf of 240 values"),
                 m.c_str());
        QVERIFY2(contains(m, "tensor 'embed_out.weight' has 0 NaN and 1 Inf of 276 values"),
                 m.c_str());
        // GPT-2's names are its own.
        Weights g = gpt2Weights();
        g["transformer.h.0.attn.c_proj.weight"][1][1] = std::nan("");
        const std::string gdir = tmp.path().toStdString() + "/g";
        writeCheckpoint(gdir, gpt2Config(), g);
        GptNeoX gm = loadHfModel(gdir);
        const std::string gmsg =
            messageOf<InputError>([&] { requireFiniteWeights(gm, gdir, true); });
        QVERIFY2(contains(gmsg, "tensor 'transformer.h.0.attn.c_proj.weight' has 1 NaN"),
                 gmsg.c_str());
        // A finite model passes.
        const std::string fdir = tmp.path().toStdString() + "/f";
        writeCheckpoint(fdir, neoxConfig(true), neoxWeights());
        GptNeoX fine = loadHfModel(fdir);
        QVERIFY(nonFiniteWeights(fine, true).empty());
        requireFiniteWeights(fine, fdir, true);
    }
};

RGPB_TEST_MAIN(HfImportTest)
}  // namespace rgpb_test_hf_import
#include "test_hf_import.moc"
