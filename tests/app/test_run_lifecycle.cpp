// The workbench's run lifecycle and frame, offscreen (app/gui/MainWindowLifecycle.cpp,
// MainWindowFrame.cpp): closing with active runs asks first and keeps the queue for the next
// window, which re-queues it; a never-started folder does not linger; a cancelled run resumes
// from its checkpoint; cancelling asks; the progress column says what a DPO run does while it
// caches its reference; runs written by another process appear live; a second window on the same
// runs folder leaves the first one's queue alone; settings and the menu bar;
// a missing --preset is reported as missing.
#include <QtTest>

#include "tests/support/TestMain.h"

#include <QComboBox>
#include <QDockWidget>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QPushButton>
#include <QSettings>
#include <QSpinBox>
#include <QSplitter>
#include <QTemporaryDir>
#include <filesystem>

#include "app/gui/MainWindow.h"
#include "app/gui/QueueFile.h"
#include "core/train/Trainer.h"
#include "widgets/ComparisonDialog.h"
#include "widgets/ConfigEditor.h"
#include "widgets/CurvePlot.h"
#include "widgets/JudgingView.h"
#include "widgets/LogView.h"
#include "widgets/MetricsDashboard.h"

// This file's code has its own namespace: the group's tests build as one unity batch.
namespace rgpb_test_run_lifecycle {

using namespace rgpb;
using namespace rgpb::app;

namespace {

QString microYaml(int steps, const QString& method = "exmate", int count = 120) {
    return QString(
               "name: life\nseed: 3\nthreads: 2\n"
               "data: {synthetic: {count: %3}, eval_pairs: 16, max_length: 48, "
               "max_prompt_length: 32}\n"
               "optimizer: {batch_size: 4, warmup_steps: 1}\n"
               "eval: {every: 50, batch_size: 16}\n"
               "stages: [{method: %2, beta: 0.5, steps: %1}]\n")
        .arg(steps)
        .arg(method)
        .arg(count);
}

QString withoutAccelerators(QString text) {
    return text.remove('&');
}

// Presses the button labelled `button` in the next message box that shows, and records its text.
// The box is looked for every 20 ms, so it works with the box's own event loop (exec()).
class MessageBoxAnswer : public QObject {
public:
    explicit MessageBoxAnswer(QString button) : button_(std::move(button)) {
        timer_.setInterval(20);
        connect(&timer_, &QTimer::timeout, this, [this] {
            for (QWidget* w : QApplication::topLevelWidgets()) {
                auto* box = qobject_cast<QMessageBox*>(w);
                if (!box || !box->isVisible())
                    continue;
                text = box->text();
                QAbstractButton* wanted = nullptr;
                for (QAbstractButton* b : box->buttons()) {
                    buttons << withoutAccelerators(b->text());
                    if (withoutAccelerators(b->text()) == button_)
                        wanted = b;
                }
                buttons.sort();
                if (wanted) {
                    timer_.stop();
                    wanted->click();
                    answered = true;
                    return;
                }
                box->reject();  // not the expected button: do not hang the test
                timer_.stop();
                return;
            }
        });
        timer_.start();
    }
    QString text;
    QStringList buttons;
    bool answered = false;

private:
    QString button_;
    QTimer timer_;
};

int rowOf(MainWindow& w, const QString& id) {
    for (int i = 0; i < w.runTable()->rowCount(); ++i) {
        if (w.runTable()->rowAt(i).id == id)
            return i;
    }
    return -1;
}

// A run folder as another process (`rgpb train`) leaves it: a finished summary.
void writeForeignRun(const QString& dir, const std::string& id) {
    QDir().mkpath(dir);
    RunSummary s;
    s.id = id;
    s.dir = dir.toStdString();
    s.name = "cli";
    s.recipe = "dpo";
    s.beta = 0.1;
    s.status = RunStatus::Finished;
    s.started_at = isoTimeNow();
    s.finished_at = s.started_at;
    s.step = 4;
    s.total_steps = 4;
    writeSummary(dir.toStdString(), s);
}

}  // namespace

class TestRunLifecycle : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void closingAsksThenKeepsTheQueueForTheNextWindow() {
        QTemporaryDir tmp;
        const QString runs = tmp.filePath("runs");
        QString a, b;
        {
            MainWindow w(runs, RGPB_SOURCE_DIR "/presets");
            w.setMaxConcurrent(1);
            a = w.launch(microYaml(2000), "a.yaml");
            b = w.launch(microYaml(3), "b.yaml");
            QCOMPARE(w.runTable()->progressText(rowOf(w, b)), QString("0/3"));  // queued: 0/N
            // The queue file has b, with its resolved config; b's folder is still empty.
            QVector<QueuedRun> saved = readQueueFile(runs);
            QCOMPARE(saved.size(), 1);
            QCOMPARE(saved[0].dir, b);
            QVERIFY(saved[0].config_yaml.contains("steps: 3"));
            QSignalSpy steps(w.session(a), &TrainingSession::steps);
            QSignalSpy ended(w.session(a), &TrainingSession::ended);
            QVERIFY(steps.wait(60000));

            // Keep the workbench open: nothing changes.
            MessageBoxAnswer keep("Keep the workbench open");
            QVERIFY(!w.close());
            QVERIFY(keep.answered);
            QCOMPARE(keep.buttons, QStringList({"Cancel 1 running run (their checkpoints are kept) "
                                                "and quit",
                                                "Keep the workbench open"}));  // sorted
            QVERIFY2(keep.text.contains("1 run is queued"), qPrintable(keep.text));
            QVERIFY(w.session(a)->isRunning());

            // Quit: the running run is cancelled with a checkpoint; the queued one waits.
            MessageBoxAnswer quit("Cancel 1 running run (their checkpoints are kept) and quit");
            QVERIFY(w.close());
            QVERIFY(quit.answered);
            QVERIFY(ended.wait(60000) || ended.size() == 1);
            QCOMPARE(ended.at(0).at(1).value<RunStatus>(), RunStatus::Cancelled);
            QVERIFY(Trainer::canResume(a.toStdString()));
            QTest::qWait(100);
            QVERIFY(!w.session(b)->isRunning());  // held: b did not take a's slot
            QCOMPARE(readQueueFile(runs).size(), 1);
        }
        QCOMPARE(readSummary(a.toStdString()).status, RunStatus::Cancelled);
        // b never started: its folder holds only the colour createRunDir gave it.
        QCOMPARE(QDir(b).entryList(QDir::AllEntries | QDir::Hidden | QDir::NoDotAndDotDot),
                 QStringList{"run.json"});

