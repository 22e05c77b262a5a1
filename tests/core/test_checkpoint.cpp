// Checkpoint integrity (issue #17): every checkpoint carries the size and CRC-32 of its files in
// manifest.json; a flipped byte is refused with the file and what differs; a resume whose newest
// checkpoint is damaged falls back to the previous intact one and says so; with none intact it
// fails with every reason and leaves summary.json as it was; checkpoints without a manifest
// (written before it existed) still load, saying "no checksum" once.
#include <torch/torch.h>

#include <QtTest>

#include "tests/support/TestMain.h"

#include <QTemporaryDir>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>

#include "core/config/RunConfig.h"
#include "core/run/RunStore.h"
#include "core/train/CheckpointManifest.h"
#include "core/train/Evaluation.h"
#include "core/train/ModelSource.h"
#include "core/train/Trainer.h"
#include "core/util/Error.h"

// This file's code has its own namespace: the group's tests build as one unity batch.
namespace rgpb_test_checkpoint {

using namespace rgpb;
namespace fs = std::filesystem;

namespace {

const std::string kYaml =
    "name: ck\nseed: 5\nthreads: 2\n"
    "data: {synthetic: {count: 96, regime: response-contrast}, eval_pairs: 16, max_length: 48, "
    "max_prompt_length: 32}\n"
    "model: {size: micro}\n"
    "optimizer: {lr: 3.0e-3, warmup_steps: 1, batch_size: 8}\n"
    "eval: {every: 0, batch_size: 16}\n"
    "checkpoint: {every: 3, keep_last: 5}\n"
    "stages:\n  - {method: mle, steps: 9}\n";

struct Steps : TrainingObserver {
    std::vector<StepMetrics> steps;
    void onStep(const StepMetrics& m) override { steps.push_back(m); }
};

RunSummary train(const std::string& dir, int64_t stop_after, Steps& steps) {
    TrainerOptions o;
    o.run_dir = dir;
    o.stop_after_step = stop_after;
    Trainer t(parseRunConfig(kYaml, "test.yaml"), o);
    RunControl control;
    return t.run(steps, control);
}

RunSummary resume(const std::string& dir, Steps& steps) {
    auto t = Trainer::resume(dir);
    RunControl control;
    return t->run(steps, control);
}

std::string slurp(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Flips the bits of one byte near the end of `file` (inside the tensor data of a safetensors).
void flipByte(const fs::path& file) {
    std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
    QVERIFY(f.good());
    f.seekg(-5, std::ios::end);
    char c = 0;
    f.read(&c, 1);
    f.seekp(-5, std::ios::end);
    c = static_cast<char>(~c);
    f.write(&c, 1);
    QVERIFY(f.good());
}

fs::path checkpointAt(const std::string& run, int step) {
    char name[32];
    std::snprintf(name, sizeof name, "step-%08d", step);
    return fs::path(run) / "checkpoints" / name;
}

int countOf(const std::string& text, const std::string& what) {
    int n = 0;
    for (auto p = text.find(what); p != std::string::npos; p = text.find(what, p + 1))
        ++n;
    return n;
}

}  // namespace

class TestCheckpoint : public QObject {
    Q_OBJECT

private Q_SLOTS:
    // The CRC-32 check value of "123456789" (the catalogue's CRC-32/ISO-HDLC, gzip's) is
    // cbf43926; the empty file's is 0.
    void checksumIsCrc32OfTheBytes() {
        QTemporaryDir tmp;
        const std::string path = tmp.filePath("f").toStdString();
        std::ofstream(path, std::ios::binary) << "123456789";
        const FileChecksum c = checksumFile(path);
        QCOMPARE(c.bytes, int64_t(9));
        QCOMPARE(c.crc32, uint32_t(0xcbf43926u));
        std::ofstream(path, std::ios::binary | std::ios::trunc);
        QCOMPARE(checksumFile(path).crc32, uint32_t(0));
    }

    // A checkpoint lists every file beside its manifest with the file's size and checksum; a
    // flipped byte is then refused by every loader, naming the file and the two checksums.
    void aFlippedByteIsRefusedWithThePathAndWhatDiffers() {
        QTemporaryDir tmp;
        const std::string run = tmp.filePath("run").toStdString();
        Steps steps;
        QCOMPARE(train(run, 3, steps).status, RunStatus::Cancelled);
        const fs::path ck = checkpointAt(run, 3);
        const auto manifest = nlohmann::json::parse(slurp(ck / kCheckpointManifest));
        for (const char* f : {"model.safetensors", "optimizer.pt", "state.json"}) {
            QVERIFY2(manifest["files"].contains(f), f);
            QCOMPARE(manifest["files"][f]["bytes"].get<int64_t>(),
                     static_cast<int64_t>(fs::file_size(ck / f)));
        }
        QVERIFY(verifyCheckpoint(ck.string()).intact());
        QVERIFY(loadRun(ck.string(), torch::kCPU).model);

        flipByte(ck / "model.safetensors");
        const CheckpointCheck check = verifyCheckpoint(ck.string());
        QVERIFY(check.has_manifest);
        QCOMPARE(check.problems.size(), std::size_t(1));
        const std::string stored = manifest["files"]["model.safetensors"]["crc32"];
        const std::string& p = check.problems.front();
        QVERIFY2(p.find((ck / "model.safetensors").string()) != std::string::npos, p.c_str());
        QVERIFY2(p.find("the manifest says " + stored) != std::string::npos, p.c_str());
        try {
            loadRun(run, torch::kCPU);
            QFAIL("a damaged checkpoint loaded");
        } catch (const InputError& e) {
            const std::string what = e.what();
            QVERIFY2(what.find("damaged checkpoint") != std::string::npos, e.what());
            QVERIFY2(what.find((ck / "model.safetensors").string()) != std::string::npos, e.what());
        }
        // A cut file: its size differs.
        fs::resize_file(ck / "optimizer.pt", fs::file_size(ck / "optimizer.pt") - 1);
        const std::string both = verifyCheckpoint(ck.string()).describe();
        QVERIFY2(both.find("optimizer.pt: ") != std::string::npos &&
                     both.find("bytes, the manifest says") != std::string::npos,
                 both.c_str());
    }

