// Which curve is which: a run's identity (name as the label, recipe and beta beside it, one
// colour) shared by the curves, the legend, the landscape, the samples view and the run table;
// show/hide and highlight from the legend or the table reach every plot; grouping by recipe or
// sweep; wall time of runs read back from disk; the dashboard's empty, not-applicable and
// reflowed layouts.
#include <QtTest>

#include "tests/support/TestMain.h"

#include <qcustomplot.h>
#include <QComboBox>
#include <QScrollArea>
#include <QScrollBar>
#include <QTableWidget>
#include <QTreeWidget>

#include "tests/support/Approx.h"
#include "widgets/LandscapeView.h"
#include "widgets/MetricsDashboard.h"
#include "widgets/RunCurves.h"
#include "widgets/RunIdentity.h"
#include "widgets/RunLegend.h"
#include "widgets/RunTable.h"
#include "widgets/SamplesView.h"

// This file's code has its own namespace: the group's tests build as one unity batch.
namespace rgpb_test_run_identity {

using namespace rgpb::widgets;
using rgpb::RunStatus;

namespace {

const QColor kRed("#d62728"), kBlue("#1f77b4"), kGreen("#2ca02c");

// Three runs of the same recipe and beta (the case whose legend read "exmate b=0.5" three
// times), one MLE run; colours as if read from their run.json files.
struct Fixture {
    RunIdentities identities;
    RunTable table;
    MetricsDashboard dashboard;
    LandscapeView landscape;
    SamplesView samples;
    Fixture() {
        identities.setColorSource([](const QString& id) {
            return id == "runs/a"   ? kRed
                   : id == "runs/b" ? kBlue
                   : id == "runs/c" ? kGreen
                                    : QColor();
        });
        table.setIdentities(&identities);
        dashboard.setIdentities(&identities);
        landscape.setIdentities(&identities);
        samples.setIdentities(&identities);
        for (const char* n : {"a", "b", "c"})
            table.upsert(row(n, "exmate", 0.5));
        table.upsert(row("m", "mle", 0));
    }
    static RunRow row(const QString& name, const QString& recipe, double beta) {
        RunRow r;
        r.id = "runs/" + name;
        r.name = "demo-" + name;
        r.recipe = recipe;
        r.beta = beta;
        r.status = RunStatus::Finished;
        return r;
    }
    void addCurves() {
        for (const char* n : {"a", "b", "c", "m"}) {
            const QString id = QString("runs/") + n;
            dashboard.appendPoints("loss", id, "exmate b=0.5",
                                   {{1, 8, 0.1, 2.0}, {2, 16, 0.2, 1.5}});
            dashboard.appendPoints("perplexity", id, "exmate b=0.5", {{2, 16, 0.2, 9.0}});
            if (id != "runs/m")
                dashboard.appendPoints("reward_margin", id, "exmate b=0.5", {{2, 16, 0.2, 0.3}});
        }
        for (CurvePlot* p : dashboard.findChildren<CurvePlot*>())
            p->flush();
    }
    CurvePlot* loss() const { return dashboard.plotFor("loss"); }
};

LandscapePoint point(const QString& run, const QString& method, double ppl, double agility,
                     bool final) {
    LandscapePoint p;
    p.run = run;
    p.label = run;
    p.method = method;
    p.beta = 0.5;
    p.final = final;
    p.pairs = 100;
    p.perplexity = ppl;
    p.perplexity_low = ppl * 0.9;
    p.perplexity_high = ppl * 1.1;
    p.agility = agility;
    p.agility_low = agility - 0.02;
    p.agility_high = agility + 0.02;
    return p;
}

// The graph drawing `run`'s marker in the landscape.
QCPGraph* markerOf(LandscapeView& v, const QString& name) {
    for (int i = 0; i < v.plot()->graphCount(); ++i) {
        if (v.plot()->graph(i)->name() == name && !v.plot()->graph(i)->data()->isEmpty())
            return v.plot()->graph(i);
    }
    return nullptr;
}

}  // namespace

class TestRunIdentity : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void labelsNameTheRunWithRecipeAndBeta() {
        Fixture f;
        // Three exmate b=0.5 runs: three different labels, recipe and beta beside the name.
        QCOMPARE(f.identities.fullLabelOf("runs/a"), QString("demo-a (exmate, β=0.5)"));
        QCOMPARE(f.identities.fullLabelOf("runs/m"), QString("demo-m (mle)"));
        f.addCurves();
        const QString readout = f.dashboard.plotFor("perplexity")->readoutAt(2);
        QVERIFY2(readout.startsWith("demo-"), qPrintable(readout));
        QVERIFY(!readout.startsWith("exmate b=0.5"));
        QTemporaryDir tmp;
        QVERIFY(f.loss()->exportCsv(tmp.filePath("l.csv")));
        QFile csv(tmp.filePath("l.csv"));
        QVERIFY(csv.open(QIODevice::ReadOnly));
        const QString text = csv.readAll();
        QVERIFY(text.contains("runs/b,demo-b (exmate, β=0.5),1"));
    }

