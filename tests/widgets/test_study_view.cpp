// The Study tab's widgets on constructed values: the progress grid shows each cell's state and
// opens the right run, the landscape's error bars carry the intervals over seeds and the MLE
// reference lines sit at MLE's means, the beta and curve bands span the intervals, the claims
// table shows verdicts with their colours, the study editor marks a parse error's line, and
// every figure exports.
#include <QtTest>

#include "tests/support/TestMain.h"

#include <qcustomplot.h>

#include <QDir>
#include <QPlainTextEdit>
#include <QSignalSpy>
#include <QTableWidget>
#include <QTemporaryDir>
#include "tests/support/PlotLookup.h"

#include "tests/support/Approx.h"
#include "widgets/StudyEditor.h"
#include "widgets/StudyGrid.h"
#include "widgets/StudyPlots.h"
#include "widgets/StudyTables.h"
#include "widgets/StudyView.h"

// This file's code has its own namespace: the group's tests build as one unity batch.
namespace rgpb_test_study_view {

using namespace rgpb;
using rgpb::test::barsOf;
using rgpb::test::graphNamed;
using namespace rgpb::widgets;

namespace {

StudyGridCell gridCell(const QString& recipe, double beta, quint64 seed, PlannedRunState state,
                       const QStringList& runs, const QString& reason = {}) {
    StudyGridCell c;
    c.task = "low-info";
    c.recipe = recipe;
    c.beta = beta;
    c.seed = seed;
    c.state = state;
    c.run_dirs = runs;
    c.reason = reason;
    return c;
}

MeanInterval interval(double mean, double lo, double hi, int n = 3) {
    MeanInterval m;
    m.mean = mean;
    m.lo = lo;
    m.hi = hi;
    m.n = n;
    return m;
}

AggregatePoint aggPoint(const std::string& recipe, double beta, MeanInterval ppl,
                        MeanInterval agility, MeanInterval pos_prob) {
    AggregatePoint p;
    p.task = "low-info";
    p.recipe = recipe;
    p.beta = beta;
    p.perplexity = ppl;
    p.agility = agility;
    p.pos_prob = pos_prob;
    p.finished = p.planned = 3;
    return p;
}

// MLE (no beta) and ExMATE at two betas on one task; values as if over three seeds.
StudyAggregate aggregate() {
    StudyAggregate a;
    a.points.push_back(aggPoint("mle", 0, interval(4.0, 3.6, 4.4), interval(0.20, 0.15, 0.25),
                                interval(0.5, 0.45, 0.55)));
    a.points.push_back(aggPoint("exmate", 0.5, interval(3.0, 2.5, 3.8), interval(0.40, 0.30, 0.52),
                                interval(0.6, 0.5, 0.7)));
    a.points.push_back(aggPoint("exmate", 0.1, interval(6.0, 5.0, 7.5), interval(0.10, 0.02, 0.16),
                                interval(0.7, 0.66, 0.74)));
    AggregateCurve c;
    c.task = "low-info";
    c.recipe = "exmate";
    c.metric = "eval/agility";
    c.beta = 0.5;
    c.step = {10, 20};
    c.value = {interval(0.1, 0.0, 0.2), interval(0.3, 0.25, 0.35)};
    a.curves.push_back(c);
    PairedComparison cmp;
    cmp.task = "low-info";
    cmp.metric = "agility";
    cmp.recipe_a = "exmate";
    cmp.beta_a = 0.5;
    cmp.recipe_b = "mle";
    cmp.diff = interval(0.2, 0.1, 0.3);
    cmp.p_value = 0.012;
    cmp.seeds = {1, 2, 3};
    a.comparisons.push_back(cmp);
    return a;
}

std::vector<ClaimResult> claims() {
    std::vector<ClaimResult> out(3);
    out[0].statement = "At low information difference, ExMATE's agility exceeds MLE's";
    out[0].task = "low-info";
    out[0].beta = 0.5;
    out[0].verdict = ClaimVerdict::Supported;
    out[0].effect = interval(0.2, 0.1, 0.3);
    out[0].p_value = 0.012;
    out[1].statement = "At low information difference, ExMATE's perplexity is below MLE's";
    out[1].task = "low-info";
    out[1].verdict = ClaimVerdict::Contradicted;
    out[1].effect = interval(-1.0, -1.5, -0.5);
    out[2].statement = "Raising beta lowers DPO's agility";
    out[2].verdict = ClaimVerdict::NotTested;
    out[2].why = "the study has one beta";
    return out;
}

}  // namespace

class TestStudyView : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void gridShowsStatesAndOpensTheRun() {
        QTemporaryDir tmp;
        const QString first = tmp.filePath("mle-1"), second = tmp.filePath("dpo-1");
        QVERIFY(QDir().mkpath(first));  // the first stage ran, the second never started
        StudyGrid grid;
        grid.setCells({gridCell("mle", 0, 1, PlannedRunState::Finished, {first}),
                       gridCell("mle", 0, 2, PlannedRunState::Failed, {tmp.filePath("mle-2")},
                                "diverged: loss is NaN"),
                       gridCell("mle -> dpo", 0.5, 1, PlannedRunState::Ready, {first, second}),
                       gridCell("mle -> dpo", 0.5, 2, PlannedRunState::Running, {"a", "b"})});
        QTableWidget* t = grid.table();
        QCOMPARE(t->rowCount(), 2);
        QCOMPARE(t->columnCount(), 2);
        QCOMPARE(t->verticalHeaderItem(1)->text(), QString("low-info: mle -> dpo, β=0.5"));
        QCOMPARE(t->horizontalHeaderItem(1)->text(), QString("seed 2"));
        QCOMPARE(t->item(0, 0)->text(), QString("finished"));
        QCOMPARE(t->item(0, 1)->text(), QString("failed"));
        QVERIFY(t->item(0, 1)->toolTip().contains("diverged: loss is NaN"));
        QCOMPARE(t->item(1, 0)->text(), QString("ready"));
        QCOMPARE(t->item(1, 1)->text(), QString("running"));
        QVERIFY(t->item(0, 0)->background().color() != t->item(0, 1)->background().color());
        QCOMPARE(grid.summaryText().left(42),
                 QString("4 cells: 1 finished, 1 running, 1 ready, 1"));

