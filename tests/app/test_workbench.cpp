// The workbench end to end, offscreen: launching a micro run through the adapter delivers curve
// points and finishes, cancel works, an invalid config is refused with its line, and a new
// window on the same runs folder reopens the finished run with its curves.
#include <QtTest>

#include "tests/support/TestMain.h"

#include <qcustomplot.h>
#include <QTableWidget>
#include <QTemporaryDir>
#include <cmath>
#include <filesystem>

#include <QComboBox>
#include <QScrollArea>
#include <QScrollBar>
#include <QTreeWidget>
#include "app/gui/MainWindow.h"
#include "core/diagnostics/Diagnostics.h"
#include "core/run/RunStore.h"
#include "store/JudgmentStore.h"
#include "widgets/ConfigEditor.h"
#include "widgets/CurvePlot.h"
#include "widgets/DiagnosticsView.h"
#include "widgets/JudgingView.h"
#include "widgets/LandscapeView.h"
#include "widgets/LogView.h"
#include "widgets/MetricsDashboard.h"
#include "widgets/RunIdentity.h"
#include "widgets/RunLegend.h"
#include "widgets/RunTable.h"
#include "widgets/SamplesView.h"

#include "tests/support/Approx.h"

// This file's code has its own namespace: the group's tests build as one unity batch.
namespace rgpb_test_workbench {

using namespace rgpb;
using namespace rgpb::app;

namespace {
QString microYaml(int steps) {
    return QString(
               "name: gui\nseed: 2\nthreads: 2\n"
               "data: {synthetic: {count: 120}, eval_pairs: 16, max_length: 48, max_prompt_length: "
               "32}\n"
               "optimizer: {batch_size: 4, warmup_steps: 1}\n"
               "eval: {every: 5, batch_size: 16}\n"
               "stages: [{method: exmate, beta: 0.5, steps: %1}]\n")
        .arg(steps);
}
// A finished run on disk as the trainer leaves it: summary, train rows (0.5 s a step) and evals.
QString fakeRun(const std::string& runs, const std::string& name,
                const std::string& recipe = "exmate", double beta = 0.5, int steps = 3) {
    std::string dir = createRunDir(runs, name);
    RunSummary s;
    s.name = name;
    s.recipe = recipe;
    s.beta = beta;
    s.status = RunStatus::Finished;
    s.started_at = isoTimeNow();
    writeSummary(dir, s);
    MetricsLog log(dir);
    for (int step = 1; step <= steps; ++step) {
        log.write(step, 0, "train",
                  {{"loss", 2.0 / step + beta},
                   {"grad_norm", 1.0 + (1.0 + beta) / step},
                   {"tokens", 64.0 * step},
                   {"step_time_ms", 500}});
        if (step % 10 == 0 || step == steps) {
            NamedValues eval = {{"perplexity", 9.0 / std::sqrt(step) + beta},
                                {"agility", 0.1 + 0.01 * step * beta},
                                {"pos_prob", 0.3 + 0.001 * step * (1 + beta)}};
            if (recipe != "mle")
                eval.push_back({"reward_margin", 0.02 * step * beta});
            log.write(step, 0, "eval", eval);
        }
    }
    log.flush();
    // The last evaluation per pair, for the landscape (its bootstrap reads eval_pairs.csv).
    EvalPairs pairs;
    pairs.step = steps;
    for (int i = 0; i < 16; ++i) {
        const double spread = 0.05 * (i % 4);
        pairs.pairs.push_back({-4.0 - beta - spread, 8, -9.0 + 2 * beta + spread, 8, {}, {}});
    }
    writeEvalPairs(dir, pairs);
    return QString::fromStdString(dir);
}

}  // namespace

class TestWorkbench : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void runDeliversCurvesAndReopens() {
        QTemporaryDir tmp;
        QString runs = tmp.filePath("runs");
        QString id;
        {
            MainWindow w(runs, RGPB_SOURCE_DIR "/presets");
            id = w.launch(microYaml(10), "test.yaml");
            QVERIFY(!id.isEmpty());
            TrainingSession* s = w.session(id);
            QVERIFY(s);
            QSignalSpy steps(s, &TrainingSession::steps), ended(s, &TrainingSession::ended);
            QVERIFY(ended.wait(120000));
            QCOMPARE(ended.at(0).at(1).value<RunStatus>(), RunStatus::Finished);
            // Steps arrive in batches (the adapter drains ~30 times a second), all 10 of them.
            int received = 0;
            for (const auto& call : steps)
                received += call.at(1).value<QVector<StepPoint>>().size();
            QCOMPARE(received, 10);
            QTRY_COMPARE(w.dashboard()->plotFor("loss")->pointCount(id), 10);
            QVERIFY(w.dashboard()->plotFor("perplexity")->pointCount(id) >= 2);  // start + evals
            QCOMPARE(w.runTable()->rowAt(0).status, RunStatus::Finished);
            // The landscape has the run's final point, within its own interval (computed off
            // the GUI thread: the point of the last evaluation may still be on its way).
            QTRY_VERIFY(w.landscape()->points().size() == 1 &&
                        w.landscape()->points().front().final);
            widgets::LandscapePoint p = w.landscape()->points().front();
            QCOMPARE(p.step, qint64(10));
            QCOMPARE(p.pairs, 16);
            QCOMPARE(p.method, QString("exmate"));
            QVERIFY(p.perplexity_low <= p.perplexity && p.perplexity <= p.perplexity_high);
            RGPB_COMPARE_NEAR_REL(p.perplexity, w.runTable()->rowAt(0).perplexity, 1e-9);
            // Samples (eval.samples defaults to 3) of the evaluations at steps 0, 5 and 10.
            QTRY_COMPARE(w.samplesView()->steps(id), QVector<qint64>({0, 5, 10}));
            QCOMPARE(w.samplesView()->table()->rowCount(), 3);
            // Gradient diagnostics (on by default) of the same evaluations, live.
            QTRY_VERIFY(w.diagnosticsView()->rowsOf(id) &&
                        w.diagnosticsView()->rowsOf(id)->size() == 3);
            QCOMPARE(w.dashboard()->plotFor("neg_weight_median")->pointCount(id), 3);
            QCOMPARE(w.dashboard()->plotFor("displacement_share")->pointCount(id), 3);
            QCOMPARE(w.diagnosticsView()->chosenText()->tokens().isEmpty(), false);
        }
        // A new window lists the finished run from disk, with its curves.
        MainWindow again(runs, RGPB_SOURCE_DIR "/presets");
        QCOMPARE(again.runTable()->rowCount(), 1);
        QCOMPARE(again.runTable()->rowAt(0).status, RunStatus::Finished);
        QCOMPARE(again.dashboard()->plotFor("loss")->pointCount(id), 10);
        QVERIFY(again.dashboard()->plotFor("agility")->pointCount(id) >= 2);
        QTRY_COMPARE(again.landscape()->points().size(), 1);
        QCOMPARE(again.samplesView()->steps(id), QVector<qint64>({0, 5, 10}));  // samples.jsonl
        QCOMPARE(again.diagnosticsView()->steps(), QVector<qint64>({0, 5, 10}));
        QCOMPARE(again.dashboard()->plotFor("neg_weight_median")->pointCount(id), 3);
    }