    void oneColourPerRunInEveryView() {
        Fixture f;
        f.addCurves();
        f.landscape.setPoint(point("runs/a", "exmate", 2.0, 0.5, true));
        f.samples.addSamples("runs/a", "exmate b=0.5", {1, 0, {{"p", "r", 1}}});
        // The stored colour, not the order of appearance, in every panel.
        for (const char* metric : {"loss", "perplexity", "reward_margin"}) {
            QCPGraph* g = f.dashboard.plotFor(metric)->lineOf("runs/a");
            QVERIFY(g);
            QCOMPARE(g->pen().color().rgb(), kRed.rgb());
        }
        QCOMPARE(f.loss()->lineOf("runs/b")->pen().color().rgb(), kBlue.rgb());
        QCPGraph* marker = markerOf(f.landscape, "demo-a");
        QVERIFY(marker);
        QCOMPARE(marker->scatterStyle().brush().color().rgb(), kRed.rgb());
        QCOMPARE(f.samples.runBox()->itemData(0, Qt::DecorationRole).value<QColor>(), kRed);
        QCOMPARE(f.samples.runBox()->itemText(0), QString("demo-a (exmate, β=0.5)"));
        // The run table's swatch, and the legend's.
        QTableWidget* t = f.table.table();
        for (int r = 0; r < t->rowCount(); ++r) {
            if (f.table.rowAt(r).id == "runs/b")
                QCOMPARE(t->item(r, 0)->data(Qt::DecorationRole).value<QColor>(), kBlue);
        }
        QCOMPARE(
            f.dashboard.legend()->itemOf("runs/c")->data(0, Qt::DecorationRole).value<QColor>(),
            kGreen);
        // A run without a stored colour gets the next palette colour no listed run uses.
        QColor m = f.identities.colorOf("runs/m");
        QVERIFY(m.isValid() && m != kRed && m != kBlue && m != kGreen);
    }