        // An empty folder nobody queued (an old crash): removed by the next window unless fresh.
        const QString orphan = QDir(runs).filePath("orphan-1");
        const QString fresh = QDir(runs).filePath("fresh-1");
        QDir().mkpath(orphan);
        QDir().mkpath(fresh);
        QFile colour(QDir(orphan).filePath("run.json"));  // as createRunDir leaves it
        QVERIFY(colour.open(QIODevice::WriteOnly) &&
                colour.write("{\"color\": \"#1f77b4\"}\n") > 0);
        colour.close();
        std::filesystem::last_write_time(
            orphan.toStdString(),
            std::filesystem::file_time_type::clock::now() - std::chrono::hours(1));

        MainWindow again(runs, RGPB_SOURCE_DIR "/presets");
        QVERIFY(!QFileInfo::exists(orphan));
        QVERIFY(QFileInfo::exists(fresh));  // the CLI may be about to write into it
        QVERIFY(QFileInfo::exists(b));      // queued: kept, and re-queued
        QVERIFY(again.session(b));
        QSignalSpy b_ended(again.session(b), &TrainingSession::ended);
        QVERIFY(b_ended.wait(120000));
        QCOMPARE(b_ended.at(0).at(1).value<RunStatus>(), RunStatus::Finished);
        QVERIFY(!QFileInfo::exists(queueFilePath(runs)));  // an empty queue leaves no file
        // The cancelled run is listed, resumable.
        const int ra = rowOf(again, a);
        QVERIFY(ra >= 0);
        QCOMPARE(again.runTable()->rowAt(ra).status, RunStatus::Cancelled);
        QVERIFY(again.runTable()->rowAt(ra).resumable);
    }

    void aSecondWindowOnTheFolderLeavesTheQueueAlone() {
        QTemporaryDir tmp;
        const QString runs = tmp.filePath("runs");
        MainWindow first(runs, RGPB_SOURCE_DIR "/presets");
        first.setMaxConcurrent(1);
        first.launch(microYaml(2000), "a.yaml");
        const QString b = first.launch(microYaml(3), "b.yaml");
        QCOMPARE(readQueueFile(runs).size(), 1);
        MainWindow second(runs, RGPB_SOURCE_DIR "/presets");
        QVERIFY(!second.session(b));  // not restored twice
        QVERIFY(second.logView()->visibleText().contains("another workbench has"));
        second.setMaxConcurrent(1);
        second.launch(microYaml(2000), "c.yaml");
        second.launch(microYaml(3), "d.yaml");  // queued in the second window only
        QVector<QueuedRun> saved = readQueueFile(runs);
        QCOMPARE(saved.size(), 1);
        QCOMPARE(saved[0].dir, b);
    }

