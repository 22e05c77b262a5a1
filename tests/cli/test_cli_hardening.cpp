// Damaged models and checkpoints through the command-line tool (issue #17): NaN weights are
// refused by `rgpb import-hf` and `rgpb logits` naming the tensor and the count; `rgpb resume`
// of a run whose newest checkpoint has a flipped byte continues from the previous one and says
// so on the console; with no intact checkpoint it fails with the reasons on stderr and leaves
// summary.json as it was.
#include <QtTest>

#include <QDir>
#include <QFile>
#include <QProcess>
#include <QTemporaryDir>

#include <nlohmann/json.hpp>

#include <string>

#include "core/run/RunStore.h"
#include "tests/support/CliRun.h"
#include "tests/support/SmallDisk.h"
#include "tests/support/TestMain.h"

// This file's code has its own namespace: the group's tests build as one unity batch.
namespace rgpb_test_cli_hardening {

using namespace rgpb;

namespace {

const char* kPreset =
    "name: hard\nseed: 5\nthreads: 1\n"
    "data: {synthetic: {count: 40}, eval_pairs: 8, max_length: 48, max_prompt_length: 32}\n"
    "model: {size: micro, num_layers: 1}\n"
    "optimizer: {batch_size: 4, warmup_steps: 1}\n"
    "eval: {every: 0, batch_size: 8}\n"
    "checkpoint: {every: 2, keep_last: 3}\n"
    "stages:\n  - {method: mle, steps: 6}\n";

using rgpb::test::runCli;
using Result = rgpb::test::CliResult;

QByteArray readAll(const QString& path) {
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

void writeAll(const QString& path, const QByteArray& bytes) {
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
    QCOMPARE(f.write(bytes), bytes.size());
}

// Overwrites `count` float32 values of `tensor` in a safetensors file, from its first, with
// the bytes ff ff ff ff (a NaN).
void poison(const QString& file, const std::string& tensor, int count) {
    QByteArray bytes = readAll(file);
    QVERIFY(bytes.size() > 8);
    quint64 n = 0;
    for (int i = 0; i < 8; ++i)
        n |= quint64(static_cast<unsigned char>(bytes[i])) << (8 * i);
    const auto header = nlohmann::json::parse(bytes.mid(8, static_cast<int>(n)).toStdString());
    QVERIFY2(header.contains(tensor), tensor.c_str());
    QCOMPARE(header[tensor]["dtype"].get<std::string>(), std::string("F32"));
    const qint64 at = 8 + static_cast<qint64>(n) + header[tensor]["data_offsets"][0].get<qint64>();
    for (int i = 0; i < 4 * count; ++i)
        bytes[static_cast<int>(at) + i] = '\xff';
    writeAll(file, bytes);
}

void flipByte(const QString& file) {
    QByteArray bytes = readAll(file);
    QVERIFY(bytes.size() > 16);
    bytes[bytes.size() - 5] = static_cast<char>(~bytes[bytes.size() - 5]);
    writeAll(file, bytes);
}

}  // namespace

class TestCliHardening : public QObject {
    Q_OBJECT

private:
    QTemporaryDir tmp_;
    QString preset_;

private Q_SLOTS:
    void initTestCase() {
        preset_ = tmp_.filePath("hard.yaml");
        writeAll(preset_, kPreset);
    }

    void nanWeightsAreRefusedByImportHfAndLogits() {
        const QString run = tmp_.filePath("nan-run"), hf = tmp_.filePath("nan-hf");
        Result r = runCli({"train", preset_, "--run-dir", run, "--plain"});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        r = runCli({"export-hf", run, hf});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        poison(hf + "/model.safetensors", "gpt_neox.layers.0.attention.dense.weight", 3);

        r = runCli({"import-hf", hf, tmp_.filePath("nan-imported")});
        QCOMPARE(r.code, 1);
        const QString expected =
            "the model has non-finite weights: tensor 'gpt_neox.layers.0.attention.dense.weight' "
            "has 3 NaN and 0 Inf of 16384 values";
        QVERIFY2(r.err.contains(expected), qPrintable(r.err));
        QVERIFY2(r.err.contains(hf), qPrintable(r.err));
        QVERIFY(!QFile::exists(tmp_.filePath("nan-imported/model.safetensors")));

        r = runCli({"logits", hf, "--ids", "5 9 10"});
        QCOMPARE(r.code, 1);
        QVERIFY2(r.err.contains(expected), qPrintable(r.err));
        QVERIFY2(r.out.isEmpty(), qPrintable(r.out));
    }