    // A run opened from disk shows its gradient diagnostics: the Diagnostics tab, the dashboard's
    // diagnostics curves, and its displacement alert in the run table and on the curves.
    void aRunFromDiskShowsItsDiagnosticsAndAlert() {
        QTemporaryDir tmp;
        const std::string runs = tmp.filePath("runs").toStdString();
        const QString id = fakeRun(runs, "d", "dpo", 0.1, 20);  // evaluations at 10 and 20
        for (int64_t step : {10, 20}) {
            DiagnosticsRow row;
            row.step = step;
            row.stage_name = "dpo";
            row.method = "dpo";
            row.beta = 0.1;
            row.weights.push_back({"dpo", "beta*sigmoid(-h)", {0.05, 0.04}, 0.04, 0.045, 0.05});
            row.displacement.share = step == 20 ? 0.75 : 0.25;
            row.displacement.threshold = 0.5;
            row.displacement.alert = step == 20;
            appendDiagnostics(id.toStdString(), row);
        }
        MainWindow w(QString::fromStdString(runs), RGPB_SOURCE_DIR "/presets");
        QVERIFY(w.diagnosticsView()->rowsOf(id));
        QCOMPARE(w.diagnosticsView()->rowsOf(id)->size(), std::size_t(2));
        QCOMPARE(w.diagnosticsView()->steps(), (QVector<qint64>{10, 20}));
        QCOMPARE(w.dashboard()->plotFor("displacement_share")->pointCount(id), 2);
        QCOMPARE(w.dashboard()->plotFor("neg_weight_median")->pointCount(id), 2);
        QCOMPARE(w.runTable()->rowAt(0).alert,
                 QString("likelihood displacement: 75% of eval pairs (alert at 50%) at step 20"));
        const QStringList markers = w.dashboard()->plotFor("perplexity")->markerTexts();
        QCOMPARE(markers.size(), 1);
        QVERIFY2(markers.front().endsWith("displacement 75%"), qPrintable(markers.front()));
    }