    // The newest checkpoint (step 6) damaged: the resume continues from step 3, says so, and
    // trains exactly the steps an uninterrupted run trains from there.
    void aResumeFallsBackToThePreviousIntactCheckpoint() {
        QTemporaryDir tmp;
        Steps full;
        QCOMPARE(train(tmp.filePath("full").toStdString(), 0, full).status, RunStatus::Finished);
        QCOMPARE(full.steps.size(), std::size_t(9));

        const std::string run = tmp.filePath("run").toStdString();
        Steps part;
        QCOMPARE(train(run, 6, part).status, RunStatus::Cancelled);
        flipByte(checkpointAt(run, 6) / "model.safetensors");
        Steps rest;
        const RunSummary s = resume(run, rest);
        QCOMPARE(s.status, RunStatus::Finished);
        QCOMPARE(rest.steps.front().step, int64_t(4));
        QCOMPARE(rest.steps.size(), std::size_t(6));
        for (const StepMetrics& m : rest.steps) {
            const StepMetrics& x = full.steps[static_cast<std::size_t>(m.step - 1)];
            QVERIFY2(std::abs(x.loss - m.loss) < 1e-6,
                     qPrintable(QString("step %1: %2 vs %3").arg(m.step).arg(x.loss).arg(m.loss)));
        }
        const std::string log = slurp(fs::path(run) / "train.log");
        QVERIFY2(log.find("resuming from the older checkpoint " + checkpointAt(run, 3).string()) !=
                     std::string::npos,
                 log.c_str());
        QVERIFY2(
            log.find("cannot resume from " + checkpointAt(run, 6).string()) != std::string::npos,
            log.c_str());
        QCOMPARE(readSummary(run).step, int64_t(9));
    }

    // No intact checkpoint: the resume fails with each checkpoint's reason, and the run's
    // summary.json is byte for byte what it was (not "failed, step 0, no metrics").
    void aResumeWithNoIntactCheckpointFailsAndKeepsTheSummary() {
        QTemporaryDir tmp;
        const std::string run = tmp.filePath("run").toStdString();
        Steps part;
        QCOMPARE(train(run, 6, part).status, RunStatus::Cancelled);
        flipByte(checkpointAt(run, 3) / "model.safetensors");
        flipByte(checkpointAt(run, 6) / "model.safetensors");
        const std::string before = slurp(fs::path(run) / "summary.json");
        Steps rest;
        const RunSummary s = resume(run, rest);
        QCOMPARE(s.status, RunStatus::Failed);
        QVERIFY(rest.steps.empty());
        for (int step : {3, 6}) {
            const std::string file = (checkpointAt(run, step) / "model.safetensors").string();
            QVERIFY2(s.reason.find(file + ": crc32") != std::string::npos, s.reason.c_str());
        }
        QVERIFY2(
            s.reason.find("no intact checkpoint to resume from (2 tried)") != std::string::npos,
            s.reason.c_str());
        QCOMPARE(slurp(fs::path(run) / "summary.json"), before);
        const RunSummary kept = readSummary(run);
        QCOMPARE(kept.status, RunStatus::Cancelled);
        QCOMPARE(kept.step, int64_t(6));
        QVERIFY(!fs::exists(fs::path(run) / "run.lock"));
        const std::string log = slurp(fs::path(run) / "train.log");
        QVERIFY2(log.find("summary.json is left as it was") != std::string::npos, log.c_str());
    }

    // A checkpoint from before manifests: loads, and the log says "no checksum" once.
    void aCheckpointWithoutAManifestStillLoads() {
        QTemporaryDir tmp;
        const std::string run = tmp.filePath("run").toStdString();
        Steps part;
        QCOMPARE(train(run, 6, part).status, RunStatus::Cancelled);
        for (int step : {3, 6})
            fs::remove(checkpointAt(run, step) / kCheckpointManifest);
        Steps rest;
        QCOMPARE(resume(run, rest).status, RunStatus::Finished);
        QCOMPARE(rest.steps.front().step, int64_t(7));
        const std::string log = slurp(fs::path(run) / "train.log");
        QCOMPARE(countOf(log, "no checksum"), 1);
        // The checkpoints the resume wrote carry manifests again.
        QVERIFY(verifyCheckpoint(checkpointAt(run, 9).string()).has_manifest);
    }
};

RGPB_TEST_MAIN(TestCheckpoint)
}  // namespace rgpb_test_checkpoint
#include "test_checkpoint.moc"
