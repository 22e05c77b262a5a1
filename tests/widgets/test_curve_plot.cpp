// CurvePlot: debiased EMA against hand-computed values, batched appends, log scale, export.
#include <QtTest>

#include "tests/support/TestMain.h"

#include <qcustomplot.h>
#include <QTemporaryDir>

#include "tests/support/Approx.h"
#include "widgets/CurvePlot.h"
#include "widgets/PlotExport.h"

// This file's code has its own namespace: the group's tests build as one unity batch.
namespace rgpb_test_curve_plot {

using namespace rgpb::widgets;

class TestCurvePlot : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void debiasedEmaByHand() {
        // alpha 0.5 on 1, 2, 3: s = 0.5, 1.25, 2.125; weights 1 - 0.5^t = 0.5, 0.75, 0.875
        // -> 1, 1.6666667, 2.4285714 (the first value is reproduced exactly: no bias to 0).
        QVector<double> s = debiasedEma({1, 2, 3}, 0.5);
        QCOMPARE(s.size(), 3);
        RGPB_COMPARE_NEAR(s[0], 1.0, 1e-12);
        RGPB_COMPARE_NEAR(s[1], 1.6666666667, 1e-9);
        RGPB_COMPARE_NEAR(s[2], 2.4285714286, 1e-9);
        QCOMPARE(debiasedEma({4, 5}, 0.0), (QVector<double>{4, 5}));
        // A NaN (a skipped step) carries the previous value and does not poison what follows:
        // 1, NaN, 3 at alpha 0.5 -> 1, 1, (0.25 + 1.5) / 0.75 = 2.3333333.
        QVector<double> n = debiasedEma({1, qQNaN(), 3}, 0.5);
        RGPB_COMPARE_NEAR(n[1], 1.0, 1e-12);
        RGPB_COMPARE_NEAR(n[2], 2.3333333333, 1e-9);
    }

    void batchedAppendsAndSmoothing() {
        CurvePlot plot("loss");
        plot.resize(400, 300);
        plot.setSmoothing(0.5);
        plot.appendPoints("r1", "exmate b=0.5", {{1, 10, 0.1, 1}, {2, 20, 0.2, 2}});
        plot.flush();
        plot.appendPoints("r1", "exmate b=0.5", {{3, 30, 0.3, 3}});
        plot.appendPoints("r2", "dpo b=0.1", {{1, 10, 0.1, 5}});
        plot.flush();
        QCOMPARE(plot.pointCount("r1"), 3);
        QCOMPARE(plot.runs(), (QStringList{"r1", "r2"}));
        // Incremental smoothing equals smoothing from scratch.
        QCPGraph* smooth = plot.plot()->graph(1);
        QCOMPARE(smooth->data()->size(), 3);
        RGPB_COMPARE_NEAR(smooth->data()->at(2)->value, 2.4285714286, 1e-9);
        RGPB_COMPARE_NEAR(plot.smoothedValues("r1")[2], 2.4285714286, 1e-9);
        QVERIFY(plot.readoutAt(2.9).startsWith("exmate b=0.5  step 3: 3"));
        plot.setXAxis(XAxis::Tokens);
        plot.flush();
        QCOMPARE(plot.plot()->graph(0)->data()->at(2)->key, 30.0);
        QCOMPARE(plot.plot()->xAxis->label(), QString("tokens"));
        plot.removeRun("r2");
        QCOMPARE(plot.runs(), QStringList{"r1"});
    }

