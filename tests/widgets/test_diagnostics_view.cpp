// The gradient diagnostics in the window: the token colours and hover text, the dashboard's
// diagnostics curves and alerts built from diagnostics rows, the Diagnostics view over a run
// folder written with the core's writers (heat strip shares, displacement and gradient plots,
// tables, the token view against the stage start and the previous evaluation, CSV), the curves'
// event markers and the run table's alert mark.
#include <QtTest>

#include "tests/support/TestMain.h"

#include <qcustomplot.h>

#include <QComboBox>
#include <QTableWidget>
#include <QTemporaryDir>

#include <cmath>

#include "core/diagnostics/Diagnostics.h"
#include "widgets/CurvePlot.h"
#include "widgets/DiagnosticsView.h"
#include "widgets/RunCurves.h"
#include "widgets/RunTable.h"
#include "widgets/TokenDeltaView.h"

// This file's code has its own namespace: the group's tests build as one unity batch.
namespace rgpb_test_diagnostics_view {

using namespace rgpb;
using namespace rgpb::widgets;

namespace {

// A DPO row at `step` with the given weights (median as given), displaced share and gradients.
DiagnosticsRow row(int64_t step, int stage, std::vector<double> weights, double median,
                   double share, bool alert) {
    DiagnosticsRow r;
    r.step = step;
    r.stage = stage;
    r.stage_name = stage == 0 ? "sft" : "dpo";
    r.method = "dpo";
    r.beta = 0.1;
    if (!weights.empty())
        r.weights.push_back({"dpo", "beta*sigmoid(-h)", weights, median, median, median});
    r.displacement.pairs = std::size_t(std::lround(share * 4));
    r.displacement.share = share;
    r.displacement.threshold = 0.5;
    r.displacement.alert = alert;
    r.displacement.top = {{1, -0.75, -2.0, 1.25}, {0, -0.25, -1.0, 0.75}};
    r.gradients = {{"embeddings", 1.0, 2.0, -0.5}, {"all", 3.0 + double(step), 4.0, -0.25}};
    r.probe_pairs = 4;
    return r;
}

}  // namespace

class TestDiagnosticsView : public QObject {
    Q_OBJECT

private Q_SLOTS:
    // White for no change, the full colour at the scale, linear in between (hand-computed).
    void tokenColoursAreLinearInTheChange() {
        QCOMPARE(tokenChangeColor(0.0, 2.0), QColor(255, 255, 255));
        QCOMPARE(tokenChangeColor(-2.0, 2.0), QColor(214, 39, 40));
        QCOMPARE(tokenChangeColor(-5.0, 2.0), QColor(214, 39, 40));  // beyond the scale: full
        // Half way to blue (31, 119, 180): 255 - 0.5 * (255 - c) = 143, 187, 217.5 -> 218.
        QCOMPARE(tokenChangeColor(1.0, 2.0), QColor(143, 187, 218));
        QCOMPARE(tokenChangeColor(std::nan(""), 2.0), QColor(255, 255, 255));
    }

    void tokenTextMapsPositionsToTokensAndDescribesThem() {
        TokenDeltaText text;
        text.setTokens({{"The", -1.0, -2.0}, {" cat", -0.5, -0.25}, {"\n", -3.0, -3.0}}, 1.0);
        // Each token is followed by a hairline separator: "The" 0-2, sep 3, " cat" 4-7, sep 8,
        // "\u21b5\n" 9-10.
        QCOMPARE(text.tokenAtPosition(0), 0);
        QCOMPARE(text.tokenAtPosition(2), 0);
        QCOMPARE(text.tokenAtPosition(4), 1);
        QCOMPARE(text.tokenAtPosition(9), 2);
        QCOMPARE(text.tokenAtPosition(12), -1);
        QVERIFY2(text.describe(0).contains("'The'   log p -1 -> -2   (change -1)"),
                 qPrintable(text.describe(0)));
        QVERIFY2(text.describe(1).contains("(change +0.25)"), qPrintable(text.describe(1)));
        QVERIFY(text.describe(2).contains("'\\n'"));
        QCOMPARE(text.describe(3), QString());
    }