    void legendShowsHidesAndHighlights() {
        Fixture f;
        f.addCurves();
        RunLegend* legend = f.dashboard.legend();
        // Hide b from the legend: gone from every plot, unticked in the run table.
        legend->itemOf("runs/b")->setCheckState(0, Qt::Unchecked);
        QVERIFY(!f.identities.isVisible("runs/b"));
        QVERIFY(!f.loss()->lineOf("runs/b")->visible());
        QVERIFY(!f.dashboard.plotFor("perplexity")->lineOf("runs/b")->visible());
        QVERIFY(f.loss()->lineOf("runs/a")->visible());
        QTableWidget* t = f.table.table();
        int row_b = -1;
        for (int r = 0; r < t->rowCount(); ++r)
            row_b = f.table.rowAt(r).id == "runs/b" ? r : row_b;
        QCOMPARE(t->item(row_b, 0)->checkState(), Qt::Unchecked);
        // ... and shown again from the table's checkbox.
        t->item(row_b, 0)->setCheckState(Qt::Checked);
        QVERIFY(f.loss()->lineOf("runs/b")->visible());
        QCOMPARE(legend->itemOf("runs/b")->checkState(0), Qt::Checked);

        // A click on a run's checkbox (itemChanged, then itemClicked) only shows or hides it.
        legend->itemOf("runs/b")->setCheckState(0, Qt::Unchecked);
        Q_EMIT legend->tree()->itemClicked(legend->itemOf("runs/b"), 0);
        QVERIFY(f.identities.highlighted().isEmpty());
        legend->itemOf("runs/b")->setCheckState(0, Qt::Checked);
        Q_EMIT legend->tree()->itemClicked(legend->itemOf("runs/b"), 0);
        QVERIFY(f.identities.highlighted().isEmpty() && f.identities.isVisible("runs/b"));
        // A legend click highlights: thicker, others faded, in every plot; the table follows.
        Q_EMIT legend->tree()->itemClicked(legend->itemOf("runs/c"), 0);
        QCOMPARE(f.identities.highlighted(), QString("runs/c"));
        QCPGraph* c = f.loss()->lineOf("runs/c");
        QCPGraph* a = f.loss()->lineOf("runs/a");
        QVERIFY(c->pen().widthF() > a->pen().widthF());
        QVERIFY(a->pen().color().alpha() < 100 && c->pen().color().alpha() == 255);
        QVERIFY(f.dashboard.plotFor("perplexity")->lineOf("runs/c")->pen().widthF() >
                f.dashboard.plotFor("perplexity")->lineOf("runs/a")->pen().widthF());
        QCOMPARE(f.table.selectedIds(), QStringList{"runs/c"});
        // Selecting a table row highlights that run instead.
        f.table.select("runs/a");
        QCOMPARE(f.identities.highlighted(), QString("runs/a"));
        QVERIFY(f.loss()->lineOf("runs/a")->pen().widthF() >
                f.loss()->lineOf("runs/c")->pen().widthF());
        QVERIFY(legend->itemOf("runs/a")->font(0).bold());
    }

    void groupsByRecipeOrSweep() {
        Fixture f;
        RunLegend* legend = f.dashboard.legend();
        QCOMPARE(legend->tree()->topLevelItemCount(), 2);  // exmate, mle
        QStringList groups;
        for (int i = 0; i < legend->tree()->topLevelItemCount(); ++i)
            groups << legend->tree()->topLevelItem(i)->text(0);
        QCOMPARE(groups, (QStringList{"exmate", "mle"}));
        QCOMPARE(legend->tree()->topLevelItem(0)->childCount(), 3);
        // A group's box hides all of its runs.
        legend->tree()->topLevelItem(0)->setCheckState(0, Qt::Unchecked);
        QVERIFY(!f.identities.isVisible("runs/a") && !f.identities.isVisible("runs/c"));
        QVERIFY(f.identities.isVisible("runs/m"));
        // By sweep: the cells of one sweep (names from sweepGrid + the folder's timestamp).
        QCOMPARE(sweepKey("demo-exmate-b0.5-20260101-120000", "exmate"), QString("demo"));
        QCOMPARE(sweepKey("demo-b1e-05-20260101-120000-2", "mle -> dpo"), QString("demo"));
        QCOMPARE(sweepKey("study2-mle-dpo-b0.1-20260101-120000", "mle -> dpo"), QString("study2"));
        QCOMPARE(sweepKey("plain-20260101-120000", "mle"), QString("plain"));
        RunIdentities ids;
        RunLegend sweeps(&ids);
        ids.upsert({"r1", "s1-exmate-b0.5-20260101-120000", "exmate", 0.5, kRed});
        ids.upsert({"r2", "s1-dpo-b0.5-20260101-120001", "dpo", 0.5, kBlue});
        ids.upsert({"r3", "s2-b0.5-20260101-120002", "dpo", 0.5, kGreen});
        sweeps.groupingBox()->setCurrentIndex(sweeps.groupingBox()->findText("sweep / study"));
        QCOMPARE(ids.grouping(), RunGrouping::Sweep);
        QCOMPARE(sweeps.tree()->topLevelItemCount(), 2);
        QCOMPARE(sweeps.tree()->topLevelItem(0)->text(0), QString("s1"));
        QCOMPARE(sweeps.tree()->topLevelItem(0)->childCount(), 2);
    }

