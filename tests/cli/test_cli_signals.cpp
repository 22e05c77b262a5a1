// `rgpb train` stopped from outside: SIGTERM (a cluster scheduler's preemption) and SIGHUP (a
// closed terminal) end a run like Ctrl-C: a checkpoint, status cancelled with the signal named,
// the lock released, exit 128 + the signal; `rgpb resume` then finishes it (issue #17).
#include <QtTest>

#include <QDir>
#include <QProcess>
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
};

RGPB_TEST_MAIN(TestCliSignals)
}  // namespace rgpb_test_cli_signals
#include "test_cli_signals.moc"