    // Points take tokens and wall time from the evaluation at or before their step.
    void dashboardCurvesFromRowsUseTheEvaluationClock() {
        const std::vector<DiagnosticsRow> rows = {row(0, 0, {}, 0, 0.0, false),
                                                  row(10, 1, {0.05, 0.05}, 0.05, 0.25, false),
                                                  row(20, 1, {0.02, 0.04}, 0.03, 0.75, true)};
        const QVector<CurvePoint> clock = {{0, 0, 0, 0}, {10, 100, 1.5, 0}, {20, 200, 3.0, 0}};
        const auto curves = curvesFromDiagnostics(rows, clock);
        const auto share = curves.value("displacement_share");
        QCOMPARE(share.size(), 3);
        QCOMPARE(share[2].step, 20.0);
        QCOMPARE(share[2].tokens, 200.0);
        QCOMPARE(share[2].seconds, 3.0);
        QCOMPARE(share[2].value, 0.75);
        const auto median = curves.value("neg_weight_median");  // the MLE stage has no weight
        QCOMPARE(median.size(), 2);
        QCOMPARE(median[0].step, 10.0);
        QCOMPARE(median[0].tokens, 100.0);
        QCOMPARE(median[1].value, 0.03);
    }

    // The first alert of each stage, no other.
    void alertsAreTheFirstOfEachStage() {
        const std::vector<DiagnosticsRow> rows = {
            row(10, 0, {0.1}, 0.1, 0.5, true), row(20, 0, {0.1}, 0.1, 0.75, true),
            row(30, 1, {0.1}, 0.1, 0.25, false), row(40, 1, {0.1}, 0.1, 0.625, true)};
        const auto alerts = displacementAlerts(rows);
        QCOMPARE(alerts.size(), 2);
        QCOMPARE(alerts[0].step, qint64(10));
        QCOMPARE(alerts[1].step, qint64(40));
        QCOMPARE(alerts[1].stage, 1);
        QCOMPARE(alerts[1].text,
                 QString("likelihood displacement: 63% of eval pairs (alert at 50%) at step 40"));
        QVERIFY(displacementAlerts({row(10, 0, {0.1}, 0.1, 0.25, false)}).isEmpty());
    }