    // The hover read-out goes when the mouse leaves the plot and when what it describes changes
    // (axis, smoothing, runs), never showing a stale value.
    void hoverReadoutNeverGoesStale() {
        CurvePlot plot("perplexity");
        plot.resize(400, 300);
        plot.appendPoints("r1", "a", {{1, 10, 0.1, 1}, {2, 20, 0.2, 2}, {3, 30, 0.3, 3}});
        plot.flush();
        plot.show();  // laid out: pixels map to steps
        QVERIFY(QTest::qWaitForWindowExposed(&plot));
        plot.plot()->replot();
        const auto hover = [&] {
            const QPointF at(plot.plot()->xAxis->coordToPixel(2), 50);
            QMouseEvent move(QEvent::MouseMove, at, plot.plot()->mapToGlobal(at), Qt::NoButton,
                             Qt::NoButton, Qt::NoModifier);
            Q_EMIT plot.plot()->mouseMove(&move);
            return !plot.readoutText().isEmpty();
        };
        QVERIFY(hover());
        QEvent leave(QEvent::Leave);
        QCoreApplication::sendEvent(plot.plot(), &leave);
        QCOMPARE(plot.readoutText(), QString());
        QVERIFY(hover());
        plot.setXAxis(XAxis::Tokens);
        QCOMPARE(plot.readoutText(), QString());
        QVERIFY(hover());
        plot.setSmoothing(0.5);
        QCOMPARE(plot.readoutText(), QString());
        QVERIFY(hover());
        plot.removeRun("r1");
        QCOMPARE(plot.readoutText(), QString());
    }

    // A long title fits a narrow plot (two columns at 1024 px) in a smaller font, and gets its
    // full size back when there is room.
    void titleFitsANarrowPlot() {
        const QString title = "eval positive-example probability";
        CurvePlot plot(title);
        plot.resize(185, 210);
        plot.show();
        QVERIFY(QTest::qWaitForWindowExposed(&plot));
        auto* heading = qobject_cast<QCPTextElement*>(plot.plot()->plotLayout()->element(0, 0));
        QVERIFY(heading != nullptr);
        QVERIFY2(QFontMetrics(heading->font()).horizontalAdvance(title) <= plot.width() - 8,
                 qPrintable(QString::number(heading->font().pointSize())));
        const int narrow = heading->font().pointSize();
        plot.resize(800, 300);
        QTRY_VERIFY(heading->font().pointSize() > narrow);
        QCOMPARE(heading->font().pointSize(), plot.font().pointSize() + 1);
    }

    void logScaleSkipsNonPositiveForRange() {
        CurvePlot plot("perplexity");
        plot.setLogScale(true);
        plot.appendPoints("r", "r", {{1, 0, 0, 100}, {2, 0, 0, 10}, {3, 0, 0, 0}});
        plot.flush();
        QCOMPARE(plot.plot()->yAxis->scaleType(), QCPAxis::stLogarithmic);
        QVERIFY(plot.plot()->yAxis->range().lower > 0);
        QVERIFY(plot.plot()->yAxis->range().upper >= 100);
    }

    void exports() {
        QTemporaryDir tmp;
        CurvePlot plot("agility");
        plot.resize(400, 300);
        plot.appendPoints("r", "ul b=1", {{1, 8, 0.5, 0.25}, {2, 16, 1.0, 0.5}});
        QString csv = tmp.filePath("a.csv"), png = tmp.filePath("a.png");
        QVERIFY(plot.exportCsv(csv));
        QFile f(csv);
        QVERIFY(f.open(QIODevice::ReadOnly));
        QCOMPARE(QString(f.readAll()),
                 QString("run,label,step,tokens,seconds,value,smoothed\n"
                         "r,ul b=1,1,8,0.5,0.25,0.25\nr,ul b=1,2,16,1,0.5,0.5\n"));
        QVERIFY(plot.exportPng(png));
        QImage img(png);
        QCOMPARE(img.width(), 900);
        QVERIFY(!QFile::exists(tmp.filePath("missing/dir/x.csv")) &&
                !plot.exportCsv(tmp.filePath("missing/dir/x.csv")));
    }