    // A run's colour is stored with it and is the same in every view and after a restart; a run
    // made before colours were stored gets one, written to its run.json; curves read back from
    // disk have a wall-time axis.
    void identityAndWallTimeSurviveARestart() {
        QTemporaryDir tmp;
        const std::string runs = tmp.filePath("runs").toStdString();
        const QString a = fakeRun(runs, "a"), b = fakeRun(runs, "b"), old = fakeRun(runs, "old");
        std::filesystem::remove(old.toStdString() + "/run.json");  // from before colours
        QString colour_a, colour_old;
        {
            MainWindow w(QString::fromStdString(runs), RGPB_SOURCE_DIR "/presets");
            auto* ids = w.findChild<widgets::RunIdentities*>("runIdentities");
            QVERIFY(ids);
            colour_a = ids->colorOf(a).name();
            QCOMPARE(colour_a, QString::fromStdString(readRunColor(a.toStdString())));
            QVERIFY(ids->colorOf(b) != ids->colorOf(a));
            colour_old = QString::fromStdString(readRunColor(old.toStdString()));  // assigned
            QCOMPARE(ids->colorOf(old).name(), colour_old);
            QVERIFY(colour_old != colour_a && ids->colorOf(old) != ids->colorOf(b));
            // Labels: the run's name, recipe and beta beside it.
            QVERIFY(ids->fullLabelOf(a).endsWith("(exmate, β=0.5)"));
            QVERIFY(ids->labelOf(a).startsWith("a-"));
            // The same colour in the curves, the legend and the run table.
            widgets::CurvePlot* loss = w.dashboard()->plotFor("loss");
            QCOMPARE(loss->lineOf(a)->pen().color().name(), colour_a);
            QCOMPARE(
                w.dashboard()->legend()->itemOf(a)->data(0, Qt::DecorationRole).value<QColor>(),
                QColor(colour_a));
            // Wall time of the curves read from disk: 0.5 s per step, not 0.
            auto* axis = w.dashboard()->findChild<QComboBox*>();
            QVERIFY(axis && axis->itemText(2) == "wall time");
            axis->setCurrentIndex(2);
            loss->flush();
            QCOMPARE(loss->plot()->graph(0)->data()->at(2)->key, 1.5);
            // Selecting the run in the table highlights it in the plots.
            w.runTable()->select(a);
            QCOMPARE(ids->highlighted(), a);
            QVERIFY(loss->lineOf(a)->pen().widthF() > loss->lineOf(b)->pen().widthF());
        }
        MainWindow again(QString::fromStdString(runs), RGPB_SOURCE_DIR "/presets");
        auto* ids = again.findChild<widgets::RunIdentities*>("runIdentities");
        QCOMPARE(ids->colorOf(a).name(), colour_a);
        QCOMPARE(ids->colorOf(old).name(), colour_old);
    }