    void viewShowsARunFolder() {
        QTemporaryDir tmp;
        const std::string dir = tmp.path().toStdString();
        // Pair 0 and pair 3 keep their tokens; three snapshots (steps 0, 5, 10) of stage 0.
        writeTokenPieces(dir, {{0, {"a", "b"}, {"c"}}, {3, {"x"}, {"y", "z"}}});
        auto snapshot = [&](int64_t step, std::vector<std::vector<double>> pos,
                            std::vector<std::vector<double>> neg) {
            TokenSnapshot s;
            s.step = step;
            s.stage = 0;
            s.stage_start_step = 0;
            s.pairs = {0, 3};
            s.pos = std::move(pos);
            s.neg = std::move(neg);
            writeTokenSnapshot(dir, s);
        };
        snapshot(0, {{-1.0, -2.0}, {-0.5}}, {{-1.0}, {-2.0, -2.0}});
        snapshot(5, {{-1.25, -1.5}, {-0.5}}, {{-2.0}, {-2.0, -2.5}});
        snapshot(10, {{-1.5, -1.0}, {-0.75}}, {{-4.0}, {-3.0, -2.5}});

        DiagnosticsView view;
        const QString run = tmp.path();
        view.addRow(run, "run A", row(0, 0, {0.05, 0.05, 0.05, 0.05}, 0.05, 0.0, false));
        view.addRow(run, "run A", row(5, 0, {0.01, 0.1, 0.1, 0.1}, 0.1, 0.25, false));
        QCOMPARE(view.currentStep(), qint64(5));  // follows the newest evaluation
        view.addRow(run, "run A", row(10, 0, {0.01, 0.01, 0.01, 0.1}, 0.01, 0.75, true));
        QCOMPARE(view.currentStep(), qint64(10));
        QCOMPARE(view.steps(), (QVector<qint64>{0, 5, 10}));

        // Heat strip: one column per evaluation, each a distribution over its 4 pairs.
        QCPColorMapData* map = view.weightMap()->data();
        QCOMPARE(map->keySize(), 3);
        for (int c = 0; c < 3; ++c) {
            double sum = 0, top = 0;
            for (int b = 0; b < map->valueSize(); ++b) {
                sum += map->cell(c, b);
                top = std::max(top, map->cell(c, b));
            }
            QVERIFY2(std::abs(sum - 1.0) < 1e-12, qPrintable(QString::number(sum)));
            QCOMPARE(top, c == 0 ? 1.0 : 0.75);  // all four, then three of four in one bin
        }
        QCPGraph* median = view.weightPlot()->graph(0);
        QCOMPARE(median->dataCount(), 3);
        QVERIFY(std::abs(median->data()->at(2)->value - std::log10(0.01)) < 1e-12);

        // Displacement: the share in %, the alert marked at step 10 only.
        QCOMPARE(view.displacementPlot()->graph(0)->dataCount(), 3);
        QCOMPARE(view.displacementPlot()->graph(0)->data()->at(2)->value, 75.0);
        QCOMPARE(view.displacementPlot()->graph(1)->dataCount(), 1);
        QCOMPARE(view.displacementPlot()->graph(1)->data()->at(0)->key, 10.0);
        // Gradients: |g+| and |g-| of "all" and the cosine.
        QCOMPARE(view.gradientPlot()->graph(0)->data()->at(2)->value, 13.0);
        QCOMPARE(view.gradientPlot()->graph(2)->data()->at(0)->value, -0.25);
        QCOMPARE(view.groupTable()->rowCount(), 2);
        QCOMPARE(view.groupTable()->item(0, 3)->text(), QString("-0.5"));
        QCOMPARE(view.displacedTable()->rowCount(), 2);

        // Until a pair is picked the token view shows the most displaced pair it has tokens
        // for: pair 1 lost the most but keeps none, so pair 0.
        QCOMPARE(view.pairBox()->currentData().toULongLong(), 0ULL);
        QCOMPARE(view.chosenText()->tokens().size(), 2);
        // Token view of pair 3 against the stage start: chosen x -0.5 -> -0.75, rejected
        // y -2 -> -3, z -2 -> -2.5.
        view.showPair(3);
        QCOMPARE(view.pairBox()->currentData().toULongLong(), 3ULL);
        QCOMPARE(view.chosenText()->tokens().size(), 1);
        QCOMPARE(view.chosenText()->tokens()[0].delta(), -0.25);
        QCOMPARE(view.rejectedText()->tokens()[1].delta(), -0.5);
        QVERIFY2(view.tokenStatus().contains("log p(chosen) -0.25, log p(rejected) -1.5, "
                                             "margin +1.25"),
                 qPrintable(view.tokenStatus()));
        // Against the previous evaluation (step 5): x -0.5 -> -0.75, y -2 -> -3, z 0.
        view.setSinceStageStart(false);
        QVERIFY2(view.tokenStatus().contains("(step 5)"), qPrintable(view.tokenStatus()));
        QCOMPARE(view.rejectedText()->tokens()[0].delta(), -1.0);
        QCOMPARE(view.rejectedText()->tokens()[1].delta(), 0.0);
        // The first evaluation has nothing before it.
        view.setCurrentStep(0);
        QVERIFY(view.tokenStatus().contains("first evaluation"));
        view.setSinceStageStart(true);
        // A click in the displaced table picks that pair (pair 1 keeps no tokens: said so).
        view.setCurrentStep(10);
        QTest::mouseClick(
            view.displacedTable()->viewport(), Qt::LeftButton, {},
            view.displacedTable()->visualItemRect(view.displacedTable()->item(1, 0)).center());
        QCOMPARE(view.pairBox()->currentData().toULongLong(), 0ULL);
        view.showPair(1);
        QVERIFY(view.tokenStatus().contains("Pair 1 has no kept tokens"));

        // CSV: one line per pair and evaluation; the token view's tokens.
        QCOMPARE(view.weightsCsv().rows.size(), 12);
        QCOMPARE(view.displacementCsv().rows.back(),
                 (QStringList{"10", "0", "0.75", "3", "0.5", "1"}));
        QCOMPARE(view.gradientCsv().rows.size(), 6);
        view.showPair(0);
        const CsvTable tokens = view.tokensCsv();
        QCOMPARE(tokens.rows.size(), 3);  // a, b (chosen), c (rejected)
        QCOMPARE(tokens.rows[0], (QStringList{"chosen", "0", "a", "-1", "-1.5", "-0.5"}));
        QVERIFY(writeCsv(tmp.filePath("tokens.csv"), tokens));

        view.removeRun(run);
        QVERIFY(view.runs().isEmpty());
        QCOMPARE(view.currentStep(), qint64(-1));
    }

