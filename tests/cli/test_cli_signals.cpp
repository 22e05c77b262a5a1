// `rgpb train` stopped from outside: SIGTERM (a cluster scheduler's preemption) and SIGHUP (a
// closed terminal) end a run like Ctrl-C: a checkpoint, status cancelled with the signal named,
// the lock released, exit 128 + the signal; `rgpb resume` then finishes it (issue #17).
#include <QtTest>

#include <QDir>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRandomGenerator>
#include <QTemporaryDir>
#include <csignal>

#include <string>

#include "core/run/RunStore.h"
#include "tests/support/TestMain.h"

// This file's code has its own namespace: the group's tests build as one unity batch.
namespace rgpb_test_cli_signals {

using namespace rgpb;

namespace {

const char* kPreset =
    "name: sig\nseed: 5\nthreads: 1\n"
    "data: {synthetic: {count: 80}, eval_pairs: 16, max_length: 48, max_prompt_length: 32}\n"
    "optimizer: {batch_size: 4, warmup_steps: 1}\n"
    "eval: {every: 1000, batch_size: 16}\n"
    "checkpoint: {every: 1000, keep_last: 2}\n"
    "stages:\n  - {method: mle, steps: 40}\n";

// The same recipe with evaluations and a DPO stage (its reference cached at the stage start).
const char* kTwoStagePreset =
    "name: sig2\nseed: 5\nthreads: 1\n"
    "data: {synthetic: {count: 80}, eval_pairs: 16, max_length: 48, max_prompt_length: 32}\n"
    "optimizer: {batch_size: 4, warmup_steps: 1}\n"
    "eval: {every: 10, batch_size: 16}\n"
    "checkpoint: {every: 1000, keep_last: 2}\n"
    "stages:\n  - {method: mle, steps: 20}\n  - {method: dpo, steps: 20}\n";

QString writePreset(const QTemporaryDir& tmp, const char* text) {
    const QString path = tmp.filePath("preset.yaml");
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly) || f.write(text) <= 0)
        return {};
    return path;
}

QByteArray fileBytes(const QString& path) {
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

// metrics.jsonl's rows without what depends on the clock or the allocator.
QList<QJsonObject> metricRows(const QString& run_dir) {
    QList<QJsonObject> rows;
    for (const QByteArray& line : fileBytes(run_dir + "/metrics.jsonl").split('\n')) {
        if (line.trimmed().isEmpty())
            continue;
        QJsonObject row = QJsonDocument::fromJson(line).object();
        for (const char* key : {"tokens_per_s", "step_time_ms", "peak_memory_mb"})
            row.remove(key);
        rows.append(row);
    }
    return rows;
}

}  // namespace

