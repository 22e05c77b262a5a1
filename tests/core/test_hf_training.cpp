// A run that starts from a Hugging Face folder (model.from): the config keys and their errors
// (file:line:col), training a few steps from the folder's weights with its tokenizer (GPT-NeoX
// and GPT-2), import-hf of a folder, and export-hf of the run (bit-exact with its checkpoint,
// tokenizer files included).
#include <torch/torch.h>

#include <QtTest>

#include "tests/support/TestMain.h"

#include <QTemporaryDir>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>

#include "core/config/RunConfig.h"
#include "core/model/HfImport.h"
#include "core/model/Safetensors.h"
#include "core/run/RunStore.h"
#include "core/tokenizer/BpeTokenizer.h"
#include "core/tokenizer/ByteTokenizer.h"
#include "core/tokenizer/TokenizerFactory.h"
#include "core/train/Checkpoint.h"
#include "core/train/Evaluation.h"
#include "core/train/HfRunExport.h"
#include "core/train/Trainer.h"
#include "core/util/Error.h"
#include "tests/support/ErrorText.h"

// This file's code has its own namespace: the group's tests build as one unity batch.
namespace rgpb_test_hf_training {

using namespace rgpb;
using rgpb::test::messageOf;
namespace fs = std::filesystem;

namespace {

const std::string kFixture = std::string(RGPB_TEST_DATA_DIR) + "/tokenizer/tiny_bpe.json";

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

// A small Hugging Face folder: random weights, the tiny BPE fixture as tokenizer.json.
std::string writeHfFolder(const std::string& dir, bool gpt2) {
    ModelConfig c;
    c.vocab_size = 280;  // > the tokenizer's 272 ids, as Pythia pads its vocabulary
    c.hidden_size = 32;
    c.num_heads = 4;
    c.num_layers = 2;
    c.intermediate_size = 64;
    c.max_positions = gpt2 ? 128 : 64;
    if (gpt2)
        c.makeGpt2();
    torch::manual_seed(21);
    GptNeoX model(c);
    HfSaveOptions o;
    o.dtype = torch::kBFloat16;
    o.shard_bytes = 20000;  // sharded, to go through the index on the way in
    saveHfModel(model, dir, o);
    fs::copy_file(kFixture, dir + "/tokenizer.json");
    return dir;
}

std::string config(const std::string& model_yaml, const std::string& extra = "") {
    return "name: hf\nseed: 3\nthreads: 2\n"
           "data: {synthetic: {count: 60}, eval_pairs: 8, max_length: 96, max_prompt_length: 64}\n"
           "model: " +
           model_yaml + "\n" + extra +
           "optimizer: {lr: 1.0e-12, warmup_steps: 0, batch_size: 4}\n"
           "eval: {every: 0, batch_size: 8}\n"
           "stages:\n  - {method: mle, steps: 3}\n";
}

struct Quiet : TrainingObserver {
    std::string failure;
    void onFailed(const RunSummary& s) override { failure = s.reason; }
};

}  // namespace

class HfTrainingTest : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { torch::set_num_threads(2); }

    void configKeysAndErrors() {
        QTemporaryDir tmp;
        const std::string hf = writeHfFolder(tmp.path().toStdString() + "/hf", false);
        RunConfig c = parseRunConfig(config("{from: " + hf + "}"), "a.yaml");
        QCOMPARE(c.model.from, fs::path(hf).lexically_normal().string());
        QCOMPARE(c.tokenizer.kind, std::string("model"));
        // The resolved config round-trips.
        QCOMPARE(toYaml(parseRunConfig(toYaml(c), "b.yaml")), toYaml(c));

        std::string m = messageOf<InputError>([&] {
            parseRunConfig(config("{from: " + hf + "}", "tokenizer: {kind: byte}\n"), "a.yaml");
        });
        QVERIFY2(contains(m, "a.yaml:6:") &&
                     contains(m, "tokenizer.kind: model.from brings its own tokenizer"),
                 m.c_str());
        m = messageOf<InputError>(
            [&] { parseRunConfig(config("{from: /nonexistent/x}"), "a.yaml"); });
        QVERIFY2(
            contains(m, "a.yaml:5:") && contains(m, "model.from: '/nonexistent/x' is not a folder"),
            m.c_str());
        m = messageOf<InputError>(
            [&] { parseRunConfig(config("{from: " + tmp.path().toStdString() + "}"), "a.yaml"); });
        QVERIFY2(contains(m, "has no config.json"), m.c_str());
        m = messageOf<InputError>(
            [&] { parseRunConfig(config("{from: " + hf + ", size: tiny}"), "a.yaml"); });
        QVERIFY2(contains(m, "model.size: not allowed with model.from"), m.c_str());
        m = messageOf<InputError>([&] {
            parseRunConfig(config("{size: micro}", "tokenizer: {kind: model}\n"), "a.yaml");
        });
        QVERIFY2(contains(m, "'model' (the model's own tokenizer) needs model.from"), m.c_str());
        // architecture for models made from scratch.
        RunConfig g = parseRunConfig(config("{size: micro, architecture: gpt2}"), "a.yaml");
        ModelConfig mc = modelShapeFor(g, ByteTokenizer()).decoderOnly();
        QCOMPARE(mc.architecture, std::string("gpt2"));
        QVERIFY(mc.learned_positions && mc.tie_word_embeddings);
    }