    void aCancelledRunResumesFromItsCheckpoint() {
        QTemporaryDir tmp;
        MainWindow w(tmp.filePath("runs"), RGPB_SOURCE_DIR "/presets");
        w.runTable()->setConfirmDeletes(false);
        const QString a = w.launch(microYaml(2000), "a.yaml");
        QSignalSpy steps(w.session(a), &TrainingSession::steps);
        QSignalSpy ended(w.session(a), &TrainingSession::ended);
        QVERIFY(steps.wait(60000));
        w.runTable()->select(a);
        QVERIFY(!w.runTable()->resumeButton()->isEnabled());  // running
        w.runTable()->cancelButton()->click();
        QVERIFY(ended.wait(60000));
        const qint64 stopped = w.runTable()->rowAt(rowOf(w, a)).step;
        QVERIFY(stopped > 0);
        QVERIFY(w.runTable()->rowAt(rowOf(w, a)).resumable);
        w.runTable()->select(a);
        QVERIFY(w.runTable()->resumeButton()->isEnabled());
        w.runTable()->resumeButton()->click();
        TrainingSession* s = w.session(a);
        QVERIFY(s && s->isResume());
        QSignalSpy more(s, &TrainingSession::steps);
        QVERIFY(more.wait(60000));
        // It continues after the checkpoint (the cancel wrote one at the step it stopped).
        QCOMPARE(more.at(0).at(1).value<QVector<StepPoint>>().front().step, stopped + 1);
        QCOMPARE(w.runTable()->rowAt(rowOf(w, a)).status, RunStatus::Running);
        QVERIFY(!w.runTable()->resumeButton()->isEnabled());
        // The loss curve goes on from the steps before the checkpoint (reread from disk).
        QTRY_VERIFY(w.dashboard()->plotFor("loss")->pointCount(a) > stopped);
    }

    void aRunWithoutCheckpointCannotResume() {
        QTemporaryDir tmp;
        MainWindow w(tmp.filePath("runs"), RGPB_SOURCE_DIR "/presets");
        QString yaml =
            microYaml(5).replace("synthetic: {count: 120}", "source: /nonexistent.jsonl");
        const QString id = w.launch(yaml, "bad.yaml");
        QSignalSpy ended(w.session(id), &TrainingSession::ended);
        QVERIFY(ended.wait(60000));
        QCOMPARE(w.runTable()->rowAt(0).status, RunStatus::Failed);
        QVERIFY(!w.runTable()->rowAt(0).resumable);
        w.runTable()->select(id);
        QVERIFY(!w.runTable()->resumeButton()->isEnabled());
        QVERIFY(!w.resumeRun(id));
        QVERIFY(w.logView()->visibleText().contains("has no checkpoint to resume from"));
    }

    void cancelAsksFirst() {
        QTemporaryDir tmp;
        MainWindow w(tmp.filePath("runs"), RGPB_SOURCE_DIR "/presets");
        const QString a = w.launch(microYaml(2000), "a.yaml");
        QSignalSpy cancel(w.runTable(), &widgets::RunTable::cancelRequested);
        QSignalSpy ended(w.session(a), &TrainingSession::ended);
        w.runTable()->select(a);
        {
            MessageBoxAnswer no("No");
            w.runTable()->cancelButton()->click();
            QVERIFY(no.answered);
            QVERIFY2(no.text.contains("checkpoint"), qPrintable(no.text));
        }
        QCOMPARE(cancel.size(), 0);
        QVERIFY(w.session(a)->isRunning());
        MessageBoxAnswer yes("Yes");
        w.runTable()->cancelButton()->click();
        QVERIFY(yes.answered);
        QCOMPARE(cancel.size(), 1);
        QVERIFY(ended.wait(60000));
        QCOMPARE(ended.at(0).at(1).value<RunStatus>(), RunStatus::Cancelled);
    }