class TestCliSignals : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void aSignalCheckpointsAndResumeFinishes_data() {
        QTest::addColumn<int>("signal");
        QTest::addColumn<QString>("name");
        QTest::newRow("SIGTERM") << int(SIGTERM) << "SIGTERM";
        QTest::newRow("SIGHUP") << int(SIGHUP) << "SIGHUP";
    }

    void aSignalCheckpointsAndResumeFinishes() {
        QFETCH(int, signal);
        QFETCH(QString, name);
        QTemporaryDir tmp;
        const QString preset = tmp.filePath("sig.yaml");
        QFile f(preset);
        QVERIFY(f.open(QIODevice::WriteOnly) && f.write(kPreset) > 0);
        f.close();
        const QString run_dir = tmp.filePath("run");

        QProcess train;
        train.start(RGPB_CLI,
                    {"train", preset, "--run-dir", run_dir, "--plain", "--print-every", "1"});
        QVERIFY2(train.waitForStarted(), qPrintable(train.errorString()));
        QByteArray err;
        // Wait for the second step, then stop it from outside.
        while (!err.contains("step 2/40") && train.state() == QProcess::Running) {
            train.waitForReadyRead(1000);
            err += train.readAllStandardError();
        }
        QVERIFY2(err.contains("step 2/40"), err.constData());
        QVERIFY(::kill(static_cast<pid_t>(train.processId()), signal) == 0);
        QVERIFY(train.waitForFinished(180000));
        err += train.readAllStandardError();
        QCOMPARE(train.exitStatus(), QProcess::NormalExit);
        QCOMPARE(train.exitCode(), 128 + signal);

        const RunSummary s = readSummary(run_dir.toStdString());
        QCOMPARE(s.status, RunStatus::Cancelled);
        QVERIFY2(QString::fromStdString(s.reason).contains(name), s.reason.c_str());
        QVERIFY(s.step >= 2 && s.step < 40);
        QVERIFY2(!QFile::exists(run_dir + "/run.lock"), "the lock is released");
        QVERIFY(!QDir(run_dir + "/checkpoints").entryList({"step-*"}, QDir::Dirs).isEmpty());

        QProcess resume;
        resume.start(RGPB_CLI, {"resume", run_dir, "--plain"});
        QVERIFY(resume.waitForFinished(180000));
        QVERIFY2(resume.exitCode() == 0, resume.readAllStandardError().constData());
        const RunSummary done = readSummary(run_dir.toStdString());
        QCOMPARE(done.status, RunStatus::Finished);
        QCOMPARE(done.step, int64_t(40));
    }

    // A scheduler's SIGTERM at a random step (printed; RGPB_TEST_SIGNAL_STEP=k replays one),
    // then `rgpb resume`: the weights are bit-identical to an uninterrupted run's and every
    // metrics row is the same (issue #17's fault injection).
    void sigtermAtARandomStepThenResumeEqualsTheUninterruptedRun() {
        QTemporaryDir tmp;
        const QString preset = writePreset(tmp, kTwoStagePreset);
        QVERIFY(!preset.isEmpty());
        const QString whole = tmp.filePath("whole");
        const QString cut = tmp.filePath("cut");

        QProcess uninterrupted;
        uninterrupted.start(RGPB_CLI, {"train", preset, "--run-dir", whole, "--plain"});
        QVERIFY(uninterrupted.waitForFinished(180000));
        QVERIFY2(uninterrupted.exitCode() == 0, uninterrupted.readAllStandardError().constData());

        const int step = qEnvironmentVariableIsSet("RGPB_TEST_SIGNAL_STEP")
                             ? qEnvironmentVariableIntValue("RGPB_TEST_SIGNAL_STEP")
                             : QRandomGenerator::global()->bounded(1, 38);
        qInfo("SIGTERM after step %d of 40 (replay with RGPB_TEST_SIGNAL_STEP=%d)", step, step);
        QProcess train;
        train.start(RGPB_CLI, {"train", preset, "--run-dir", cut, "--plain", "--print-every", "1"});
        QVERIFY2(train.waitForStarted(), qPrintable(train.errorString()));
        const QByteArray mark = QStringLiteral("step %1/40").arg(step).toUtf8();
        QByteArray err;
        while (!err.contains(mark) && train.state() == QProcess::Running) {
            train.waitForReadyRead(1000);
            err += train.readAllStandardError();
        }
        QVERIFY2(err.contains(mark), err.constData());
        QVERIFY(::kill(static_cast<pid_t>(train.processId()), SIGTERM) == 0);
        QVERIFY(train.waitForFinished(180000));
        err += train.readAllStandardError();
        // The run may have finished before the signal arrived (and then ends by it or with 0).
        const bool stopped =
            train.exitStatus() == QProcess::NormalExit && train.exitCode() == 128 + SIGTERM;
        QVERIFY2(
            stopped || readSummary(cut.toStdString()).status == RunStatus::Finished,
            qPrintable(QString("exit %1 (%2): %3")
                           .arg(train.exitCode())
                           .arg(train.exitStatus() == QProcess::NormalExit ? "normal" : "crash")
                           .arg(QString::fromUtf8(err.right(600)))));
        if (stopped) {
            QCOMPARE(readSummary(cut.toStdString()).status, RunStatus::Cancelled);
            QProcess resume;
            resume.start(RGPB_CLI, {"resume", cut, "--plain"});
            QVERIFY(resume.waitForFinished(180000));
            QVERIFY2(resume.exitCode() == 0, resume.readAllStandardError().constData());
        }
        QCOMPARE(readSummary(cut.toStdString()).status, RunStatus::Finished);

        const QString weights = "/checkpoints/step-00000040/model.safetensors";
        const QByteArray expected = fileBytes(whole + weights);
        QVERIFY(!expected.isEmpty());
        QVERIFY2(fileBytes(cut + weights) == expected,
                 "final weights differ from the uninterrupted run");
        const QList<QJsonObject> want = metricRows(whole);
        const QList<QJsonObject> got = metricRows(cut);
        QVERIFY(want.size() > 40);  // 40 train rows and 5 evaluations
        QCOMPARE(got.size(), want.size());
        for (int i = 0; i < want.size(); ++i)
            QVERIFY2(got[i] == want[i],
                     qPrintable(QString("metrics row %1: %2 vs %3")
                                    .arg(i)
                                    .arg(QString::fromUtf8(
                                        QJsonDocument(got[i]).toJson(QJsonDocument::Compact)))
                                    .arg(QString::fromUtf8(
                                        QJsonDocument(want[i]).toJson(QJsonDocument::Compact)))));
    }
};

RGPB_TEST_MAIN(TestCliSignals)
}  // namespace rgpb_test_cli_signals
#include "test_cli_signals.moc"