    void resumeFallsBackToThePreviousCheckpointAndSaysSo() {
        const QString run = tmp_.filePath("fallback");
        Result r = runCli({"train", preset_, "--run-dir", run, "--plain", "--stop-after", "4"});
        QVERIFY2(r.code == 0 || r.code == 130, qPrintable(r.err));
        flipByte(run + "/checkpoints/step-00000004/model.safetensors");
        r = runCli({"resume", run, "--plain"});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        QVERIFY2(r.err.contains("resuming from the older checkpoint " + run +
                                "/checkpoints/step-00000002 (step 2)"),
                 qPrintable(r.err));
        QVERIFY2(r.err.contains(run + "/checkpoints/step-00000004/model.safetensors: crc32"),
                 qPrintable(r.err));
        const RunSummary s = readSummary(run.toStdString());
        QCOMPARE(s.status, RunStatus::Finished);
        QCOMPARE(s.step, int64_t(6));
    }

    void aResumeWithNothingIntactFailsAndKeepsTheSummary() {
        const QString run = tmp_.filePath("nothing");
        Result r = runCli({"train", preset_, "--run-dir", run, "--plain", "--stop-after", "4"});
        QVERIFY2(r.code == 0 || r.code == 130, qPrintable(r.err));
        for (const char* step : {"step-00000002", "step-00000004"})
            flipByte(run + "/checkpoints/" + step + "/optimizer.pt");
        const QByteArray before = readAll(run + "/summary.json");
        r = runCli({"resume", run, "--plain"});
        QCOMPARE(r.code, 1);
        QVERIFY2(r.err.contains("no intact checkpoint to resume from (2 tried)"),
                 qPrintable(r.err));
        QVERIFY2(r.err.contains(run + "/checkpoints/step-00000002/optimizer.pt: crc32"),
                 qPrintable(r.err));
        QCOMPARE(readAll(run + "/summary.json"), before);
        QVERIFY(!QFile::exists(run + "/run.lock"));
    }

    // A path that is not UTF-8 cannot go into a JSON file: the message names it (escaped) and
    // says why, instead of the JSON library's "[json.exception.type_error.316]".
    void aNonUtf8PathGetsAClearMessage() {
        QProcess p;
        p.setWorkingDirectory(tmp_.path());
        // QProcess takes arguments as text: the shell makes the byte 0xff.
        p.start("/bin/sh", {"-c",
                            "d=$(printf 'r\\377') && \"$0\" train hard.yaml --run-dir \"$d\" "
                            "--plain >/dev/null 2>&1 && exec \"$0\" eval \"$d\"",
                            RGPB_CLI});
        QVERIFY(p.waitForFinished(300000));
        const QString err = QString::fromUtf8(p.readAllStandardError());
        QCOMPARE(p.exitCode(), 1);
        QVERIFY2(err.contains("rgpb eval: 'r\\xff' is not valid UTF-8 text (byte 0xff at offset "
                              "1): names and paths are written into JSON files"),
                 qPrintable(err));
        QVERIFY2(!err.contains("json.exception"), qPrintable(err));
    }

    // `export-hf` onto a disk that is full (a small tmpfs): it fails naming the file and the
    // reason; the export already in the folder stays whole, byte for byte, and no temporary
    // file is left behind (issue #17's fault injection).
    void aFullDiskDuringExportKeepsThePreviousExport() {
        const QString run = tmp_.filePath("disk-run");
        Result r = runCli({"train", preset_, "--run-dir", run, "--plain"});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        QTemporaryDir mount;
        rgpb::test::SmallDisk disk(mount.path().toStdString(), "12m");
        if (!disk.mounted())
            QSKIP(disk.skipMessage().c_str());
        const QString hf = mount.filePath("hf");
        r = runCli({"export-hf", run, hf});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        const QStringList files = QDir(hf).entryList(QDir::Files, QDir::Name);
        QVERIFY(files.contains("model.safetensors") && files.contains("config.json"));
        QMap<QString, QByteArray> before;
        for (const QString& f : files)
            before[f] = readAll(hf + "/" + f);

        disk.fill(0);
        for (const QString& out : {hf, mount.filePath("hf-new")}) {
            r = runCli({"export-hf", run, out});
            QCOMPARE(r.code, 1);
            QVERIFY2(r.err.contains("No space left on device") && r.err.contains(out + "/"),
                     qPrintable(r.err));
            const QStringList left = QDir(out).entryList(QDir::Files, QDir::Name);
            for (const QString& f : left)
                QVERIFY2(!f.contains(".tmp"), qPrintable("left behind: " + f));
        }
        QCOMPARE(QDir(hf).entryList(QDir::Files, QDir::Name), files);
        for (const QString& f : files)
            QVERIFY2(readAll(hf + "/" + f) == before[f], qPrintable(f + " changed"));
    }
};

RGPB_TEST_MAIN(TestCliHardening)
}  // namespace rgpb_test_cli_hardening
#include "test_cli_hardening.moc"