    void progressSaysWhatADpoRunIsDoing() {
        QTemporaryDir tmp;
        MainWindow w(tmp.filePath("runs"), RGPB_SOURCE_DIR "/presets");
        // Enough pairs that caching their reference log-probs takes a while.
        const QString id = w.launch(microYaml(3, "dpo", 400), "dpo.yaml");
        TrainingSession* s = w.session(id);
        QSignalSpy ended(s, &TrainingSession::ended);
        // The progress column as each phase reaches the table (the window's slot runs first).
        QStringList texts, activities;
        QList<QPair<qint64, qint64>> caching;
        connect(s, &TrainingSession::phaseChanged, this,
                [&](const QString&, const QString& activity, qint64 done, qint64 total) {
                    activities << activity;
                    texts << w.runTable()->progressText(rowOf(w, id));
                    if (activity == "caching reference log-probs")
                        caching << qMakePair(done, total);
                });
        QVERIFY(ended.wait(180000));
        QCOMPARE(ended.at(0).at(1).value<RunStatus>(), RunStatus::Finished);
        QVERIFY2(!caching.isEmpty(), qPrintable(activities.join(",")));
        for (int i = 0; i < caching.size(); ++i) {
            QCOMPARE(caching[i].second, qint64(400));  // train + eval pairs
            QVERIFY(caching[i].first >= 0 && caching[i].first <= 400);
            QVERIFY(i == 0 || caching[i].first >= caching[i - 1].first);
        }
        const int first = activities.indexOf("caching reference log-probs");
        QVERIFY2(QRegularExpression("^caching reference log-probs \\d+/400$")
                     .match(texts[first])
                     .hasMatch(),
                 qPrintable(texts[first]));
        // Then steps: the activity is cleared and the column counts steps again.
        const int training = activities.indexOf(QString(), first);
        QVERIFY2(training > first, qPrintable(activities.join(",")));
        QVERIFY2(QRegularExpression("^\\d/3$").match(texts[training]).hasMatch(),
                 qPrintable(texts[training]));
        QCOMPARE(w.runTable()->progressText(rowOf(w, id)), QString("3/3"));
    }

    void runsFromAnotherProcessAppearLive() {
        QTemporaryDir tmp;
        const QString runs = tmp.filePath("runs");
        MainWindow w(runs, RGPB_SOURCE_DIR "/presets");
        w.setRescanInterval(200);
        QCOMPARE(w.runTable()->rowCount(), 0);
        writeForeignRun(QDir(runs).filePath("cli-20260101"), "cli-20260101");
        QTRY_COMPARE_WITH_TIMEOUT(w.runTable()->rowCount(), 1, 10000);
        QCOMPARE(w.runTable()->rowAt(0).name, QString("cli-20260101"));
        QCOMPARE(w.runTable()->rowAt(0).status, RunStatus::Finished);
        // ... and in New comparison's list of models.
        QStringList models;
        QTimer::singleShot(0, &w, [&] {
            QTimer* poll = new QTimer(&w);
            connect(poll, &QTimer::timeout, poll, [&, poll] {
                for (QWidget* top : QApplication::topLevelWidgets()) {
                    if (auto* d = qobject_cast<widgets::ComparisonDialog*>(top);
                        d && d->isVisible()) {
                        for (int i = 0; i < d->runA()->count(); ++i)
                            models << d->runA()->itemText(i);
                        poll->stop();
                        d->reject();
                    }
                }
            });
            poll->start(20);
        });
        Q_EMIT w.judgingView()->newComparisonRequested();
        QTRY_VERIFY(!models.isEmpty());
        QVERIFY2(models.join(",").contains("cli-20260101"), qPrintable(models.join(",")));
    }

