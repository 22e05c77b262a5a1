// The workbench's Study tab, offscreen (app/gui/StudyTab.cpp): a study folder written by the
// study runner (with a fake executor that writes each run's summary and metrics, so nothing
// trains; the cells start from a given model folder) opens with its grid and views filled from the
// runs' numbers, its cell opens its run on the Train tab, a parse error is shown at its line, Run
// hands exactly the runs that can start to the window's queue (shared runs already finished are
// reused), and Export writes the report.
#include <QtTest>

#include "tests/support/TestMain.h"

#include <qcustomplot.h>

#include <QDir>
#include <QPushButton>
#include <QTabWidget>
#include <QTableWidget>
#include <QTemporaryDir>
#include <deque>
#include <filesystem>
#include <fstream>
#include "tests/support/PlotLookup.h"

#include "app/gui/MainWindow.h"
#include "app/gui/StudyTab.h"
#include "core/study/StudyRunner.h"
#include "tests/support/Approx.h"
#include "widgets/StudyView.h"

// This file's code has its own namespace: the group's tests build as one unity batch.
namespace rgpb_test_study_tab {

using namespace rgpb;
using rgpb::test::barsOf;
using rgpb::test::graphNamed;
using namespace rgpb::app;
namespace fs = std::filesystem;

namespace {

// One task, the given recipes at one beta, three seeds, every cell starting from the model in
// `base` (a folder), one learning rate per method (no selection runs).
std::string studyYaml(const std::string& name, const std::string& recipes,
                      const std::string& base) {
    return "name: " + name +
           "\n"
           "run:\n"
           "  model: {size: micro}\n"
           "  optimizer: {lr: 0.002, batch_size: 4}\n"
           "base:\n"
           "  from: " +
           base +
           "\n"
           "tasks:\n"
           "  - name: low-info\n"
           "    data: {source: synthetic, synthetic: {regime: context-contrast, count: 60}}\n"
           "recipes: [" +
           recipes +
           "]\n"
           "betas: [0.5]\n"
           "seeds: [1, 2, 3]\n"
           "steps: 2\n";
}

// The final numbers the fake executor gives a run: by method and seed, chosen by hand.
struct FakeNumbers {
    double perplexity, agility;
};
FakeNumbers fakeNumbers(const RunConfig& c) {
    const int s = static_cast<int>(c.seed) - 1;  // seeds 1, 2, 3
    if (c.recipe() == "mle")
        return {std::vector<double>{4.1, 4.2, 4.6}[s], std::vector<double>{0.20, 0.22, 0.27}[s]};
    if (c.recipe() == "dpo")
        return {std::vector<double>{6.0, 6.5, 7.0}[s], std::vector<double>{0.5, 0.4, 0.6}[s]};
    return {10.0, 0.0};
}

// Finishes every run at once: summary.json with the final evaluation, metrics.jsonl with it.
// A measurement is marked failed (nothing here measures).
class FakeExecutor : public StudyExecutor {
public:
    void start(const PlannedRun& run) override {
        fs::create_directories(run.run_dir);
        if (run.kind == PlannedRunKind::Measure) {
            std::ofstream(fs::path(run.run_dir) / kMeasureFailedFile) << "not measured here";
        } else {
            const FakeNumbers n = fakeNumbers(run.config);
            const NamedValues eval = {{"perplexity", n.perplexity}, {"agility", n.agility}};
            {
                MetricsLog log(run.run_dir);
                log.write(2, 0, "eval", eval);
            }
            RunSummary s;
            s.status = RunStatus::Finished;
            s.recipe = run.config.recipe();
            s.step = s.total_steps = 2;
            s.wall_time_s = 1.0;
            s.final_metrics = {{"eval/perplexity", n.perplexity}, {"eval/agility", n.agility}};
            writeSummary(run.run_dir, s);
        }
        started_.push_back(run.run_dir);
    }
    std::string waitAny() override {
        const std::string dir = started_.front();
        started_.pop_front();
        return dir;
    }

private:
    std::deque<std::string> started_;
};

// <dir>/base, standing for a Hugging Face folder (base.from must name a model: a config.json);
// the fake executor never reads its weights.
std::string fakeBase(const QTemporaryDir& tmp) {
    fs::create_directories(tmp.filePath("base").toStdString());
    std::ofstream(tmp.filePath("base/config.json").toStdString()) << "{}\n";
    return tmp.filePath("base").toStdString();
}

// Writes <dir>/<name>.yaml and runs it to the end under <dir>/studies with the fake executor.
std::string runFakeStudy(const QTemporaryDir& tmp, const std::string& name,
                         const std::string& recipes) {
    const std::string file = tmp.filePath(QString::fromStdString(name + ".yaml")).toStdString();
    std::ofstream(file) << studyYaml(name, recipes, fakeBase(tmp));
    FakeExecutor executor;
    runStudy(loadStudySpec(file), tmp.filePath("studies").toStdString(), executor, {}, {});
    return tmp.filePath(QString::fromStdString("studies/" + name)).toStdString();
}

}  // namespace

class TestStudyTab : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void studyFolderFillsTheGridAndViews() {
        QTemporaryDir tmp;
        const QString study = QString::fromStdString(runFakeStudy(tmp, "demo", "mle, mle -> dpo"));
        MainWindow window(tmp.filePath("runs"), RGPB_SOURCE_DIR "/presets");
        StudyTab* tab = window.studyTab();
        QVERIFY(tab);
        QSignalSpy refreshed(tab, &StudyTab::refreshed);
        QVERIFY(tab->openFolder(study));
        QVERIFY(refreshed.wait(20000));
        widgets::StudyView* view = tab->view();
        QTableWidget* grid = view->grid()->table();
        QCOMPARE(grid->rowCount(), 2);  // mle; mle -> dpo at 0.5
        QCOMPARE(grid->columnCount(), 3);
        for (int r = 0; r < 2; ++r)
            for (int c = 0; c < 3; ++c)
                QCOMPARE(grid->item(r, c)->text(), QString("finished"));
        QVERIFY(view->editor()->isValid());
        QVERIFY(view->editor()->path().endsWith("demo.yaml"));  // the file it ran from
        QVERIFY(tab->statusText().contains("finished"));