    // At 1024x700 the curve grid keeps two columns and scrolls instead of clipping. With
    // RGPB_SCREENSHOT_DIR set, the window is saved there at 1024x700 and 1600x1000 (docs/).
    void dashboardFitsAt1024x700() {
        QTemporaryDir tmp;
        {
            MainWindow empty(tmp.filePath("empty"), RGPB_SOURCE_DIR "/presets");
            empty.resize(1024, 700);
            empty.show();
            QVERIFY(QTest::qWaitForWindowExposed(&empty));
            for (const QString& m : empty.dashboard()->metrics())
                QVERIFY(empty.dashboard()->plotFor(m)->showsEmptyState());  // "Press Run..."
        }
        const std::string runs = tmp.filePath("runs").toStdString();
        fakeRun(runs, "demo-exmate-b0.5", "exmate", 0.5, 60);
        fakeRun(runs, "demo-exmate-b1", "exmate", 1.0, 60);
        fakeRun(runs, "demo-mle", "mle", 0, 60);
        const QString shots = qEnvironmentVariable("RGPB_SCREENSHOT_DIR");
        for (QSize size : {QSize(1024, 700), QSize(1600, 1000)}) {
            MainWindow w(QString::fromStdString(runs), RGPB_SOURCE_DIR "/presets");
            w.loadPreset(RGPB_SOURCE_DIR "/presets/demo.yaml");  // as the workbench starts
            // No page (the gradient lab's side-by-side plots, the judge) forces a larger window.
            QVERIFY2(w.minimumSizeHint().width() <= 1024 && w.minimumSizeHint().height() <= 700,
                     qPrintable(QString("minimum %1x%2")
                                    .arg(w.minimumSizeHint().width())
                                    .arg(w.minimumSizeHint().height())));
            w.resize(size);
            w.show();
            QVERIFY(QTest::qWaitForWindowExposed(&w));
            QCOMPARE(w.size(), size);
            widgets::MetricsDashboard* d = w.dashboard();
            QTRY_VERIFY2(d->columns() >= 2,
                         qPrintable(QString("%1 column(s) in a %2 px wide grid")
                                        .arg(d->columns())
                                        .arg(d->scrollArea()->viewport()->width())));
            QCOMPARE(d->scrollArea()->horizontalScrollBar()->maximum(), 0);
            for (const QString& m : d->metrics()) {
                widgets::CurvePlot* p = d->plotFor(m);
                QVERIFY(p->width() >= p->minimumWidth() && p->height() >= p->minimumHeight());
                QVERIFY(p->width() <= d->scrollArea()->viewport()->width());
            }
            QVERIFY(!d->plotFor("loss")->showsEmptyState());
            // The landscape, computed off the GUI thread from the runs' eval_pairs.csv: one point
            // per run in the run's colour, filled (finished), labelled by the run's name.
            QTRY_COMPARE(w.landscape()->points().size(), 3);
            auto* ids = w.findChild<widgets::RunIdentities*>("runIdentities");
            for (const widgets::LandscapePoint& p : w.landscape()->points())
                QCOMPARE(w.landscape()->colorOfRun(p.run), ids->colorOf(p.run));
            if (!shots.isEmpty()) {
                QTest::qWait(200);
                const QString name = QString("%1/workbench-%4-%2x%3.png")
                                         .arg(shots)
                                         .arg(size.width())
                                         .arg(size.height());
                QVERIFY(w.grab().save(name.arg("curves")));
                w.views()->setCurrentWidget(w.landscape());
                QTest::qWait(200);
                QVERIFY(w.grab().save(name.arg("landscape")));
            }
        }
    }

    void cancelEndsTheRun() {
        QTemporaryDir tmp;
        MainWindow w(tmp.filePath("runs"), RGPB_SOURCE_DIR "/presets");
        QString id = w.launch(microYaml(500), "test.yaml");
        TrainingSession* s = w.session(id);
        QSignalSpy steps(s, &TrainingSession::steps), ended(s, &TrainingSession::ended);
        QVERIFY(steps.wait(60000));
        s->cancel();
        QVERIFY(ended.wait(60000));
        QCOMPARE(ended.at(0).at(1).value<RunStatus>(), RunStatus::Cancelled);
        QCOMPARE(w.runTable()->rowAt(0).status, RunStatus::Cancelled);
    }

    void failedRunShowsItsReasonAndTheWindowStaysUp() {
        QTemporaryDir tmp;
        MainWindow w(tmp.filePath("runs"), RGPB_SOURCE_DIR "/presets");
        QString yaml = microYaml(5).replace("data: {synthetic: {count: 120}",
                                            "data: {source: /nonexistent/pairs.jsonl");
        QString id = w.launch(yaml, "bad-data.yaml");
        QVERIFY(!id.isEmpty());
        QSignalSpy ended(w.session(id), &TrainingSession::ended);
        QVERIFY(ended.wait(60000));
        QCOMPARE(ended.at(0).at(1).value<RunStatus>(), RunStatus::Failed);
        QCOMPARE(w.runTable()->rowAt(0).status, RunStatus::Failed);
        QVERIFY2(w.runTable()->rowAt(0).reason.contains("/nonexistent/pairs.jsonl"),
                 qPrintable(w.runTable()->rowAt(0).reason));
        QTRY_VERIFY(w.logView()->visibleText().contains("/nonexistent/pairs.jsonl"));
        // The window goes on: the next run trains.
        QString next = w.launch(microYaml(2), "ok.yaml");
        QSignalSpy ok(w.session(next), &TrainingSession::ended);
        QVERIFY(ok.wait(120000));
        QCOMPARE(ok.at(0).at(1).value<RunStatus>(), RunStatus::Finished);
    }