    void evalPointsHaveMarkers() {
        Fixture f;
        // One evaluation so far: a line alone would draw nothing; the marker shows it.
        f.dashboard.appendPoints("perplexity", "runs/a", "", {{50, 0, 1, 12.0}});
        f.dashboard.plotFor("perplexity")->flush();
        QCPGraph* g = f.dashboard.plotFor("perplexity")->lineOf("runs/a");
        QCOMPARE(g->data()->size(), 1);
        QVERIFY(g->scatterStyle().shape() != QCPScatterStyle::ssNone);
        QVERIFY(g->visible());
        // Per-step training curves stay lines.
        f.dashboard.appendPoints("loss", "runs/a", "", {{1, 0, 1, 2.0}});
        QCOMPARE(f.loss()->lineOf("runs/a")->scatterStyle().shape(), QCPScatterStyle::ssNone);
    }

    void emptyAndNotApplicableStates() {
        MetricsDashboard empty;
        for (const QString& m : empty.metrics()) {
            QVERIFY(empty.plotFor(m)->showsEmptyState());
            QCOMPARE(empty.plotFor(m)->emptyText(), QString("Press Run to train the demo"));
        }
        Fixture f;
        f.addCurves();
        CurvePlot* margin = f.dashboard.plotFor("reward_margin");
        QVERIFY(!margin->showsEmptyState());
        // The MLE run has no DPO reward margin: the panel says so.
        QVERIFY2(margin->note().contains("demo-m (mle)") && margin->note().contains("DPO-only"),
                 qPrintable(margin->note()));
        QVERIFY(f.dashboard.plotFor("perplexity")->note().isEmpty());
        // A run's metrics arrive in any order (a hash on disk): the other eval plots, filled
        // after its perplexity, carry no stale note.
        f.dashboard.appendPoints("agility", "runs/a", "", {{2, 0, 0, 0.2}});
        f.dashboard.appendPoints("perplexity", "runs/m2", "", {{2, 0, 0, 8.0}});
        QVERIFY(f.dashboard.plotFor("agility")->note().contains("demo-m2") ||
                f.dashboard.plotFor("agility")->note().contains("runs/m2"));
        f.dashboard.appendPoints("agility", "runs/m2", "", {{2, 0, 0, 0.1}});
        QVERIFY2(!f.dashboard.plotFor("agility")->note().contains("m2"),
                 qPrintable(f.dashboard.plotFor("agility")->note()));
        f.dashboard.removeRun("runs/m2");
        // With the DPO-style runs removed, the panel does not apply at all.
        for (const char* n : {"a", "b", "c"})
            f.dashboard.removeRun(QString("runs/") + n);
        QVERIFY(margin->showsEmptyState());
        QVERIFY2(margin->emptyText().contains("Does not apply") &&
                     margin->emptyText().contains("DPO-only"),
                 qPrintable(margin->emptyText()));
        // Hiding every run with points shows the empty state instead of bare axes.
        CurvePlot* ppl = f.dashboard.plotFor("perplexity");
        QVERIFY(!ppl->showsEmptyState());
        f.identities.setVisible("runs/m", false);
        QVERIFY(ppl->showsEmptyState());
    }