        // MLE over seeds 1-3: perplexity 4.1, 4.2, 4.6 -> mean 4.3, sd sqrt(0.07), 95% half
        // width t(0.975, 2) * sd / sqrt(3) = 4.3026527 * 0.2645751 / 1.7320508 = 0.6572411.
        QCustomPlot* landscape = view->landscapePlot();
        QCPGraph* mle = graphNamed(landscape, "mle (SFT)");
        QVERIFY(mle);
        RGPB_COMPARE_NEAR(mle->data()->at(0)->key, 4.3, 1e-12);
        RGPB_COMPARE_NEAR(mle->data()->at(0)->value, 0.23, 1e-12);
        QCPErrorBars* x = barsOf(landscape, "mle (SFT)", QCPErrorBars::etKeyError);
        QVERIFY(x);
        RGPB_COMPARE_NEAR(x->data()->at(0).errorMinus, 0.6572411, 1e-6);
        RGPB_COMPARE_NEAR(x->data()->at(0).errorPlus, 0.6572411, 1e-6);
        // MLE -> DPO's agility 0.5, 0.4, 0.6: mean 0.5, sd 0.1, half width 0.2484138.
        QCPErrorBars* y = barsOf(landscape, "mle -> dpo", QCPErrorBars::etValueError);
        QVERIFY(y);
        RGPB_COMPARE_NEAR(y->data()->at(0).errorMinus, 0.2484138, 1e-6);
        QVERIFY(view->claimsTable()->rowCount() > 0);
        QVERIFY(view->comparisonsTable()->rowCount() > 0);