    void settingsAreRememberedOnlyForANamedApplication() {
        QTemporaryDir tmp;
        QSettings::setDefaultFormat(QSettings::IniFormat);
        QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, tmp.filePath("settings"));
        const QString preset = RGPB_SOURCE_DIR "/presets/micro_beta_sweep.yaml";
        QList<int> sizes;
        {
            // No organization name (as in every other test): nothing is written.
            MainWindow w(tmp.filePath("runs"), RGPB_SOURCE_DIR "/presets");
            w.setMaxConcurrent(5);
            QVERIFY(w.close());
            QVERIFY(QDir(tmp.filePath("settings")).isEmpty());
        }
        QCoreApplication::setOrganizationName("rgpb-test");
        {
            MainWindow w(tmp.filePath("runs"), RGPB_SOURCE_DIR "/presets");
            w.setMaxConcurrent(3);
            w.loadPreset(preset);
            auto* split = w.findChild<QSplitter*>("trainSplitter");
            QVERIFY(split);
            split->setSizes({300, 900});
            sizes = split->sizes();
            QVERIFY(w.close());
        }
        {
            MainWindow w(tmp.filePath("runs"), RGPB_SOURCE_DIR "/presets");
            QSettings saved;
            QVERIFY2(saved.fileName().startsWith(tmp.path()), qPrintable(saved.fileName()));
            QVERIFY(!saved.value("window/geometry").toByteArray().isEmpty());
            QVERIFY(!saved.value("window/state").toByteArray().isEmpty());
            QCOMPARE(w.maxConcurrent(), 3);
            QCOMPARE(w.findChild<QSplitter*>("trainSplitter")->sizes(), sizes);
            QCOMPARE(MainWindow::lastPreset(), preset);
            QCOMPARE(w.openPresetAtStart({}, RGPB_SOURCE_DIR "/presets"), preset);
            QCOMPARE(w.editor()->currentPath(), preset);
        }
        QCoreApplication::setOrganizationName({});
    }

    void menuBarAndTheCollapsedLog() {
        QTemporaryDir tmp;
        MainWindow w(tmp.filePath("runs"), RGPB_SOURCE_DIR "/presets");
        QVERIFY(w.findChild<QDockWidget*>("log")->isHidden());
        auto action = [&](const char* name) { return w.menuBar()->findChild<QAction*>(name); };
        for (const char* name : {"open", "save", "quit", "run", "sweep", "cancel", "resume"})
            QVERIFY2(action(name), name);
        QCOMPARE(action("open")->shortcut(), QKeySequence(QKeySequence::Open));
        QCOMPARE(action("save")->shortcut(), QKeySequence(QKeySequence::Save));
        QCOMPARE(action("quit")->shortcut(), QKeySequence(Qt::CTRL | Qt::Key_Q));
        // Quit with a run active asks (here an injected decision) and can keep the window open.
        QList<QPair<int, int>> asked;
        w.setCloseDecision([&](int running, int queued) {
            asked << qMakePair(running, queued);
            return false;
        });
        w.setMaxConcurrent(1);
        const QString a = w.launch(microYaml(2000), "a.yaml");
        w.launch(microYaml(2000), "b.yaml");
        QVERIFY(w.session(a)->isRunning());
        action("quit")->trigger();
        QCOMPARE(asked, (QList<QPair<int, int>>{{1, 1}}));
        QVERIFY(w.session(a)->isRunning());
        QVERIFY(MainWindow::closeQuestion(2, 0).contains("2 runs are training"));
        // Run in the menu presses the editor's Run button.
        w.loadPreset(RGPB_SOURCE_DIR "/presets/demo.yaml");
        const int rows = w.runTable()->rowCount();
        action("run")->trigger();
        QCOMPARE(w.runTable()->rowCount(), rows + 1);
    }

    void aMissingPresetIsReportedAsMissing() {
        QTemporaryDir tmp;
        MainWindow w(tmp.filePath("runs"), RGPB_SOURCE_DIR "/presets");
        const QString missing = tmp.filePath("missing.yaml");
        QCOMPARE(w.openPresetAtStart(missing, RGPB_SOURCE_DIR "/presets"), missing);
        QComboBox* picker = nullptr;
        for (QComboBox* c : w.editor()->findChildren<QComboBox*>()) {
            if (c->findText("demo.yaml") >= 0)
                picker = c;
        }
        QVERIFY(picker);
        QCOMPARE(picker->currentText(), QString());  // not demo.yaml, nor another preset
        QString message;
        for (QLabel* l : w.editor()->findChildren<QLabel*>()) {
            if (l->text().contains("missing.yaml"))
                message = l->text();
        }
        QVERIFY2(message.contains("cannot open") && message.contains("No such file or directory"),
                 qPrintable(message));
        QVERIFY(!message.contains("empty"));
        // Without --preset: the demo.
        MainWindow fresh(tmp.filePath("runs"), RGPB_SOURCE_DIR "/presets");
        QCOMPARE(fresh.openPresetAtStart({}, RGPB_SOURCE_DIR "/presets"),
                 QString(RGPB_SOURCE_DIR "/presets/demo.yaml"));
        QCOMPARE(fresh.editor()->currentPath(), QString(RGPB_SOURCE_DIR "/presets/demo.yaml"));
    }
};

RGPB_TEST_MAIN(TestRunLifecycle)
}  // namespace rgpb_test_run_lifecycle
#include "test_run_lifecycle.moc"