        QSignalSpy opened(&grid, &StudyGrid::runActivated);
        Q_EMIT t->cellActivated(1, 0);  // second stage not started: its first stage opens
        Q_EMIT t->cellActivated(0, 1);  // no folder at all: its last stage
        QCOMPARE(opened.size(), 2);
        QCOMPARE(opened[0][0].toString(), first);
        QCOMPARE(opened[1][0].toString(), tmp.filePath("mle-2"));
        QVERIFY(QDir().mkpath(second));
        QCOMPARE(grid.runToOpen(1, 0), second);
    }

    void gridCellsFromResults() {
        StudyResults r;
        StudyCellResult done, failed, waiting;
        done.task = failed.task = waiting.task = "t";
        done.recipe = failed.recipe = waiting.recipe = "ul";
        done.beta = failed.beta = waiting.beta = 0.1;
        done.seed = 1;
        failed.seed = 2;
        waiting.seed = 3;
        done.status = RunStatus::Finished;
        done.final_metrics = {{"eval/perplexity", 5.5}, {"eval/agility", 0.25}};
        failed.status = RunStatus::Cancelled;
        failed.reason = "cancelled by the user";
        waiting.status = RunStatus::Running;
        r.cells = {done, failed, waiting};
        const QVector<StudyGridCell> cells = studyGridCells(r);
        QCOMPARE(cells.size(), 3);
        QCOMPARE(cells[0].state, PlannedRunState::Finished);
        QCOMPARE(cells[0].perplexity, 5.5);
        QCOMPARE(cells[0].agility, 0.25);
        QCOMPARE(cells[1].state, PlannedRunState::Failed);
        QCOMPARE(cells[1].reason, QString("cancelled by the user"));
        QCOMPARE(cells[2].state, PlannedRunState::Pending);
        QVERIFY(std::isnan(cells[2].perplexity));
    }