    void trainsFromTheFolderWithItsTokenizer() {
        for (bool gpt2 : {false, true}) {
            QTemporaryDir tmp;
            const std::string hf = writeHfFolder(tmp.path().toStdString() + "/hf", gpt2);
            const std::string run_dir = tmp.path().toStdString() + "/run";
            TrainerOptions o;
            o.run_dir = run_dir;
            Trainer trainer(parseRunConfig(config("{from: " + hf + "}"), "t.yaml"), o);
            Quiet q;
            RunControl control;
            RunSummary s = trainer.run(q, control);
            QVERIFY2(s.status == RunStatus::Finished,
                     (std::string(runStatusName(s.status)) + ": " + q.failure).c_str());
            QCOMPARE(s.step, int64_t(3));

            // The run's tokenizer is the folder's.
            auto tok = loadTokenizer(run_dir + "/tokenizer");
            QCOMPARE(tok->kind(), std::string("bpe"));
            QCOMPARE(tok->specials().pad, 271);

            // It started from the folder's weights: with lr 1e-12 three AdamW steps move no
            // weight by more than ~3e-12.
            LoadedRun run = loadRun(run_dir, torch::kCPU);
            GptNeoX start = loadHfModel(hf);
            QCOMPARE(run.model.shape().architecture(), std::string(gpt2 ? "gpt2" : "gpt_neox"));
            auto a = run.model.namedWeights(), b = namedWeights(start);
            QCOMPARE(a.size(), b.size());
            for (size_t i = 0; i < a.size(); ++i)
                QVERIFY2(torch::allclose(a[i].second, b[i].second, 0.0, 1e-9), a[i].first.c_str());

            // export-hf of the run: its checkpoint bit for bit, tokenizer files beside.
            const std::string out = tmp.path().toStdString() + "/export";
            exportRunToHf(run_dir, out, {});
            GptNeoX back = loadHfModel(out);
            auto c = namedWeights(back);
            for (size_t i = 0; i < a.size(); ++i)
                QVERIFY2(torch::equal(a[i].second, c[i].second), a[i].first.c_str());
            for (const char* f : {"config.json", "tokenizer.json", "tokenizer_config.json",
                                  "special_tokens_map.json", "generation_config.json"})
                QVERIFY2(fs::exists(out + "/" + f), f);
            std::ifstream in(out + "/config.json");
            auto j = nlohmann::json::parse(in);
            QCOMPARE(j["eos_token_id"].get<int>(), 270);
            QCOMPARE(j["pad_token_id"].get<int>(), 271);
            QVERIFY(loadTokenizerFrom(out)->encode("the cat") ==
                    (std::vector<int32_t>{116, 257, 261}));

            // A step that does not exist is named with the ones that do.
            HfExportOptions bad;
            bad.checkpoint = "step-2";
            const std::string m = messageOf<InputError>([&] { exportRunToHf(run_dir, out, bad); });
            QVERIFY2(contains(m, "no such checkpoint (the run has: step-00000003)"), m.c_str());
        }
    }

    void importMakesARunReadyFolder() {
        QTemporaryDir tmp;
        const std::string hf = writeHfFolder(tmp.path().toStdString() + "/hf", true);
        const std::string out = tmp.path().toStdString() + "/imported";
        ModelConfig c = importHfModel(hf, out).decoderOnly();
        QCOMPARE(c.architecture, std::string("gpt2"));
        // float32, one file, same values as the (bf16) source.
        auto raw = readHfTensors(out);
        QCOMPARE(raw.at("transformer.wte.weight").tensor.scalar_type(), torch::kFloat32);
        QVERIFY(!fs::exists(out + "/model.safetensors.index.json"));
        GptNeoX from_source = loadHfModel(hf), from_import = loadHfModel(out);
        auto a = namedWeights(from_source), b = namedWeights(from_import);
        for (size_t i = 0; i < a.size(); ++i)
            QVERIFY(torch::equal(a[i].second, b[i].second));
        QCOMPARE(loadTokenizerFrom(out)->kind(), std::string("bpe"));
        QVERIFY(fs::exists(out + "/rgpb_tokenizer.json"));
        // A folder without a tokenizer is refused with the reason.
        fs::remove(hf + "/tokenizer.json");
        const std::string m =
            messageOf<InputError>([&] { importHfModel(hf, tmp.path().toStdString() + "/x"); });
        QVERIFY2(contains(m, "the model has no usable tokenizer"), m.c_str());
    }

    void byteRunExportsATokenizerJsonTransformersCanLoad() {
        // A byte-tokenizer run exports an equivalent byte-level BPE tokenizer.json.
        QTemporaryDir tmp;
        const std::string run_dir = tmp.path().toStdString() + "/run";
        TrainerOptions o;
        o.run_dir = run_dir;
        Trainer trainer(parseRunConfig(config("{size: micro, num_layers: 1}"), "t.yaml"), o);
        Quiet q;
        RunControl control;
        QCOMPARE(trainer.run(q, control).status, RunStatus::Finished);
        const std::string out = tmp.path().toStdString() + "/export";
        HfExportOptions e;
        e.dtype = torch::kBFloat16;
        exportRunToHf(run_dir, out, e);
        auto json = BpeTokenizer::loadTokenizerJson(out + "/tokenizer.json");
        auto byte = makeByteTokenizer();
        const std::string text = "Human: hi \xE2\x9C\x93\n\nAssistant: ok";
        QVERIFY(json->encode(text) == byte->encode(text));
        QCOMPARE(loadTokenizerFrom(out)->kind(), std::string("byte"));  // rgpb_tokenizer.json wins
    }
};

RGPB_TEST_MAIN(HfTrainingTest)
}  // namespace rgpb_test_hf_training
#include "test_hf_training.moc"