    // A run whose objective has no penalising term says so instead of an empty heat strip.
    void anMleRunHasNoWeights() {
        DiagnosticsView view;
        view.setRunRows("/nonexistent/run", "mle run", {row(0, 0, {}, 0, 0.0, false)});
        QCOMPARE(view.weightPlot()->graphCount(), 0);
        QCOMPARE(view.weightPlot()->itemCount(), 1);  // the message
        QVERIFY2(view.tokenStatus().contains("keeps no per-token log-probs"),
                 qPrintable(view.tokenStatus()));
    }

    // A run whose diagnostics.jsonl is malformed is listed with the reader's message.
    void aRunWithUnreadableDiagnosticsSaysWhy() {
        DiagnosticsView view;
        view.setRunProblem("/runs/b", "run b",
                           "/runs/b/diagnostics.jsonl:2: displacement.share: expected a number");
        QCOMPARE(view.runs(), QStringList{"/runs/b"});
        QCOMPARE(view.currentStep(), qint64(-1));
        QVERIFY2(view.summaryText().contains("Cannot show this run's diagnostics: /runs/b/"
                                             "diagnostics.jsonl:2: displacement.share"),
                 qPrintable(view.summaryText()));
    }

    void curveMarkersFollowTheirRun() {
        CurvePlot plot("perplexity");
        plot.appendPoints("r1", "run 1", {{0, 0, 0, 5.0}, {10, 100, 2, 4.0}});
        plot.addMarker("r1", 10, "displacement 63%");
        plot.addMarker("r2", 5, "displacement 50%");
        QCOMPARE(plot.markerTexts().size(), 2);
        QVERIFY(plot.markerTexts().contains("run 1: displacement 63%"));
        plot.removeRun("r1");
        QCOMPARE(plot.markerTexts().size(), 1);
        plot.clear();
        QVERIFY(plot.markerTexts().isEmpty());
    }

    void runTableMarksAnAlert() {
        RunTable table;
        RunRow r;
        r.id = "/runs/a";
        r.name = "a";
        r.status = RunStatus::Running;
        table.upsert(r);
        auto* status = table.findChild<QTableWidget*>()->item(0, 3);
        QCOMPARE(status->text(), QString("running"));
        r.alert = "likelihood displacement: 63% of eval pairs (alert at 50%) at step 40";
        table.upsert(r);
        QVERIFY(status->text().startsWith(QString::fromUtf8("\u26a0")));
        QCOMPARE(status->toolTip(), r.alert);
    }
};

RGPB_TEST_MAIN(TestDiagnosticsView)
}  // namespace rgpb_test_diagnostics_view
#include "test_diagnostics_view.moc"