        // A cell opens its run on the Train tab.
        const QString mle_run = view->grid()->runToOpen(0, 1);
        QVERIFY(QFileInfo::exists(mle_run + "/summary.json"));
        Q_EMIT grid->cellActivated(0, 1);
        QCOMPARE(qobject_cast<QTabWidget*>(window.centralWidget())->currentIndex(), 0);
        QCOMPARE(window.runTable()->selectedIds(), QStringList{QDir::cleanPath(mle_run)});

        // Export writes the report.
        QSignalSpy exported(tab, &StudyTab::exported);
        QVERIFY(tab->exportReport(tmp.filePath("report")));
        QVERIFY(exported.wait(20000));
        QCOMPARE(exported[0][1].toBool(), true);
        QVERIFY(QFileInfo(tmp.filePath("report/report.html")).size() > 1000);
    }

    void parseErrorsShowTheirLine() {
        QTemporaryDir tmp;
        MainWindow window(tmp.filePath("runs"), RGPB_SOURCE_DIR "/presets");
        const QString file = tmp.filePath("bad.yaml");
        std::ofstream(file.toStdString())
            << studyYaml("bad", "mle", fakeBase(tmp)) << "seedz: [1]\n";
        QVERIFY(window.studyTab()->openFile(file));
        widgets::StudyEditor* editor = window.studyTab()->view()->editor();
        QVERIFY(!editor->isValid());
        QCOMPARE(editor->markedLine(), 14);  // the line after the 13 of studyYaml
        QVERIFY2(editor->statusText().contains(file + ":14:1"), qPrintable(editor->statusText()));
        QVERIFY(!window.studyTab()->view()->runButton()->isEnabled());
        QVERIFY(!window.studyTab()->run());
        QVERIFY(window.studyTab()->view()->grid()->cells().isEmpty());
        QVERIFY(window.studyTab()->studyDir().isEmpty());
    }

    void runQueuesTheReadyRuns() {
        QTemporaryDir tmp;
        runFakeStudy(tmp, "demo", "mle, mle -> dpo");  // the base and the MLE runs are done
        const QString file = tmp.filePath("more.yaml");
        std::ofstream(file.toStdString())
            << studyYaml("more", "mle, exmate", tmp.filePath("base").toStdString());
        // What can start now: ExMATE's three seeds (MLE's runs are shared and finished).
        const StudyPlan plan =
            planStudy(loadStudySpec(file.toStdString()), tmp.filePath("studies").toStdString());
        QStringList ready;
        for (std::size_t i = 0; i < plan.runs.size(); ++i)
            if (plan.runs[i].kind != PlannedRunKind::Measure &&
                plannedRunState(plan, i) == PlannedRunState::Ready)
                ready << QDir::cleanPath(QString::fromStdString(plan.runs[i].run_dir));
        QCOMPARE(ready.size(), 3);

        MainWindow window(tmp.filePath("runs"), RGPB_SOURCE_DIR "/presets");
        window.studyTab()->setStudiesDir(tmp.filePath("studies"));
        QVERIFY(window.studyTab()->openFile(file));
        QVERIFY(window.studyTab()->run());
        QVERIFY(window.studyTab()->isRunning());
        for (const QString& dir : ready)
            QTRY_VERIFY_WITH_TIMEOUT(window.session(dir) != nullptr, 20000);
        QStringList listed;  // every run the window lists is one of those
        for (int r = 0; r < window.runTable()->rowCount(); ++r)
            listed << window.runTable()->rowAt(r).id;
        listed.sort();
        ready.sort();
        QCOMPARE(listed, ready);
        window.studyTab()->view()->stopButton()->click();  // no more of its runs queued
        QTRY_VERIFY_WITH_TIMEOUT(!window.studyTab()->isRunning(), 20000);
    }
};

RGPB_TEST_MAIN(TestStudyTab)
}  // namespace rgpb_test_study_tab
#include "test_study_tab.moc"
