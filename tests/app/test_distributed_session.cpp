// A data-parallel run started from the window (issue #13): the window trains rank 0 itself (its
// curves are live as for any run) and starts rank 1 as an `rgpb` process; the run finishes and
// lists like any other. When rank 1 is killed, the run fails with "rank 1 exited with signal 9
// (SIGKILL) at step N" in the window and in summary.json.
#include <QtTest>

#include <QPushButton>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <csignal>

#include "app/gui/MainWindow.h"
#include "app/gui/TrainingSession.h"
#include "core/run/RunStore.h"
#include "tests/support/TestMain.h"
#include "widgets/RunTable.h"

// This file's code has its own namespace: the group's tests build as one unity batch.
namespace rgpb_test_distributed_session {

using namespace rgpb;
using namespace rgpb::app;

namespace {

QString twoProcessYaml(int steps) {
    return QString(
               "name: dp\nseed: 3\nthreads: 1\n"
               "data: {synthetic: {count: 120}, eval_pairs: 16, max_length: 48, "
               "max_prompt_length: 32}\n"
               "optimizer: {batch_size: 4, warmup_steps: 1}\n"
               "eval: {every: 50, batch_size: 16, samples: 0}\n"
               "checkpoint: {every: 2}\n"
               "distributed: {nproc: 2, timeout_s: 30}\n"
               "stages: [{method: exmate, beta: 0.5, steps: %1}]\n")
        .arg(steps);
}

}  // namespace

class TestDistributedSession : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { qputenv("RGPB_CLI", RGPB_CLI); }

    void aTwoProcessRunTrainsFromTheWindow() {
        QTemporaryDir tmp;
        MainWindow w(tmp.filePath("runs"), RGPB_SOURCE_DIR "/presets");
        const QString id = w.launch(twoProcessYaml(8), "dp.yaml");
        TrainingSession* s = w.session(id);
        QVERIFY(s);
        QSignalSpy started(s, &TrainingSession::started);
        QSignalSpy ended(s, &TrainingSession::ended);
        QVERIFY(ended.wait(180000));
        QCOMPARE(s->otherRankPids().size(), 1);
        QCOMPARE(started.size(), 1);
        QVERIFY2(started[0][3].toString().contains("x 2 processes (gloo)"),
                 qPrintable(started[0][3].toString()));
        QCOMPARE(ended[0][1].value<RunStatus>(), RunStatus::Finished);
        const RunSummary sum = readSummary(id.toStdString());
        QCOMPARE(sum.status, RunStatus::Finished);
        QCOMPARE(sum.step, int64_t(8));
        QVERIFY(sum.metric("train/allreduce_ms", -1) >= 0);
    }

    void aKilledRankFailsTheRunWithItsReason() {
        QTemporaryDir tmp;
        MainWindow w(tmp.filePath("runs"), RGPB_SOURCE_DIR "/presets");
        const QString id = w.launch(twoProcessYaml(400), "dp.yaml");
        TrainingSession* s = w.session(id);
        QVERIFY(s);
        QSignalSpy steps(s, &TrainingSession::steps);
        QSignalSpy ended(s, &TrainingSession::ended);
        QVERIFY(steps.wait(120000));
        // Running, but not pausable: its other ranks would time out waiting.
        w.runTable()->select(id);
        QPushButton* pause = nullptr;
        QPushButton* cancel = nullptr;
        for (QPushButton* b : w.runTable()->findChildren<QPushButton*>()) {
            pause = b->text() == "Pause" ? b : pause;
            cancel = b->text() == "Cancel" ? b : cancel;
        }
        QVERIFY(pause && cancel);
        QVERIFY(cancel->isEnabled());
        QVERIFY(!pause->isEnabled());
        QCOMPARE(s->otherRankPids().size(), 1);
        QVERIFY(::kill(static_cast<pid_t>(s->otherRankPids()[0]), SIGKILL) == 0);
        QVERIFY(ended.wait(60000));
        QCOMPARE(ended[0][1].value<RunStatus>(), RunStatus::Failed);
        const QRegularExpression want("^rank 1 exited with signal 9 \\(SIGKILL\\) at step \\d+$");
        QVERIFY2(want.match(ended[0][2].toString()).hasMatch(), qPrintable(ended[0][2].toString()));
        const RunSummary sum = readSummary(id.toStdString());
        QCOMPARE(sum.status, RunStatus::Failed);
        QCOMPARE(QString::fromStdString(sum.reason), ended[0][2].toString());
    }
};

RGPB_TEST_MAIN(TestDistributedSession)
}  // namespace rgpb_test_distributed_session
#include "test_distributed_session.moc"
