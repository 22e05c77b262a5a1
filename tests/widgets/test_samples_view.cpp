// The samples view: runs and evaluation steps, the table of prompts and responses with their
// correct/incorrect marks, following the newest step of a live run, runs loaded from disk and
// removal.
#include <QtTest>

#include "tests/support/TestMain.h"

#include <QComboBox>
#include <QListWidget>
#include <QTableWidget>

#include "widgets/SamplesView.h"

// This file's code has its own namespace: the group's tests build as one unity batch.
namespace rgpb_test_samples_view {

using namespace rgpb::widgets;

namespace {

SampleSet set(qint64 step, QVector<SampleRow> rows, int stage = 0) {
    SampleSet s;
    s.step = step;
    s.stage = stage;
    s.samples = std::move(rows);
    return s;
}

QString cell(const SamplesView& v, int row, int column) {
    auto* item = v.table()->item(row, column);
    return item ? item->text() : QString("(none)");
}

}  // namespace

class TestSamplesView : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void showsStepsAndMarksCorrectness() {
        SamplesView v;
        QCOMPARE(v.table()->rowCount(), 0);
        v.addSamples("runs/a", "a (exmate)",
                     set(0, {{"Al has pink.\nUser: Al?\nAssistant:", " xx", 0},
                             {"Bo has gold.\nUser: Bo?\nAssistant:", " Bo has gold.", 1}}));
        QCOMPARE(v.currentRun(), QString("runs/a"));
        QCOMPARE(v.stepList()->count(), 1);
        QCOMPARE(v.stepList()->item(0)->text(), QString("step 0 (stage 0): 1/2 correct"));
        QCOMPARE(v.table()->rowCount(), 2);
        QCOMPARE(cell(v, 0, 0), QString("Al has pink.\nUser: Al?\nAssistant:"));
        QCOMPARE(cell(v, 0, 1), QString(" xx"));
        QVERIFY(cell(v, 0, 2).contains("wrong"));
        QCOMPARE(cell(v, 1, 1), QString(" Bo has gold."));
        QVERIFY(cell(v, 1, 2).contains("correct"));
        QVERIFY(v.table()->item(0, 1)->background() != v.table()->item(1, 1)->background());

        // A later evaluation: the view follows the newest step while it is selected.
        v.addSamples("runs/a", "a (exmate)",
                     set(25, {{"Al has pink.\nUser: Al?\nAssistant:", " Al has pink.", 1},
                              {"Bo has gold.\nUser: Bo?\nAssistant:", " Bo has gold.", 1}}));
        QCOMPARE(v.steps("runs/a"), QVector<qint64>({0, 25}));
        QCOMPARE(v.currentStep(), qint64(25));
        QCOMPARE(cell(v, 0, 1), QString(" Al has pink."));
        QCOMPARE(v.stepList()->item(1)->text(), QString("step 25 (stage 0): 2/2 correct"));

        // Looking at an older step: a new one does not pull the selection away.
        v.setCurrentStep(0);
        QCOMPARE(cell(v, 0, 1), QString(" xx"));
        v.addSamples("runs/a", "a (exmate)", set(50, {{"p", "r", -1}}, 1));
        QCOMPARE(v.stepList()->count(), 3);
        QCOMPARE(v.currentStep(), qint64(0));
        QCOMPARE(cell(v, 0, 1), QString(" xx"));
        v.setCurrentStep(50);
        QCOMPARE(cell(v, 0, 2), QString("unknown"));
        QCOMPARE(v.stepList()->item(2)->text(), QString("step 50 (stage 1)"));

        // The same step again replaces it.
        v.addSamples("runs/a", "a (exmate)", set(50, {{"p", "r2", -1}}, 1));
        QCOMPARE(v.steps("runs/a").size(), 3);
        QCOMPARE(cell(v, 0, 1), QString("r2"));
    }

    void runsFromDiskAndRemoval() {
        SamplesView v;
        v.addSamples("runs/live", "live", set(10, {{"q", "live answer", 1}}));
        // A run loaded from disk, steps out of order: sorted, newest shown when selected.
        v.setRunSamples("runs/disk", "disk",
                        {set(20, {{"q", "late", 1}}), set(0, {{"q", "early", 0}})});
        QCOMPARE(v.runs(), QStringList({"runs/live", "runs/disk"}));
        QCOMPARE(v.currentRun(), QString("runs/live"));  // adding a run does not switch to it
        QCOMPARE(cell(v, 0, 1), QString("live answer"));
        v.setCurrentRun("runs/disk");
        QCOMPARE(v.steps("runs/disk"), QVector<qint64>({0, 20}));
        QCOMPARE(v.currentStep(), qint64(20));
        QCOMPARE(cell(v, 0, 1), QString("late"));
        v.stepList()->setCurrentRow(0);  // a click on the first step
        QCOMPARE(cell(v, 0, 1), QString("early"));

        v.removeRun("runs/disk");
        QCOMPARE(v.runs(), QStringList({"runs/live"}));
        QCOMPARE(v.currentRun(), QString("runs/live"));
        QCOMPARE(cell(v, 0, 1), QString("live answer"));
        v.removeRun("runs/live");
        QCOMPARE(v.stepList()->count(), 0);
        QCOMPARE(v.table()->rowCount(), 0);
    }
};

RGPB_TEST_MAIN(TestSamplesView)
}  // namespace rgpb_test_samples_view
#include "test_samples_view.moc"