    void wallTimeOfRunsReadFromDisk() {
        // metrics.jsonl as the trainer writes it: train rows with tokens and step_time_ms, eval
        // rows without either. Before, the wall time of every point read back was 0.
        std::vector<rgpb::MetricEvent> events = {
            {1, 0, "train", {{"loss", 2.0}, {"tokens", 64}, {"step_time_ms", 500}}},
            {2, 0, "train", {{"loss", 1.8}, {"tokens", 128}, {"step_time_ms", 250}}},
            {2, 0, "eval", {{"perplexity", 7.5}}},
            {3, 0, "train", {{"loss", 1.7}, {"tokens", 192}, {"step_time_ms", 1250}}},
        };
        auto curves = curvesFromMetrics(events);
        QCOMPARE(curves["loss"].size(), 3);
        RGPB_COMPARE_NEAR(curves["loss"][0].seconds, 0.5, 1e-12);
        RGPB_COMPARE_NEAR(curves["loss"][2].seconds, 2.0, 1e-12);
        QCOMPARE(curves["loss"][2].tokens, 192.0);
        QCOMPARE(curves["perplexity"].size(), 1);
        RGPB_COMPARE_NEAR(curves["perplexity"][0].seconds, 0.75, 1e-12);
        QCOMPARE(curves["perplexity"][0].tokens, 128.0);
        // On the wall-time axis the plot spreads them out.
        CurvePlot plot("loss");
        plot.setXAxis(XAxis::WallTime);
        plot.appendPoints("r", "r", curves["loss"]);
        plot.flush();
        QCOMPARE(plot.plot()->graph(0)->data()->at(2)->key, 2.0);
        QVERIFY(plot.plot()->xAxis->range().upper >= 2.0);
    }

    void curveGridReflowsAt1024x700() {
        // The dashboard's share of a 1024x700 window (editor beside it, run table under it).
        MetricsDashboard d;
        d.resize(700, 420);
        d.show();
        QVERIFY(QTest::qWaitForWindowExposed(&d));
        QTRY_COMPARE(d.columns(), 2);
        // Every plot keeps at least its minimum size: the area scrolls instead of clipping.
        for (const QString& m : d.metrics()) {
            CurvePlot* p = d.plotFor(m);
            QVERIFY(p->width() >= p->minimumWidth() && p->height() >= p->minimumHeight());
            QVERIFY(p->width() <= d.scrollArea()->viewport()->width());
        }
        QVERIFY(d.scrollArea()->verticalScrollBar()->maximum() > 0);
        QCOMPARE(d.scrollArea()->horizontalScrollBar()->maximum(), 0);
        // Wide: three columns; narrow: one.
        d.resize(1400, 900);
        QTRY_COMPARE(d.columns(), 3);
        d.resize(420, 500);
        QTRY_COMPARE(d.columns(), 1);
    }