    // A file name the user picked that is a symbolic link is replaced by the export, never
    // written through: the file it points to stays as it was (issue #17).
    void exportsReplaceALinkInsteadOfWritingThroughIt() {
        QTemporaryDir tmp;
        CurvePlot plot("agility");
        plot.resize(400, 300);
        plot.appendPoints("r", "ul b=1", {{1, 8, 0.5, 0.25}, {2, 16, 1.0, 0.5}});
        const QString outside = tmp.filePath("outside.txt");
        QFile o(outside);
        QVERIFY(o.open(QIODevice::WriteOnly) && o.write("keep me\n") == 8);
        o.close();
        for (const char* name : {"l.csv", "l.png", "l.svg", "l.pdf"}) {
            const QString link = tmp.filePath(name);
            QVERIFY(QFile::link(outside, link));
            QVERIFY(QString(name).endsWith(".csv") ? plot.exportCsv(link)
                                                   : plot.exportFigure(link));
            QVERIFY2(!QFileInfo(link).isSymLink(), name);
            QVERIFY(QFileInfo(link).size() > 8);
            QFile check(outside);
            QVERIFY(check.open(QIODevice::ReadOnly));
            QCOMPARE(check.readAll(), QByteArray("keep me\n"));
        }
    }

    void readableLogTicks() {
        // A few decades: 1, 2, 5 in each; many: powers of ten only.
        QCOMPARE(rgpb::widgets::readableLogTicks(1, 100),
                 (QVector<double>{1, 2, 5, 10, 20, 50, 100}));
        QCOMPARE(rgpb::widgets::readableLogTicks(0.15, 3), (QVector<double>{0.2, 0.5, 1, 2}));
        QCOMPARE(rgpb::widgets::readableLogTicks(1, 1e6),
                 (QVector<double>{1, 10, 100, 1000, 1e4, 1e5, 1e6}));
        QVERIFY(rgpb::widgets::readableLogTicks(0, 10).isEmpty());
        // Inside one decade 1-2-5 leaves too few: every digit.
        QCOMPARE(rgpb::widgets::readableLogTicks(1.2, 3.5), (QVector<double>{2, 3}));
        QCOMPARE(rgpb::widgets::readableLogTicks(12, 65), (QVector<double>{20, 30, 40, 50, 60}));
        // A log-scale plot uses them, labelled as plain numbers.
        CurvePlot plot("perplexity");
        plot.resize(400, 300);
        plot.setLogScale(true);
        plot.appendPoints("r", "r", {{1, 0, 0, 3}, {2, 0, 0, 40}});
        plot.flush();
        plot.plot()->replot();
        const QVector<double> ticks = plot.plot()->yAxis->tickVector();
        QVERIFY2(ticks.contains(5) && ticks.contains(10) && ticks.contains(20),
                 qPrintable(QString::number(ticks.size())));
        QVERIFY(plot.plot()->yAxis->tickVectorLabels().contains("20"));
    }

    void vectorExportsWithAxisLabels() {
        QTemporaryDir tmp;
        CurvePlot plot("eval perplexity");
        plot.resize(400, 300);
        plot.setYLabel("perplexity");
        plot.setLogScale(true);
        plot.appendPoints("r", "exmate b=0.5", {{1, 8, 0.5, 20}, {2, 16, 1.0, 5}});
        QVERIFY(plot.exportFigure(tmp.filePath("p.svg")));
        QVERIFY(plot.exportFigure(tmp.filePath("p.pdf")));
        QVERIFY(plot.exportFigure(tmp.filePath("p.png")));
        QVERIFY(!plot.exportFigure(tmp.filePath("p.bmp")));
        QFile svg(tmp.filePath("p.svg"));
        QVERIFY(svg.open(QIODevice::ReadOnly));
        const QString text = svg.readAll();
        // Both axes are titled and the run is named (the window's legend is outside the plot).
        QVERIFY(text.contains("<svg"));
        QVERIFY(text.contains(">perplexity<") && text.contains(">step<"));
        QVERIFY(text.contains("exmate b=0.5"));
        QFile pdf(tmp.filePath("p.pdf"));
        QVERIFY(pdf.open(QIODevice::ReadOnly));
        QCOMPARE(pdf.read(5), QByteArray("%PDF-"));
        QCOMPARE(QImage(tmp.filePath("p.png")).width(), 900);
        QVERIFY(!plot.plot()->legend->visible());  // back to the window's look
    }
};

RGPB_TEST_MAIN(TestCurvePlot)
}  // namespace rgpb_test_curve_plot
#include "test_curve_plot.moc"
