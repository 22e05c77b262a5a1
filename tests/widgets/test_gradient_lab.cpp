// The gradient lab's views (offscreen): the analytic plots follow the sliders with the values of
// spec.md 4.1-4.3 (hand-computed numbers), the heat map's zero contour sits where the
// coefficient changes sign, CSV exports carry the documented columns, and the measured view
// shows a given result.
#include <QtTest>

#include "tests/support/TestMain.h"

#include <qcustomplot.h>

#include <QFile>
#include <QLabel>
#include <QPushButton>
#include <QSlider>
#include <QTableWidget>
#include <QTemporaryDir>

#include <cmath>

#include "core/analytic/GradientCoefficients.h"
#include "widgets/GradientLab.h"
#include "widgets/GradientLabAnalytic.h"
#include "widgets/GradientLabMeasured.h"

// This file's code has its own namespace: the group's tests build as one unity batch.
namespace rgpb_test_gradient_lab {

using namespace rgpb;
using rgpb::widgets::GradientLabAnalytic;
using rgpb::widgets::GradientLabMeasured;

namespace {

bool near(double a, double b, double tol = 1e-9) {
    return std::abs(a - b) <= tol;
}

// Value of graph g at key x (keys are exact multiples of 0.01).
double valueAt(QCPGraph* g, double x) {
    for (int i = 0; i < g->dataCount(); ++i)
        if (near(g->dataMainKey(i), x, 1e-9))
            return g->dataMainValue(i);
    return std::nan("");
}

QStringList readLines(const QString& path) {
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly | QIODevice::Text))
        return {};
    return QString::fromUtf8(f.readAll()).split('\n', Qt::SkipEmptyParts);
}

}  // namespace

class TestGradientLab : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void betaSliderReplotsLandscapes() {
        GradientLabAnalytic view;
        view.fixedSlider()->setValue(10);  // P fixed at 0.1
        view.betaSlider()->setValue(40);   // beta = 0.05 * 40 = 2
        QCOMPARE(view.beta(), 2.0);
        QCustomPlot* p = view.plot(GradientLabAnalytic::Plot::LandscapePos);
        // f+ = 0.5, f- = 0.1, beta = 2, by hand:
        // DPO  -log sigmoid(2 log 5) = log(26/25)       = 0.039220713
        // UL   -log 0.5 - 2 log 0.9                      = 0.903868212
        // ExMATE -log 0.5 + 2 * 0.1                      = 0.893147181
        QVERIFY(near(valueAt(p->graph(0), 0.5), 0.039220713153, 1e-9));
        QVERIFY(near(valueAt(p->graph(1), 0.5), 0.903868211876, 1e-9));
        QVERIFY(near(valueAt(p->graph(2), 0.5), 0.893147180560, 1e-9));
        // The other landscape: f- varies, f+ = 0.1. UL at f- = 0.5: -log 0.1 - 2 log 0.5.
        QCustomPlot* q = view.plot(GradientLabAnalytic::Plot::LandscapeNeg);
        QVERIFY(near(valueAt(q->graph(1), 0.5), 2.302585093 + 1.386294361, 1e-8));

