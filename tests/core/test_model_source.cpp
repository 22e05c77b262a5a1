// model.from names a Hugging Face folder, a run folder or one checkpoint of a run: what each
// resolves to (the newest complete checkpoint, the run of a checkpoint, the run's tokenizer)
// and the errors for folders that are none of them, read by the config parser at the key's
// file:line:column. Torch-free: the run folders here are empty files in the right places (the
// weights themselves are loaded and checked in tests/core/test_text_data.cpp).
#include <QtTest>

#include "tests/support/TestMain.h"

#include <QTemporaryDir>
#include <filesystem>
#include <fstream>
#include <string>

#include "core/config/InputPaths.h"
#include "core/config/RunConfig.h"
#include "core/tokenizer/ByteTokenizer.h"
#include "core/train/ModelSource.h"
#include "core/util/Error.h"
#include "tests/support/ErrorText.h"

// This file's code has its own namespace: the group's tests build as one unity batch.
namespace rgpb_test_model_source {

using namespace rgpb;
using rgpb::test::contains;
using rgpb::test::messageOf;
namespace fs = std::filesystem;

namespace {

// A checkpoint folder as saveCheckpoint() leaves it; `complete` = with its state.json, which
// a checkpoint writes last.
void writeCheckpointFolder(const fs::path& run, const std::string& step, bool complete) {
    const fs::path dir = run / "checkpoints" / step;
    fs::create_directories(dir);
    std::ofstream(dir / "model.safetensors") << "weights";
    if (complete)
        std::ofstream(dir / "state.json") << "{\"step\": 1}";
}

// A run folder: config.yaml, the saved byte tokenizer, no checkpoint yet.
fs::path writeRunFolder(const fs::path& run) {
    fs::create_directories(run);
    RunConfig c;
    c.stages.push_back(StageConfig{});
    c.stages[0].objective = ObjectiveSpec::single(ObjectiveKind::Mle);
    c.stages[0].steps = 1;
    std::ofstream(run / "config.yaml") << toYaml(c);
    ByteTokenizer().save((run / "tokenizer").string());
    return run;
}

std::string configFrom(const std::string& from, const std::string& model_extra = "") {
    return "name: next\nstages: [{method: dpo, steps: 2}]\nmodel:\n  from: " + from + "\n" +
           model_extra;
}

}  // namespace

class TestModelSource : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void aRunFolderStartsFromItsNewestCompleteCheckpoint() {
        QTemporaryDir tmp;
        const fs::path run = writeRunFolder(fs::path(tmp.path().toStdString()) / "base");
        writeCheckpointFolder(run, "step-00000009", true);
        writeCheckpointFolder(run, "step-00000010", true);
        writeCheckpointFolder(run, "step-00000012", false);  // being written: not complete
        writeCheckpointFolder(run, "step-00000011.partial", true);
        const std::string newest = (run / "checkpoints" / "step-00000010").string();
        QCOMPARE(latestCheckpoint(run.string()), newest);
        const ModelSource s = resolveModelSource(run.string() + "/");
        QVERIFY(s.kind == ModelSourceKind::Run);
        QCOMPARE(s.run.run_dir, run.string());
        QCOMPARE(s.run.checkpoint, newest);
        QCOMPARE(s.weightsFile(), newest + "/model.safetensors");
        QCOMPARE(s.configYaml(), (run / "config.yaml").string());
        QCOMPARE(s.tokenizerDir(), (run / "tokenizer").string());
        QCOMPARE(loadSourceTokenizer(s)->kind(), std::string("byte"));

        // Parsed: absolute, the tokenizer is the run's, and the resolved config keeps the path.
        const fs::path cwd = fs::current_path();
        fs::current_path(tmp.path().toStdString());
        RunConfig c;
        try {
            c = parseRunConfig(configFrom("base/"), "next.yaml");
        } catch (...) {
            fs::current_path(cwd);
            throw;
        }
        fs::current_path(cwd);
        QCOMPARE(c.model.from, run.string());
        QCOMPARE(c.tokenizer.kind, std::string("model"));
        QVERIFY(contains(toYaml(c), "from: " + run.string()));
        QCOMPARE(toYaml(parseRunConfig(toYaml(c), "again.yaml")), toYaml(c));
        QVERIFY(inputPathProblems(c).empty());
    }