    void landscapeShapesFillAndLabels() {
        // Shapes follow the recipe, whatever order runs arrive in.
        QCOMPARE(LandscapeView::shapeOf("exmate"), int(QCPScatterStyle::ssTriangle));
        QCOMPARE(LandscapeView::shapeOf("mle"), int(QCPScatterStyle::ssDisc));
        const int custom = LandscapeView::shapeOf("dpo -> ul -> dpo");
        QCOMPARE(LandscapeView::shapeOf("dpo -> ul -> dpo"), custom);
        RunIdentities ids;
        ids.upsert({"a", "run-a", "dpo", 0.5, kRed});
        ids.upsert({"b", "run-b", "exmate", 0.5, kBlue});
        ids.upsert({"c", "run-c", "exmate", 0.5, kGreen});
        LandscapeView first, second;
        first.setIdentities(&ids);
        second.setIdentities(&ids);
        first.resize(800, 600);
        second.resize(800, 600);
        first.setPoint(point("b", "exmate", 3.0, 0.4, true));
        first.setPoint(point("a", "dpo", 30.0, 0.1, false));
        second.setPoint(point("a", "dpo", 30.0, 0.1, false));
        second.setPoint(point("b", "exmate", 3.0, 0.4, true));
        QCOMPARE(markerOf(first, "run-b")->scatterStyle().shape(),
                 markerOf(second, "run-b")->scatterStyle().shape());
        QCOMPARE(markerOf(first, "run-b")->scatterStyle().shape(), QCPScatterStyle::ssTriangle);
        // Filled when finished, hollow (no fill) while training or stopped early.
        QCOMPARE(markerOf(first, "run-b")->scatterStyle().brush().style(), Qt::SolidPattern);
        QCOMPARE(markerOf(first, "run-a")->scatterStyle().brush().style(), Qt::NoBrush);
        // Points are labelled by run.
        QStringList texts;
        for (int i = 0; i < first.plot()->itemCount(); ++i)
            if (auto* t = qobject_cast<QCPItemText*>(first.plot()->item(i)))
                texts << t->text();
        texts.sort();
        QCOMPARE(texts, (QStringList{"run-a", "run-b"}));
        // The legend: one entry per recipe (its shape).
        QCOMPARE(first.plot()->legend->itemCount(), 2);
        // Two runs at the same place: both drawn, a few pixels apart, both read out.
        first.setPoint(point("c", "exmate", 3.0, 0.4, true));
        QCustomPlot* plot = first.plot();
        const QPointF pb = first.drawnAt("b"), pc = first.drawnAt("c");
        const double dx = plot->xAxis->coordToPixel(pb.x()) - plot->xAxis->coordToPixel(pc.x());
        const double dy = plot->yAxis->coordToPixel(pb.y()) - plot->yAxis->coordToPixel(pc.y());
        QVERIFY2(std::hypot(dx, dy) >= 6.9 && std::hypot(dx, dy) < 20,
                 qPrintable(QString::number(std::hypot(dx, dy))));
        const QPointF at_c(plot->xAxis->coordToPixel(pc.x()), plot->yAxis->coordToPixel(pc.y()));
        QVERIFY(first.readoutAt(at_c).startsWith("c ("));
        // Hidden runs leave the landscape; the highlighted one is drawn larger.
        ids.setHighlighted("b");
        QVERIFY(markerOf(first, "run-b")->scatterStyle().size() >
                markerOf(first, "run-c")->scatterStyle().size());
        ids.setVisible("c", false);
        QVERIFY(!markerOf(first, "run-c"));
    }