        view.betaSlider()->setValue(20);  // beta = 1
        QVERIFY(near(valueAt(p->graph(1), 0.5), 0.693147181 + 0.105360516, 1e-8));
        QVERIFY(near(valueAt(p->graph(0), 0.5),
                     analytic::landscapeLoss(analytic::Method::Dpo, 1.0, 0.5, 0.1), 1e-12));
    }

    void betaSliderReplotsSharedCoefficient() {
        GradientLabAnalytic view;
        view.setSharedMethod(analytic::Method::Unlikelihood);
        QCustomPlot* p = view.plot(GradientLabAnalytic::Plot::Shared);
        const int e0 = static_cast<int>(GradientLabAnalytic::sharedEpsilons().indexOf(0.0));
        QVERIFY(e0 >= 0);
        // UL with e = 0: (1 - (1+beta) u) / (u (1 - u)) is zero at u = 1/(1+beta).
        view.betaSlider()->setValue(20);  // beta = 1: zero at 0.5
        QVERIFY(near(valueAt(p->graph(e0), 0.5), 0.0, 1e-12));
        QVERIFY(near(valueAt(p->graph(e0), 0.1), (1 - 0.2) / (0.1 * 0.9), 1e-9));  // 8.888...
        view.betaSlider()->setValue(60);  // beta = 3: zero at 0.25
        QVERIFY(near(valueAt(p->graph(e0), 0.25), 0.0, 1e-12));
        QVERIFY(near(valueAt(p->graph(e0), 0.1), (1 - 0.4) / (0.1 * 0.9), 1e-9));  // 6.666...
        QVERIFY(valueAt(p->graph(e0), 0.5) < 0);
        // ExMATE: 1/u - beta, whatever e.
        view.setSharedMethod(analytic::Method::Exmate);
        QVERIFY(near(valueAt(p->graph(e0), 0.2), 5.0 - 3.0, 1e-9));
        QVERIFY(near(valueAt(p->graph(0), 0.3), 1.0 / 0.3 - 3.0, 1e-9));  // e = -0.2
    }

    void distinctBarsFollowSlidersAndBeta() {
        GradientLabAnalytic view;
        view.betaSlider()->setValue(20);  // beta = 1
        using In = GradientLabAnalytic::Input;
        view.inputSlider(In::PosYpos)->setValue(50);
        view.inputSlider(In::PosYneg)->setValue(10);
        view.inputSlider(In::NegYpos)->setValue(10);
        view.inputSlider(In::NegYneg)->setValue(50);
        view.inputSlider(In::U)->setValue(20);
        view.inputSlider(In::Epsilon)->setValue(10);
        QCustomPlot* p = view.plot(GradientLabAnalytic::Plot::Distinct);
        auto bar = [&](int token, int method) {
            auto* bars = qobject_cast<QCPBars*>(p->plottable(token));
            return bars->data()->at(method)->value;
        };
        // DPO (method 0): w = 0.3 / (0.3 + 0.2) = 0.6; y+: 0.6 (1 - 0.5 + 0.1) = 0.36;
        // y-: 0.6 (-0.1 - 0.5) = -0.36; other (P+ = P- = 0.4 in total): 0.
        QVERIFY(near(bar(0, 0), 0.36, 1e-12));
        QVERIFY(near(bar(1, 0), -0.36, 1e-12));
        QVERIFY(near(bar(2, 0), 0.0, 1e-12));
        // UL (method 1), r = 1: y+: 1 - 0.5 + 0.1 = 0.6; y-: -0.1 - 0.5 = -0.6;
        // other: -0.4 + 0.4 = 0.
        QVERIFY(near(bar(0, 1), 0.6, 1e-12));
        QVERIFY(near(bar(1, 1), -0.6, 1e-12));
        view.betaSlider()->setValue(40);  // beta = 2: UL y- = -0.1 - 1.0
        QVERIFY(near(bar(1, 1), -1.1, 1e-12));
        // ExMATE (method 2), beta = 2: y+: 1 - 0.5 + 2 * 0.5 * 0.1 = 0.6
        QVERIFY(near(bar(0, 2), 0.6, 1e-12));
    }

    void heatMapZeroContourIsWhereTheSignChanges() {
        GradientLabAnalytic view;
        view.setSharedMethod(analytic::Method::Unlikelihood);
        view.betaSlider()->setValue(20);  // beta = 1
        QVector<QPointF> c = view.zeroContour();
        QVERIFY(c.size() > 50);
        for (const QPointF& pt : c) {
            // UL's zero: e = 1 - (1 + beta) u.
            QVERIFY2(near(pt.y(), 1.0 - 2.0 * pt.x(), 1e-6),
                     qPrintable(QString("(%1, %2)").arg(pt.x()).arg(pt.y())));
            double below = analytic::sharedCoefficient(analytic::Method::Unlikelihood, 1.0, pt.x(),
                                                       pt.y() - 0.01);
            double above = analytic::sharedCoefficient(analytic::Method::Unlikelihood, 1.0, pt.x(),
                                                       pt.y() + 0.01);
            QVERIFY(below > 0 && above < 0);
        }
        // The heat map cells agree with the formula.
        QCPColorMapData* d = view.heatMap()->data();
        double u, e;
        d->cellToCoord(30, 70, &u, &e);
        QVERIFY(near(d->cell(30, 70),
                     analytic::sharedCoefficient(analytic::Method::Unlikelihood, 1.0, u, e),
                     1e-12));

        // DPO: the coefficient has the sign of e, so the contour is e = 0.
        view.setSharedMethod(analytic::Method::Dpo);
        c = view.zeroContour();
        QVERIFY(!c.isEmpty());
        for (const QPointF& pt : c)
            QVERIFY(near(pt.y(), 0.0, 1e-9));
        // ExMATE: 1/u - beta does not depend on e; the contour is u = 1/beta (beta = 2: 0.5).
        view.setSharedMethod(analytic::Method::Exmate);
        view.betaSlider()->setValue(40);
        c = view.zeroContour();
        QVERIFY(c.size() > 50);
        for (const QPointF& pt : c)
            QVERIFY(near(pt.x(), 0.5, 1e-9));
    }

    void csvExportsNameTheirColumns() {
        QTemporaryDir dir;
        GradientLabAnalytic view;
        view.betaSlider()->setValue(20);
        view.fixedSlider()->setValue(10);
        using Plot = GradientLabAnalytic::Plot;
        QString path = dir.filePath("landscape.csv");
        QVERIFY(view.exportCsv(Plot::LandscapePos, path));
        QStringList lines = readLines(path);
        QCOMPARE(lines.value(0), QString("f_pos,f_neg,beta,dpo,ul,exmate"));
        QCOMPARE(lines.size(), 1 + 99);
        // Row of f+ = 0.5: UL at beta 1 = -log 0.5 - log 0.9 = 0.7985076962.
        QStringList row = lines.value(50).split(',');
        QCOMPARE(row.value(0), QString("0.5"));
        QVERIFY(near(row.value(4).toDouble(), 0.7985076962, 1e-9));

        QVERIFY(view.exportCsv(Plot::Shared, dir.filePath("shared.csv")));
        QCOMPARE(readLines(dir.filePath("shared.csv")).value(0),
                 QString("method,beta,e,u,coefficient"));
        QVERIFY(view.exportCsv(Plot::HeatMap, dir.filePath("heat.csv")));
        QStringList heat = readLines(dir.filePath("heat.csv"));
        QCOMPARE(heat.value(0), QString("method,beta,kind,u,e,coefficient"));
        QVERIFY(heat.filter(",zero,").size() == view.zeroContour().size());
        QVERIFY(view.exportCsv(Plot::Distinct, dir.filePath("distinct.csv")));
        QStringList distinct = readLines(dir.filePath("distinct.csv"));
        QCOMPARE(distinct.value(0),
                 QString("method,beta,p_pos_ypos,p_pos_yneg,p_neg_ypos,p_neg_yneg,u,e,token,"
                         "coefficient"));
        QCOMPARE(distinct.size(), 1 + 9);
        QVERIFY(view.exportPng(Plot::HeatMap, dir.filePath("heat.png")));
        QVERIFY(QFileInfo(dir.filePath("heat.png")).size() > 1000);
    }

    void measuredViewShowsAResult() {
        GradientMeasureResult r;
        r.method = "exmate";
        r.beta = 0.5;
        r.steps = 2;
        r.pairs = 4;
        r.data = "test pairs";
        const double logs[4] = {-3.0, -2.0, -2.5, -std::numeric_limits<double>::infinity()};
        for (std::size_t i = 0; i < 4; ++i) {
            InfoDiffRow row;
            row.pair = i;
            row.t_pos = 4 + double(i);
            row.t_neg = 6;
            row.log10_info_diff = logs[i];
            r.info.push_back(row);
            r.grad.push_back({i, 1, 0.1 * double(i + 1), 0.05});
            r.grad.push_back({i, 2, 0.2, 0.1});
        }
        r.info_diff_log10_median = -2.5;
        r.info_diff_identical = 1;
        BoxStats b1{4, 0.1, 0.175, 0.25, 0.325, 0.4, 0.25};
        BoxStats b2{4, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2};
        r.grad_l1 = {b1, b2};
        r.grad_l2 = {b1, b2};
        GapSummary g;
        g.name = "shared:token";
        g.count = 5;
        g.median_exact = 0.5;
        g.median_approx = 0.45;
        g.median_abs_gap = 0.05;
        g.max_abs_gap = 0.08;
        g.median_rel_gap = 0.1;
        r.gaps = {g};
        r.verdict = "P+ \u2248 P- does not hold: median relative gap 10% (worst case shared:token)";

        GradientLabMeasured view;
        view.showResult(r);
        using Plot = GradientLabMeasured::Plot;
        auto* bars = qobject_cast<QCPBars*>(view.plot(Plot::Histogram)->plottable(0));
        double total = 0;
        for (int i = 0; i < bars->dataCount(); ++i)
            total += bars->data()->at(i)->value;
        QCOMPARE(total, 3.0);  // the identical pair (-inf) is counted, not drawn
        QCOMPARE(view.plot(Plot::Scatter)->graph(0)->dataCount(), 3);
        auto* box = qobject_cast<QCPStatisticalBox*>(view.plot(Plot::Boxes)->plottable(0));
        QCOMPARE(box->dataCount(), 2);
        QCOMPARE(box->data()->at(0)->median, 0.25);
        QCOMPARE(box->data()->at(0)->lowerQuartile, 0.175);
        QCOMPARE(view.gapTable()->rowCount(), 1);
        QCOMPARE(view.gapTable()->item(0, 0)->text(), QString("shared:token"));
        QCOMPARE(view.gapTable()->item(0, 6)->text(), QString("10%"));
        QVERIFY(view.verdict().contains("does not hold"));
        QVERIFY(view.verdict().contains("-2.5"));

        QTemporaryDir dir;
        QVERIFY(view.exportCsv(Plot::Boxes, dir.filePath("boxes.csv")));
        QStringList lines = readLines(dir.filePath("boxes.csv"));
        QCOMPARE(lines.value(0), QString("step,norm,statistic,pair,value"));
        QVERIFY(lines.contains("1,l1,median,,0.25"));
        QCOMPARE(lines.filter(",value,").size(), 16);  // 8 raw values per norm
        QVERIFY(view.exportCsv(Plot::Scatter, dir.filePath("scatter.csv")));
        QCOMPARE(readLines(dir.filePath("scatter.csv")).value(0),
                 QString("pair,t_pos,t_neg,mean_length,log10_info_diff"));

        // The form round-trips a request and the button asks for it.
        GradientMeasureRequest req;
        req.model_path = "runs/x";
        req.data_path = "pairs.jsonl";
        req.format = "hh";
        req.method = "dpo";
        req.beta = 0.1;
        req.steps = 5;
        req.max_pairs = 50;
        view.setRequest(req);
        GradientMeasureRequest asked;
        connect(&view, &GradientLabMeasured::measureRequested, this,
                [&](const GradientMeasureRequest& q) { asked = q; });
        view.measureButton()->click();
        QCOMPARE(QString::fromStdString(asked.model_path), QString("runs/x"));
        QCOMPARE(QString::fromStdString(asked.format), QString("hh"));
        QCOMPARE(QString::fromStdString(asked.method), QString("dpo"));
        QCOMPARE(asked.steps, 5);
        QCOMPARE(asked.max_pairs, std::size_t(50));
        QVERIFY(near(asked.beta, 0.1, 1e-12));
    }

    // Issue #18: a 90% relative gap on a coefficient of -0.002 failed the verdict.
    void verdictUsesAnAbsoluteAndARelativeGap() {
        auto result = [](double exact, double approx) {
            GradientMeasureResult r;
            r.method = "dpo";
            r.steps = 1;
            for (std::size_t i = 0; i < 3; ++i) {
                DecompositionRow d;
                d.pair = i;
                d.shared = true;
                d.exact_pos = exact;
                d.approx_pos = approx;
                d.exact_other = 0.3;
                d.approx_other = 0.3;
                r.decomposition.push_back(d);
            }
            summarizeGradientMeasure(r);
            return r;
        };
        // |gap| 0.0018 (90% of -0.002): below the absolute tolerance, it holds.
        GradientMeasureResult tiny = result(-0.002, -0.0002);
        QVERIFY(tiny.approximation_holds);
        GradientLabMeasured view;
        view.showResult(tiny);
        QVERIFY2(view.verdict().startsWith("P+ \u2248 P- holds"), qPrintable(view.verdict()));
        QVERIFY2(view.verdict().contains("|gap| < 0.01 or relative gap < 10%"),
                 qPrintable(view.verdict()));
        int token = -1;
        for (int row = 0; row < view.gapTable()->rowCount(); ++row)
            if (view.gapTable()->item(row, 0)->text() == "shared:token")
                token = row;
        QVERIFY(token >= 0);
        QCOMPARE(view.gapTable()->item(token, 6)->text(), QString("90%"));
        QCOMPARE(view.gapTable()->item(token, 7)->text(), QString("yes"));
        // The tolerances are stated beside the table.
        auto* note = view.findChild<QLabel*>("tolerances");
        QVERIFY(note && note->text().contains("< 0.01") && note->text().contains("< 10%"));
        // A gap both large and relatively large fails; one small relative to a big coefficient
        // passes.
        GradientMeasureResult big = result(-0.5, -0.05);
        QVERIFY(!big.approximation_holds);
        view.showResult(big);
        QVERIFY2(view.verdict().startsWith("P+ \u2248 P- does not hold"),
                 qPrintable(view.verdict()));
        QCOMPARE(view.gapTable()->item(token, 7)->text(), QString("no"));
        QVERIFY(result(-5.0, -4.8).approximation_holds);  // |gap| 0.2, 4%
    }

    // Issue #18: the undefined region (u + e outside (0, 1]) looked like zero (both white).
    void heatMapPaintsTheUndefinedRegionApart() {
        GradientLabAnalytic view;
        view.resize(1200, 900);
        view.setSharedMethod(analytic::Method::Dpo);
        QCPColorMap* heat = view.heatMap();
        QCPColorMapData* d = heat->data();
        // Near the top-right corner u + e > 1: undefined (NaN). (The legend sits top-left; the
        // corner cells' centres are on the axis rect's border.)
        const int undefined_i = d->keySize() - 5, undefined_j = d->valueSize() - 5;
        QVERIFY(undefined_i >= 0);
        QVERIFY(std::isnan(d->cell(undefined_i, undefined_j)));
        QCPColorGradient g = heat->gradient();
        QCOMPARE(g.nanHandling(), QCPColorGradient::nhNanColor);
        const QColor zero = QColor::fromRgb(g.color(0.0, heat->dataRange()));
        QVERIFY2(g.nanColor() != zero && g.nanColor().alpha() == 255,
                 qPrintable(g.nanColor().name() + " vs " + zero.name()));
        // Rendered: the pixel of the undefined cell has the NaN colour, not zero's white.
        QCustomPlot* p = view.plot(GradientLabAnalytic::Plot::HeatMap);
        p->replot();
        const QImage image = p->toPixmap(p->width(), p->height()).toImage();
        double u, e;
        d->cellToCoord(undefined_i, undefined_j, &u, &e);
        const QColor painted =
            image.pixelColor(int(p->xAxis->coordToPixel(u)), int(p->yAxis->coordToPixel(e)));
        QCOMPARE(painted.rgb(), g.nanColor().rgb());
        // The legend names it.
        bool named = false;
        for (int i = 0; i < p->legend->itemCount(); ++i)
            if (auto* item = qobject_cast<QCPPlottableLegendItem*>(p->legend->item(i)))
                named |= item->plottable()->name().startsWith("undefined");
        QVERIFY(named);
        QVERIFY(p->legend->visible());
    }

    void labHasBothViews() {
        widgets::GradientLab lab;
        QCOMPARE(lab.count(), 2);
        QCOMPARE(lab.tabText(0), QString("Analytic"));
        QCOMPARE(lab.tabText(1), QString("Measured"));
        // Both pages scroll rather than forcing their width on the window, and every panel
        // exports vector figures beside PNG and CSV.
        QVERIFY(lab.minimumSizeHint().width() < 400);
        for (QWidget* page :
             {static_cast<QWidget*>(lab.analytic()), static_cast<QWidget*>(lab.measured())}) {
            QStringList kinds;
            for (auto* b : page->findChildren<QPushButton*>())
                kinds << b->text();
            for (const char* kind : {"PNG", "SVG", "PDF", "CSV"})
                QVERIFY2(kinds.contains(kind), qPrintable(kinds.join(",")));
        }
    }
};

RGPB_TEST_MAIN(TestGradientLab)
}  // namespace rgpb_test_gradient_lab
#include "test_gradient_lab.moc"