    void aCheckpointFolderStartsFromThatCheckpoint() {
        QTemporaryDir tmp;
        const fs::path run = writeRunFolder(fs::path(tmp.path().toStdString()) / "base");
        writeCheckpointFolder(run, "step-00000004", true);
        writeCheckpointFolder(run, "step-00000008", true);
        const std::string older = (run / "checkpoints" / "step-00000004").string();
        const ModelSource s = resolveModelSource(older);
        QVERIFY(s.kind == ModelSourceKind::Checkpoint);
        QCOMPARE(s.run.checkpoint, older);  // not the newest: the one named
        QCOMPARE(s.run.run_dir, run.string());
        QCOMPARE(s.tokenizerDir(), (run / "tokenizer").string());
        const RunConfig c = parseRunConfig(configFrom(older), "next.yaml");
        QCOMPARE(c.model.from, older);
        // `rgpb eval|sample|gradlab measure RUN_DIR|CHECKPOINT` read the same way.
        QCOMPARE(resolveRunCheckpoint(older).run_dir, run.string());
        QCOMPARE(resolveRunCheckpoint(run.string()).checkpoint,
                 (run / "checkpoints" / "step-00000008").string());
    }

    void foldersThatCannotStartARunAreNamedAtTheKey() {
        QTemporaryDir tmp;
        const fs::path root(tmp.path().toStdString());
        // A run that has not written a complete checkpoint.
        const fs::path fresh = writeRunFolder(root / "fresh");
        writeCheckpointFolder(fresh, "step-00000003", false);
        std::string m =
            messageOf<InputError>([&] { parseRunConfig(configFrom(fresh.string()), "next.yaml"); });
        QVERIFY2(contains(m, "next.yaml:4:9: model.from: '" + fresh.string() +
                                 "' is a run folder without a complete checkpoint (expected " +
                                 (fresh / "checkpoints").string() + "/step-N/ with state.json"),
                 m.c_str());
        m = messageOf<InputError>([&] { resolveRunCheckpoint(fresh.string()); });
        QVERIFY2(contains(m, fresh.string() + ": a run folder without a complete checkpoint"),
                 m.c_str());
        // A run whose tokenizer is gone: refused before a run starts (at the key as well).
        const fs::path bare = writeRunFolder(root / "bare");
        writeCheckpointFolder(bare, "step-00000001", true);
        fs::remove_all(bare / "tokenizer");
        const std::string text = configFrom(bare.string());
        m = messageOf<InputError>(
            [&] { requireInputPaths(parseRunConfig(text, "next.yaml"), "next.yaml", text); });
        QVERIFY2(contains(m, "next.yaml:4:9: model.from: '" + bare.string() +
                                 "' is part of a run whose "
                                 "tokenizer is missing (expected " +
                                 (bare / "tokenizer" / "rgpb_tokenizer.json").string() + ")"),
                 m.c_str());
        // A checkpoint folder copied out of its run.
        writeCheckpointFolder(root / "loose", "step-00000001", true);
        const std::string loose = (root / "loose" / "checkpoints" / "step-00000001").string();
        m = messageOf<InputError>([&] { parseRunConfig(configFrom(loose), "next.yaml"); });
        QVERIFY2(contains(m, "is a checkpoint folder outside a run folder") &&
                     contains(m, (root / "loose" / "config.yaml").string()),
                 m.c_str());
        // A folder of none of the three kinds, and a shape key beside a run.
        m = messageOf<InputError>([&] { parseRunConfig(configFrom(root.string()), "next.yaml"); });
        QVERIFY2(contains(m,
                          "has no config.json (expected a Hugging Face model folder "
                          "(config.json), a run folder (config.yaml) or a checkpoint folder"),
                 m.c_str());
        writeCheckpointFolder(fresh, "step-00000002", true);
        m = messageOf<InputError>(
            [&] { parseRunConfig(configFrom(fresh.string(), "  num_layers: 2\n"), "next.yaml"); });
        QVERIFY2(contains(m, "next.yaml:5:15: model.num_layers: not allowed with model.from"),
                 m.c_str());
        m = messageOf<InputError>([&] {
            parseRunConfig(configFrom(fresh.string()) + "tokenizer: {kind: byte}\n", "n.yaml");
        });
        QVERIFY2(contains(m, "tokenizer.kind: model.from brings its own tokenizer"), m.c_str());
    }
};

RGPB_TEST_MAIN(TestModelSource)
}  // namespace rgpb_test_model_source
#include "test_model_source.moc"