    void landscapeErrorBarsCarryTheIntervals() {
        QCustomPlot plot;
        prepareStudyPlot(&plot, "Landscape");
        drawStudyLandscape(&plot, aggregate(), "low-info");
        QCPGraph* ex = graphNamed(&plot, "exmate");
        QVERIFY(ex);
        QCOMPARE(ex->dataCount(), 2);
        // Sorted by perplexity: beta 0.5 (3.0) first, then beta 0.1 (6.0).
        QCOMPARE(ex->data()->at(0)->key, 3.0);
        QCOMPARE(ex->data()->at(0)->value, 0.40);
        QCPErrorBars* x = barsOf(&plot, "exmate", QCPErrorBars::etKeyError);
        QCPErrorBars* y = barsOf(&plot, "exmate", QCPErrorBars::etValueError);
        QVERIFY(x && y);
        // [2.5, 3.8] around 3.0 and [0.30, 0.52] around 0.40; then [5.0, 7.5] around 6.0.
        RGPB_COMPARE_NEAR(x->data()->at(0).errorMinus, 0.5, 1e-12);
        RGPB_COMPARE_NEAR(x->data()->at(0).errorPlus, 0.8, 1e-12);
        RGPB_COMPARE_NEAR(y->data()->at(0).errorMinus, 0.10, 1e-12);
        RGPB_COMPARE_NEAR(y->data()->at(0).errorPlus, 0.12, 1e-12);
        RGPB_COMPARE_NEAR(x->data()->at(1).errorMinus, 1.0, 1e-12);
        RGPB_COMPARE_NEAR(x->data()->at(1).errorPlus, 1.5, 1e-12);
        RGPB_COMPARE_NEAR(y->data()->at(1).errorMinus, 0.08, 1e-12);
        RGPB_COMPARE_NEAR(y->data()->at(1).errorPlus, 0.06, 1e-12);
        // MLE's means as a vertical and a horizontal reference line.
        QList<double> xs, ys;
        for (int i = 0; i < plot.itemCount(); ++i) {
            if (auto* line = qobject_cast<QCPItemStraightLine*>(plot.item(i))) {
                const QPointF a = line->point1->coords(), b = line->point2->coords();
                if (a.x() == b.x())
                    xs << a.x();
                else if (a.y() == b.y())
                    ys << a.y();
            }
        }
        QCOMPARE(xs, QList<double>{4.0});
        QCOMPARE(ys, QList<double>{0.20});
        // The axes hold every interval.
        QVERIFY(plot.xAxis->range().lower < 2.5 && plot.xAxis->range().upper > 7.5);
        QVERIFY(plot.yAxis->range().lower < 0.02 && plot.yAxis->range().upper > 0.52);
    }

    void landscapeAxisIgnoresIntervalsBelowZero() {
        // Three seeds of a diverging run: perplexity 40 with an interval [-8, 94]. The log axis
        // keeps to the points (and the upper ends) instead of stretching towards 0.
        StudyAggregate a = aggregate();
        a.points.push_back(aggPoint("dpo", 0.5, interval(40.0, -8.0, 94.0),
                                    interval(0.01, -0.002, 0.02), interval(0.03, 0.0, 0.07)));
        QCustomPlot plot;
        prepareStudyPlot(&plot, "Landscape");
        drawStudyLandscape(&plot, a, "low-info");
        QVERIFY2(plot.xAxis->range().lower > 1.0,
                 qPrintable(QString::number(plot.xAxis->range().lower)));
        QVERIFY(plot.xAxis->range().lower < 2.5 && plot.xAxis->range().upper > 94.0);
        QCPErrorBars* x = barsOf(&plot, "dpo", QCPErrorBars::etKeyError);
        QVERIFY(x);
        RGPB_COMPARE_NEAR(x->data()->at(0).errorMinus, 48.0, 1e-12);  // still the whole interval
    }

    void betaSensitivityBandsSpanTheIntervals() {
        QCustomPlot plot;
        prepareStudyPlot(&plot, "beta");
        drawBetaSensitivity(&plot, aggregate(), "low-info", BetaMetric::PosProb);
        QCPGraph* ex = graphNamed(&plot, "exmate");
        QVERIFY(ex);
        QCOMPARE(ex->dataCount(), 2);  // by beta: 0.1 then 0.5
        QCOMPARE(ex->data()->at(0)->key, 0.1);
        QCOMPARE(ex->data()->at(0)->value, 0.7);
        QCOMPARE(ex->data()->at(1)->value, 0.6);
        // The band: a filled graph whose channel is another; hi over lo at each beta.
        QCPGraph* hi = nullptr;
        for (int i = 0; i < plot.graphCount(); ++i)
            if (plot.graph(i)->channelFillGraph())
                hi = plot.graph(i);
        QVERIFY(hi);
        QCOMPARE(hi->data()->at(0)->value, 0.74);
        QCOMPARE(hi->channelFillGraph()->data()->at(0)->value, 0.66);
        QCOMPARE(hi->data()->at(1)->value, 0.7);
        QCOMPARE(hi->channelFillGraph()->data()->at(1)->value, 0.5);
    }

    void claimsTableShowsVerdicts() {
        QTableWidget t;
        fillClaimsTable(&t, claims());
        QCOMPARE(t.rowCount(), 3);
        QCOMPARE(t.item(0, 5)->text(), QString("supported"));
        QCOMPARE(t.item(1, 5)->text(), QString("contradicted"));
        QCOMPARE(t.item(2, 5)->text(), QString("not tested"));
        QCOMPARE(t.item(0, 2)->text(), QString("0.5"));
        QCOMPARE(t.item(0, 3)->text(), QString("0.2 [0.1, 0.3]"));
        QCOMPARE(t.item(0, 4)->text(), QString("0.012"));
        QCOMPARE(t.item(2, 3)->text(), QString("–"));
        QCOMPARE(t.item(2, 5)->toolTip(), QString("the study has one beta"));
        QCOMPARE(t.item(0, 5)->background().color(), claimVerdictColor(ClaimVerdict::Supported));
        QVERIFY(claimVerdictColor(ClaimVerdict::Supported) !=
                claimVerdictColor(ClaimVerdict::Contradicted));
        const CsvTable csv = claimsCsv(claims());
        QCOMPARE(csv.rows[1][4], QString("contradicted"));
        QCOMPARE(csv.rows[0][1],  // the statement holds a comma and a quote: quoted
                 QString("\"At low information difference, ExMATE's agility exceeds MLE's\""));
    }