    void newComparisonGeneratesAndImportsForJudging() {
        QTemporaryDir tmp;
        MainWindow w(tmp.filePath("runs"), RGPB_SOURCE_DIR "/presets");
        QString a = w.launch(microYaml(2), "a.yaml");
        QString b = w.launch(microYaml(3), "b.yaml");
        QTRY_VERIFY_WITH_TIMEOUT(w.runTable()->rowCount() == 2 &&
                                     w.runTable()->rowAt(0).status == RunStatus::Finished &&
                                     w.runTable()->rowAt(1).status == RunStatus::Finished,
                                 120000);
        ComparisonRequest r;
        r.run_a = a.toStdString();
        r.run_b = b.toStdString();
        r.count = 2;
        r.generation.max_new_tokens = 6;
        r.out_dir = tmp.filePath("runs/comparisons/a-vs-b").toStdString();
        ComparisonJob* job = w.startComparison(r, {"Hello there", "What is 2 + 2?"});
        QVERIFY(job);
        QVERIFY(!w.startComparison(r));  // one at a time
        QSignalSpy done(job, &ComparisonJob::finished), failed(job, &ComparisonJob::failed);
        QVERIFY(done.wait(120000));
        QCOMPARE(failed.size(), 0);
        QCOMPARE(done.at(0).at(1).toInt(), 2);
        // The typed prompts became the set's prompts file, and the set is in the Judge tab.
        QVERIFY(QFile::exists(tmp.filePath("runs/comparisons/a-vs-b/prompts.txt")));
        QVERIFY(w.judgingView()->store());
        auto sets = w.judgingView()->store()->sets();
        QCOMPARE(sets.size(), std::size_t(1));
        QCOMPARE(sets[0].items, int64_t(2));
        QCOMPARE(QString::fromStdString(sets[0].models[0]), QFileInfo(a).fileName());
        w.judgingView()->setJudge("tester");
        QVERIFY(w.judgingView()->current().has_value());  // ready to judge
        // A run that does not exist: the job fails with a reason naming it.
        r.run_b = tmp.filePath("runs/missing").toStdString();
        r.out_dir = tmp.filePath("runs/comparisons/bad").toStdString();
        job = w.startComparison(r);
        QVERIFY(job);
        QSignalSpy bad(job, &ComparisonJob::failed);
        QVERIFY(bad.wait(60000));
        QVERIFY2(bad.at(0).at(0).toString().contains("missing"),
                 qPrintable(bad.at(0).at(0).toString()));
    }

    void sweepQueuesAMethodByBetaGrid() {
        QTemporaryDir tmp;
        MainWindow w(tmp.filePath("runs"), RGPB_SOURCE_DIR "/presets");
        w.setMaxConcurrent(1);
        QStringList ids = w.launchSweep(microYaml(400), "grid.yaml", {"0.5", "2"}, {"dpo", "ul"});
        QCOMPARE(ids.size(), 4);
        QStringList cells;
        for (int i = 0; i < w.runTable()->rowCount(); ++i)
            cells << QString("%1@%2")
                         .arg(w.runTable()->rowAt(i).recipe)
                         .arg(w.runTable()->rowAt(i).beta);
        cells.sort();
        QCOMPARE(cells, QStringList({"dpo@0.5", "dpo@2", "ul@0.5", "ul@2"}));
        QVERIFY(QFileInfo(ids[3]).fileName().startsWith("gui-ul-b2"));
        // Cancel everything: the queued ones go, the running one stops.
        for (const QString& id : ids)
            Q_EMIT w.runTable()->cancelRequested(id);
        QTRY_VERIFY_WITH_TIMEOUT(!w.session(ids[0]) || !w.session(ids[0])->isRunning(), 60000);
        QCOMPARE(w.runTable()->rowCount(), 1);
    }

    void queueRespectsConcurrency() {
        QTemporaryDir tmp;
        MainWindow w(tmp.filePath("runs"), RGPB_SOURCE_DIR "/presets");
        w.setMaxConcurrent(1);
        QString a = w.launch(microYaml(3), "a.yaml");
        QString b = w.launch(microYaml(3), "b.yaml");
        QVERIFY(w.session(a)->isRunning());
        QVERIFY(!w.session(b)->isRunning());
        QTRY_VERIFY_WITH_TIMEOUT(w.runTable()->rowCount() == 2 &&
                                     w.runTable()->rowAt(0).status == RunStatus::Finished &&
                                     w.runTable()->rowAt(1).status == RunStatus::Finished,
                                 120000);
    }

    void invalidConfigIsRefused() {
        QTemporaryDir tmp;
        MainWindow w(tmp.filePath("runs"), RGPB_SOURCE_DIR "/presets");
        QCOMPARE(w.launch("stages: [{method: ppo, steps: 1}]\n", "bad.yaml"), QString());
        QVERIFY(w.logView()->visibleText().contains("bad.yaml:1:"));
        QCOMPARE(w.runTable()->rowCount(), 0);
        w.editor()->setYaml("optimizer: {lr: fast}\nstages: [{method: mle, steps: 1}]\n");
        QVERIFY(!w.editor()->runButton()->isEnabled());
    }
};

RGPB_TEST_MAIN(TestWorkbench)
}  // namespace rgpb_test_workbench
#include "test_workbench.moc"