    // (Moved from tests/app/test_config_form.cpp, for colours by run and labels by name.)
    void landscapePlotsReadsOutAndExports() {
        LandscapeView v;
        v.resize(900, 600);
        auto pt = [](const QString& run, const QString& method, double beta, double ppl,
                     double agility, bool final) {
            LandscapePoint p = point(run, method, ppl, agility, final);
            p.beta = beta;
            p.step = 400;
            p.pairs = 200;
            p.agility_low = agility - 0.02;
            p.agility_high = agility + 0.03;
            return p;
        };
        v.setPoint(pt("a", "exmate", 0.5, 1.09, 0.54, true));
        v.setPoint(pt("b", "exmate", 1.0, 1.2, 0.6, true));
        v.setPoint(pt("c", "dpo", 0.1, 342, 0.002, true));
        v.setPoint(pt("d", "mle -> dpo", 0.1, 1.5, 0.41, false));
        QCOMPARE(v.methods(), QStringList({"exmate", "dpo", "mle -> dpo"}));
        v.setPoint(pt("a", "exmate", 0.5, 1.05, 0.58, true));  // a newer eval replaces
        QCOMPARE(v.points().size(), 4);
        QCOMPARE(v.points()[0].perplexity, 1.05);
        QCustomPlot* plot = v.plot();
        QCOMPARE(plot->legend->itemCount(), 3);  // one entry per method
        // Each run its own colour.
        QVERIFY(v.colorOfRun("a") != v.colorOfRun("b"));
        // Error bars: x and y for each run's marker (the legend's shape keys have none).
        int bars = 0, markers = 0;
        for (int i = 0; i < plot->plottableCount(); ++i)
            bars += qobject_cast<QCPErrorBars*>(plot->plottable(i)) != nullptr;
        for (int i = 0; i < plot->graphCount(); ++i)
            markers += !plot->graph(i)->data()->isEmpty();
        QCOMPARE(markers, 4);
        QCOMPARE(bars, 2 * markers);
        plot->replot();
        QPointF at(plot->xAxis->coordToPixel(v.drawnAt("c").x()),
                   plot->yAxis->coordToPixel(v.drawnAt("c").y()));
        QString r = v.readoutAt(at);
        QVERIFY2(r.startsWith("c (dpo, β=0.1") && r.contains("perplexity 342"), qPrintable(r));
        QCOMPARE(v.readoutAt(at + QPointF(200, 200)), QString());
        // Hovering shows it; leaving the plot clears it (and removing the run, below).
        QMouseEvent move(QEvent::MouseMove, at, plot->mapToGlobal(at), Qt::NoButton, Qt::NoButton,
                         Qt::NoModifier);
        Q_EMIT plot->mouseMove(&move);
        QCOMPARE(v.readoutText(), r);
        QEvent leave(QEvent::Leave);
        QCoreApplication::sendEvent(plot, &leave);
        QCOMPARE(v.readoutText(), QString());
        Q_EMIT plot->mouseMove(&move);
        QCOMPARE(v.readoutText(), r);

        QTemporaryDir tmp;
        QVERIFY(v.exportPng(tmp.filePath("l.png")));
        QVERIFY(QFileInfo(tmp.filePath("l.png")).size() > 1000);
        QVERIFY(v.exportCsv(tmp.filePath("l.csv")));
        QFile csv(tmp.filePath("l.csv"));
        QVERIFY(csv.open(QIODevice::ReadOnly));
        QStringList lines = QString::fromUtf8(csv.readAll()).split('\n', Qt::SkipEmptyParts);
        QCOMPARE(lines.size(), 5);
        QCOMPARE(lines[0], QString("run,label,method,beta,step,final,pairs,perplexity,"
                                   "perplexity_low,perplexity_high,agility,agility_low,"
                                   "agility_high"));
        QCOMPARE(lines[4], QString("d,d,mle -> dpo,0.1,400,0,200,1.5,1.35,1.65,0.41,0.39,0.44"));
        v.removeRun("c");
        QCOMPARE(v.readoutText(), QString());  // it described the removed run
        QCOMPARE(v.methods(), QStringList({"exmate", "mle -> dpo"}));
    }

    void landscapeExportsVectorFigures() {
        LandscapeView v;
        v.resize(800, 600);
        v.setPoint(point("a", "exmate", 3.0, 0.4, true));
        QTemporaryDir tmp;
        QVERIFY(v.exportFigure(tmp.filePath("l.svg")));
        QVERIFY(v.exportFigure(tmp.filePath("l.pdf")));
        QFile svg(tmp.filePath("l.svg"));
        QVERIFY(svg.open(QIODevice::ReadOnly));
        const QString text = svg.readAll();
        QVERIFY(text.contains("<svg") && text.contains("perplexity"));
        QFile pdf(tmp.filePath("l.pdf"));
        QVERIFY(pdf.open(QIODevice::ReadOnly));
        QVERIFY(pdf.read(5) == "%PDF-");
        QVERIFY(!QFile::exists(tmp.filePath("l.svg.tmp")));
    }
};

RGPB_TEST_MAIN(TestRunIdentity)
}  // namespace rgpb_test_run_identity
#include "test_run_identity.moc"