    void viewShowsATaskAndExports() {
        StudyView view([](const QString&, const QString&) { return ValidationResult{}; });
        view.resize(1024, 640);
        StudyResults results;
        StudyTaskMeasure m;
        m.task = "low-info";
        m.info_diff_log10_mean = -3.5;
        m.info_diff_log10_median = -3.2;
        m.grad_diff_l2 = {0.5, 0.05};
        results.measures.push_back(m);
        view.setResults(results, aggregate(), claims());
        QVERIFY(view.stopButton()->parentWidget()->layout()->indexOf(view.stopButton()) >= 0);
        QVERIFY(!view.stopButton()->isEnabled());
        view.setRunning(true);
        QVERIFY(view.stopButton()->isEnabled() && !view.runButton()->isEnabled());
        view.setRunning(false);
        QCOMPARE(view.tasks(), QStringList{"low-info"});
        QCOMPARE(view.claimsTable()->rowCount(), 3);
        QCOMPARE(view.comparisonsTable()->rowCount(), 1);
        QCOMPARE(view.comparisonsTable()->item(0, 4)->text(), QString("0.2 [0.1, 0.3]"));
        QVERIFY(graphNamed(view.curvesPlot(), "exmate, β=0.5"));
        QCOMPARE(graphNamed(view.curvesPlot(), "exmate, β=0.5")->dataCount(), 2);
        QCOMPARE(graphNamed(view.infoPlot(), "median")->data()->at(0)->value, -3.2);
        QTemporaryDir tmp;
        for (QCustomPlot* p : {view.landscapePlot(), view.agilityPlot(), view.curvesPlot(),
                               view.infoPlot(), view.gradPlot()}) {
            for (const char* ext : {"png", "svg", "pdf"}) {
                const QString path = tmp.filePath(QString("f%1.%2").arg(quintptr(p)).arg(ext));
                QVERIFY2(exportPlotFigure(p, path), qPrintable(path));
                QVERIFY(QFileInfo(path).size() > 500);
            }
        }
        QVERIFY(writeCsv(tmp.filePath("points.csv"), studyLandscapeCsv(aggregate(), "low-info")));
        QFile csv(tmp.filePath("points.csv"));
        QVERIFY(csv.open(QIODevice::ReadOnly));
        const QStringList lines = QString::fromUtf8(csv.readAll()).split('\n', Qt::SkipEmptyParts);
        QCOMPARE(lines.size(), 4);
        QCOMPARE(lines[2], QString("low-info,exmate,0.5,3,3,3,2.5,3.8,0.4,0.3,0.52,0.6,0.5,0.7"));
    }

    void editorMarksTheProblemLine() {
        StudyEditor editor([](const QString& yaml, const QString& source) {
            ValidationResult r;
            if (yaml.contains("seeds: [1]")) {
                r.ok = false;
                r.line = 3;
                r.message = source + ":3:8: seeds: at least 3 seeds";
            } else {
                r.message = "valid";
            }
            return r;
        });
        QSignalSpy validity(&editor, &StudyEditor::validityChanged);
        editor.setText("name: s\nrecipes: [mle]\nseeds: [1]\n");
        QVERIFY(!editor.isValid());
        QCOMPARE(editor.markedLine(), 3);
        QVERIFY(editor.statusText().contains("study.yaml:3:8: seeds: at least 3 seeds"));
        editor.setText("name: s\nrecipes: [mle]\nseeds: [1, 2, 3]\n");
        QVERIFY(editor.isValid());
        QCOMPARE(editor.markedLine(), 0);
        QCOMPARE(validity.size(), 1);  // became valid once
        QTemporaryDir tmp;
        QVERIFY(editor.save(tmp.filePath("s.yaml")));
        QVERIFY(!editor.hasUnsavedEdits());
        StudyEditor other([](const QString&, const QString& source) {
            ValidationResult r;
            r.message = source;
            return r;
        });
        QVERIFY(other.loadFile(tmp.filePath("s.yaml")));
        QCOMPARE(other.text(), editor.text());
        QVERIFY(other.statusText().contains(tmp.filePath("s.yaml")));  // parsed as that file
    }
};

RGPB_TEST_MAIN(TestStudyView)
}  // namespace rgpb_test_study_view
#include "test_study_view.moc"
