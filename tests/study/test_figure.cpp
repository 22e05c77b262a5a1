// The figure renderers (core/study/Figure.h): nice 1-2-5 and decade ticks, range fitting, where
// points, error bars, bands, bars and reference lines land (checked against positions worked
// out by hand from the plot rectangle), skipping of non-finite values, "no data", SVG that an
// XML parser accepts with its text escaped, and a PDF whose cross-reference table and stream
// lengths are right byte for byte.
#include <QtTest>

#include "tests/support/TestMain.h"

#include <QXmlStreamReader>
#include <cmath>
#include <limits>
#include <map>
#include <string>
#include <vector>

#include "core/study/Figure.h"
#include "core/study/FigureLayout.h"
#include "core/study/FigureText.h"
#include "tests/support/Approx.h"

namespace rgpb_test_figure {

using namespace rgpb;
using namespace rgpb::figure;

const double kNan = std::numeric_limits<double>::quiet_NaN();
const double kInf = std::numeric_limits<double>::infinity();

// One element of a rendered SVG: its name, attributes and text.
struct SvgElement {
    QString name;
    std::map<QString, QString> attr;
    QString text;
};

// The SVG's elements in document order; fails the test (empty result) on an XML error.
std::vector<SvgElement> parseSvg(const std::string& svg, QString* error) {
    std::vector<SvgElement> out;
    QXmlStreamReader xml(QByteArray::fromStdString(svg));
    std::vector<std::size_t> open;
    while (!xml.atEnd()) {
        xml.readNext();
        if (xml.isStartElement()) {
            SvgElement e;
            e.name = xml.name().toString();
            for (const QXmlStreamAttribute& a : xml.attributes())
                e.attr[a.qualifiedName().toString()] = a.value().toString();
            out.push_back(e);
            open.push_back(out.size() - 1);
        } else if (xml.isCharacters() && !open.empty()) {
            out[open.back()].text += xml.text().toString();
        } else if (xml.isEndElement()) {
            open.pop_back();
        }
    }
    if (xml.hasError())
        *error = xml.errorString() + " at line " + QString::number(xml.lineNumber());
    return out;
}

std::vector<SvgElement> elementsNamed(const std::vector<SvgElement>& all, const QString& name) {
    std::vector<SvgElement> out;
    for (const SvgElement& e : all)
        if (e.name == name)
            out.push_back(e);
    return out;
}

std::vector<std::pair<double, double>> pointsOf(const SvgElement& e) {
    std::vector<std::pair<double, double>> out;
    for (const QString& p : e.attr.at("points").split(' ', Qt::SkipEmptyParts)) {
        QStringList xy = p.split(',');
        out.push_back({xy[0].toDouble(), xy[1].toDouble()});
    }
    return out;
}

double num(const SvgElement& e, const char* attr) {
    return e.attr.at(attr).toDouble();
}

// The rendered coordinates carry two decimals.
bool near(double a, double b) {
    return std::abs(a - b) <= 0.011;
}

Figure axesZeroToTen() {
    Figure f;
    f.x.lo = 0;
    f.x.hi = 10;
    f.y.lo = 0;
    f.y.hi = 10;
    return f;
}

class TestFigure : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void ticksAreOneTwoFiveSteps() {
        QCOMPARE(niceTicks(0, 1, 5), (std::vector<double>{0, 0.2, 0.4, 0.6, 0.8, 1.0}));
        QCOMPARE(niceTicks(-3, 7, 5), (std::vector<double>{-2, 0, 2, 4, 6}));
        // 0.74 / 5 = 0.148 -> 0.2; the multiples of 0.2 inside [0.13, 0.87].
        QCOMPARE(niceTicks(0.13, 0.87, 5), (std::vector<double>{0.2, 0.4, 0.6, 0.8}));
        QCOMPARE(niceTicks(0, 1000, 3), (std::vector<double>{0, 500, 1000}));
        RGPB_COMPARE_NEAR_REL(niceStep(0, 0.0007, 5), 0.0002, 1e-12);
        RGPB_COMPARE_NEAR_REL(niceStep(10, 60, 5), 10.0, 1e-12);
        // 0.1 * 3 is 0.30000000000000004 in binary: the tick still prints as 0.3.
        std::vector<double> t = niceTicks(0, 0.5, 5);
        QCOMPARE(tickLabel(t[3], 0.1), std::string("0.3"));
        QCOMPARE(tickLabel(-0.05, 0.05), std::string("-0.05"));
        QCOMPARE(tickLabel(1500, 500), std::string("1500"));
        QCOMPARE(tickLabel(2e6, 1e6), std::string("2e+06"));
        QCOMPARE(tickLabel(0, 0.2), std::string("0"));
        QCOMPARE(formatFixed(-0.0001, 2), std::string("0"));
        QCOMPARE(formatFixed(2.50, 2), std::string("2.5"));
    }

    void logAxesTickDecades() {
        QCOMPARE(logTicks(0.5, 2000), (std::vector<double>{1, 10, 100, 1000}));
        // Twenty decades: every fifth (20 / 6 = 3.3 -> 5).
        std::vector<double> wide = logTicks(1e-10, 1e10);
        QCOMPARE(wide.size(), std::size_t(5));
        RGPB_COMPARE_NEAR_REL(wide[0], 1e-10, 1e-12);
        RGPB_COMPARE_NEAR_REL(wide[2], 1.0, 1e-12);
        RGPB_COMPARE_NEAR_REL(wide[4], 1e10, 1e-12);
        // Up to two decades: the 1-2-5 multiples (a beta grid 0.05 .. 5).
        QCOMPARE(logTicks(0.04, 6), (std::vector<double>{0.05, 0.1, 0.2, 0.5, 1, 2, 5}));
        QCOMPARE(logTicks(1.5, 9), (std::vector<double>{2, 5}));
        // Less than that: linear ticks.
        QCOMPARE(logTicks(2.1, 4.9), (std::vector<double>{3, 4}));  // 2.8 / 4 = 0.7 -> 1
        FigureAxis axis;
        axis.log10 = true;
        AxisScale s = fitScale(axis, {1, 100, -5, 0}, false, 5);  // -5 and 0 cannot be shown
        RGPB_COMPARE_NEAR_REL(s.lo, std::pow(10.0, -0.1), 1e-12);
        RGPB_COMPARE_NEAR_REL(s.hi, std::pow(10.0, 2.1), 1e-12);
        QCOMPARE(s.labels, (std::vector<std::string>{"1", "10", "100"}));
        RGPB_COMPARE_NEAR(s.unit(10), 0.5, 1e-12);
        QVERIFY(std::isnan(s.unit(-1)));
    }

    void rangesFitTheDataWithAMargin() {
        FigureAxis plain;
        AxisScale s = fitScale(plain, {0, 10, kNan, kInf}, false, 5);
        QCOMPARE(s.lo, -0.5);
        QCOMPARE(s.hi, 10.5);
        s = fitScale(plain, {2, 4}, true, 5);  // bars: from zero, margin above only
        QCOMPARE(s.lo, 0.0);
        RGPB_COMPARE_NEAR(s.hi, 4.2, 1e-12);
        s = fitScale(plain, {5}, false, 5);
        RGPB_COMPARE_NEAR(s.lo, 4.5, 1e-12);
        RGPB_COMPARE_NEAR(s.hi, 5.5, 1e-12);
        s = fitScale(plain, {}, false, 5);
        QCOMPARE(s.lo, 0.0);
        QCOMPARE(s.hi, 1.0);
        FigureAxis fixed;
        fixed.lo = 0;
        fixed.hi = 2;
        s = fitScale(fixed, {-7, 9}, false, 4);
        QCOMPARE(s.lo, 0.0);
        QCOMPARE(s.hi, 2.0);
        QCOMPARE(s.labels, (std::vector<std::string>{"0", "0.5", "1", "1.5", "2"}));
        FigureAxis cats;
        cats.categories = {"mle", "ul", "dpo"};
        s = fitScale(cats, {0, 1, 2}, false, 5);
        QCOMPARE(s.lo, -0.5);
        QCOMPARE(s.hi, 2.5);
        QCOMPARE(s.ticks, (std::vector<double>{0, 1, 2}));
        QCOMPARE(s.labels, cats.categories);
    }

    void pointsAndErrorBarsLandWhereTheValuesSay() {
        Figure f = axesZeroToTen();
        FigureSeries s;
        s.color = "#123456";
        s.x = {5};
        s.y = {5};
        s.x_lo = {4};
        s.x_hi = {6};
        s.y_lo = {2};
        s.y_hi = {8};
        f.series = {s};
        Rect p = layoutFigure(f).plot;
        QString error;
        auto svg = parseSvg(renderSvg(f), &error);
        QVERIFY2(error.isEmpty(), qPrintable(error));
        auto circles = elementsNamed(svg, "circle");
        QCOMPARE(circles.size(), std::size_t(1));
        double cx = p.x + p.w / 2, cy = p.y + p.h / 2;  // (5, 5) is the middle of 0..10
        QVERIFY(near(num(circles[0], "cx"), cx) && near(num(circles[0], "cy"), cy));
        bool vertical = false, horizontal = false;
        for (const SvgElement& e : elementsNamed(svg, "polyline")) {
            if (e.attr.at("stroke") != "#123456")
                continue;
            auto pts = pointsOf(e);
            // y from 2 (0.8 down) to 8 (0.2 below the top); x from 4 to 6 (0.4 and 0.6 across).
            if (near(pts[0].first, cx) && near(pts[0].second, p.y + 0.8 * p.h) &&
                near(pts[1].first, cx) && near(pts[1].second, p.y + 0.2 * p.h))
                vertical = true;
            if (near(pts[0].first, p.x + 0.4 * p.w) && near(pts[1].first, p.x + 0.6 * p.w) &&
                near(pts[0].second, cy) && near(pts[1].second, cy))
                horizontal = true;
        }
        QVERIFY(vertical && horizontal);
    }

    void logAxisPlacesTheGeometricMiddleInTheMiddle() {
        Figure f;
        f.y.log10 = true;
        f.y.lo = 1;
        f.y.hi = 100;
        f.x.lo = 0;
        f.x.hi = 1;
        FigureSeries s;
        s.x = {0.5};
        s.y = {10};
        f.series = {s};
        Rect p = layoutFigure(f).plot;
        QString error;
        auto circles = elementsNamed(parseSvg(renderSvg(f), &error), "circle");
        QCOMPARE(circles.size(), std::size_t(1));
        QVERIFY(near(num(circles[0], "cy"), p.y + p.h / 2));
    }

    // An interval reaching below zero on a log axis runs off the low edge, without a cap there.
    void intervalsBelowZeroOnALogAxisRunOffTheEdge() {
        Figure f;
        f.y.log10 = true;
        f.y.lo = 1;
        f.y.hi = 100;
        FigureSeries s;
        s.color = "#0000ff";
        s.x = {1};
        s.y = {10};
        s.y_lo = {-5};
        s.y_hi = {20};
        f.series = {s};
        Rect p = layoutFigure(f).plot;
        QString error;
        auto svg = parseSvg(renderSvg(f), &error);
        std::vector<std::vector<std::pair<double, double>>> lines;
        for (const SvgElement& e : elementsNamed(svg, "polyline"))
            if (e.attr.at("stroke") == "#0000ff")
                lines.push_back(pointsOf(e));
        QCOMPARE(lines.size(), std::size_t(2));   // the bar and one cap
        QVERIFY(lines[0][0].second > p.y + p.h);  // below the plot: cut by the clip
        // 20 on 1..100 (log): log10(20) / 2 of the way up.
        QVERIFY(near(lines[0][1].second, p.y + (1 - std::log10(20.0) / 2) * p.h));
        QVERIFY(near(lines[1][0].second, lines[0][1].second));  // the cap is at the top end
    }

    void bandsAndBars() {
        Figure f = axesZeroToTen();
        f.x.hi = 4;
        FigureSeries band;
        band.style = FigureSeries::Style::Line;
        band.color = "#00aa00";
        band.x = {1, 3};
        band.y = {5, 5};
        band.y_lo = {4, 4};
        band.y_hi = {6, 7};
        FigureSeries bars;
        bars.style = FigureSeries::Style::Bars;
        bars.color = "#aa0000";
        bars.x = {1, 2, 3};
        bars.y = {5, 10, 2.5};
        f.series = {band, bars};
        Rect p = layoutFigure(f).plot;
        QString error;
        auto svg = parseSvg(renderSvg(f), &error);
        QVERIFY2(error.isEmpty(), qPrintable(error));
        auto polygons = elementsNamed(svg, "polygon");
        QCOMPARE(polygons.size(), std::size_t(1));
        QCOMPARE(polygons[0].attr.at("fill-opacity"), QString("0.2"));
        auto shape = pointsOf(polygons[0]);
        QCOMPARE(shape.size(), std::size_t(4));           // upper edge forward, lower edge back
        QVERIFY(near(shape[1].second, p.y + 0.3 * p.h));  // y_hi 7 of 10
        QVERIFY(near(shape[2].second, p.y + 0.6 * p.h));  // y_lo 4 of 10, at x = 3
        std::vector<SvgElement> bar_rects;
        for (const SvgElement& e : elementsNamed(svg, "rect"))
            if (e.attr.count("fill") != 0 && e.attr.at("fill") == "#aa0000")
                bar_rects.push_back(e);
        QCOMPARE(bar_rects.size(), std::size_t(3));
        // Bars one unit apart on a 0..4 axis: the slot is 80% of a quarter of the width.
        QVERIFY(near(num(bar_rects[0], "width"), 0.8 * p.w / 4));
        QVERIFY(near(num(bar_rects[0], "height"), p.h / 2));
        QVERIFY(near(num(bar_rects[1], "y"), p.y));
        QVERIFY(near(num(bar_rects[2], "y") + num(bar_rects[2], "height"), p.y + p.h));
        QVERIFY(near(num(bar_rects[1], "x") + num(bar_rects[1], "width") / 2, p.x + p.w / 2));
    }

    void referenceLinesLegendAndLabels() {
        Figure f = axesZeroToTen();
        // A colour that is not #rrggbb falls back (to grey; a series' to the palette's).
        f.references = {{true, 3, "MLE", "grey\" onload=\"x"}, {false, 20, "off the axis"}};
        FigureSeries a;
        a.name = "ExMATE";
        a.x = {2};
        a.y = {2};
        a.point_labels = {"beta 0.5"};
        FigureSeries unnamed;
        unnamed.color = "red";
        unnamed.x = {1};
        unnamed.y = {1};
        f.series = {a, unnamed};
        Rect p = layoutFigure(f).plot;
        QString error;
        auto svg = parseSvg(renderSvg(f), &error);
        bool dashed = false;
        for (const SvgElement& e : elementsNamed(svg, "polyline"))
            if (e.attr.count("stroke-dasharray") != 0) {
                auto pts = pointsOf(e);
                QVERIFY(near(pts[0].second, p.y + 0.7 * p.h) && near(pts[0].first, p.x) &&
                        near(pts[1].first, p.x + p.w));
                QCOMPARE(e.attr.at("stroke"), QString("#777777"));
                dashed = true;
            }
        QVERIFY(dashed);  // one dashed line: the one outside the axis is not drawn
        QStringList texts;
        for (const SvgElement& e : elementsNamed(svg, "text"))
            texts << e.text;
        QVERIFY(texts.contains("MLE") && texts.contains("ExMATE") && texts.contains("beta 0.5"));
        QVERIFY(!texts.contains("off the axis"));
        QCOMPARE(layoutFigure(f).legend.size(), std::size_t(1));
        QCOMPARE(layoutFigure(f).colors[1], std::string("#ff7f0e"));  // the palette's second
        QVERIFY(renderPdf(f).find("0.467 0.467 0.467 RG") != std::string::npos);  // #777777
        QVERIFY(!texts.contains("no data"));
    }

    void nonFiniteValuesAreSkipped() {
        Figure f;
        FigureSeries pts;
        pts.color = "#111111";
        pts.x = {1, 2, 3, 4};
        pts.y = {1, kNan, kInf, 2};
        FigureSeries line;
        line.style = FigureSeries::Style::Line;
        line.color = "#222222";
        line.x = {1, 2, 3, 4, 5};
        line.y = {1, 2, kNan, 4, 5};
        f.series = {pts, line};
        FigureLayout L = layoutFigure(f);
        QVERIFY(std::isfinite(L.y.lo) && std::isfinite(L.y.hi));
        QCOMPARE(L.y.lo, 1 - 0.2);  // 1..5 with a 5% margin of 4
        QString error;
        auto svg = parseSvg(renderSvg(f), &error);
        QCOMPARE(elementsNamed(svg, "circle").size(), std::size_t(2));
        int line_runs = 0;
        for (const SvgElement& e : elementsNamed(svg, "polyline"))
            if (e.attr.at("stroke") == "#222222") {
                QCOMPARE(pointsOf(e).size(), std::size_t(2));
                ++line_runs;
            }
        QCOMPARE(line_runs, 2);  // the gap splits the line
        std::string pdf = renderPdf(f);
        QVERIFY(pdf.find("nan") == std::string::npos && pdf.find("inf") == std::string::npos);
    }

    void figuresWithoutDataSayNoData() {
        Figure empty;
        FigureSeries named;
        named.name = "nothing yet";
        Figure all_nan;
        FigureSeries nans;
        nans.x = {1, 2};
        nans.y = {kNan, kNan};
        all_nan.series = {named, nans};
        Figure no_size;
        no_size.width = kInf;
        no_size.height = -1;
        QCOMPARE(layoutFigure(no_size).width, 640.0);
        QCOMPARE(layoutFigure(no_size).height, 420.0);
        for (const Figure& f : {empty, all_nan, no_size}) {
            QString error;
            auto svg = parseSvg(renderSvg(f), &error);
            QVERIFY2(error.isEmpty(), qPrintable(error));
            QStringList texts;
            for (const SvgElement& e : elementsNamed(svg, "text"))
                texts << e.text;
            QVERIFY(texts.contains("no data"));
            QVERIFY(renderPdf(f).find("(no data) Tj") != std::string::npos);
        }
    }

    void svgIsWellFormedWithItsTextEscaped() {
        Figure f;
        f.title = "a<b & \"c\" 'd'\x01";
        f.x.label = "\xce\xb2 \xe2\x86\x92 x";  // "β → x"
        f.y.label = "bad \xff byte";
        std::string text = renderSvg(f);
        QVERIFY(text.rfind("<svg xmlns=\"http://www.w3.org/2000/svg\"", 0) == 0);
        QVERIFY(text.find("<?xml") == std::string::npos);  // not allowed inline in HTML5
        QVERIFY(text.find("a&lt;b &amp; &quot;c&quot; &#39;d&#39;<") != std::string::npos);
        QString error;
        auto svg = parseSvg(text, &error);
        QVERIFY2(error.isEmpty(), qPrintable(error));
        QStringList texts;
        for (const SvgElement& e : elementsNamed(svg, "text"))
            texts << e.text;
        QVERIFY(texts.contains("a<b & \"c\" 'd'"));
        QVERIFY(texts.contains(QString::fromUtf8("\xce\xb2 \xe2\x86\x92 x")));
        QVERIFY(texts.contains(QString::fromUtf8("bad \xef\xbf\xbd byte")));  // U+FFFD
        // Two figures on one page have different clip ids.
        Figure other = f;
        other.title = "other";
        auto id = [](const std::string& s) {
            std::size_t at = s.find("clipPath id=\"");
            return s.substr(at, s.find('"', at + 13) - at);
        };
        QVERIFY(id(text) != id(renderSvg(other)));
    }

    void crowdedCategoriesAreSetVertically() {
        Figure f;
        for (int i = 0; i < 12; ++i)
            f.x.categories.push_back("exmate 0.5 -> dpo 0.1 #" + std::to_string(i));
        FigureSeries s;
        s.style = FigureSeries::Style::Bars;
        for (int i = 0; i < 12; ++i) {
            s.x.push_back(i);
            s.y.push_back(i);
        }
        f.series = {s};
        FigureLayout L = layoutFigure(f);
        QVERIFY(L.x_labels_vertical);
        RGPB_COMPARE_NEAR(L.x_tick_extent, helveticaWidth("exmate 0.5 -> dpo 0.1 #10", kTickSize),
                          1e-9);
        QVERIFY(renderSvg(f).find("rotate(-90") != std::string::npos);
    }

    void textHelpers() {
        // Helvetica: H 722, i 222 (1/1000 em).
        RGPB_COMPARE_NEAR(helveticaWidth("Hi", 10), 9.44, 1e-12);
        QCOMPARE(decodeUtf8("a\xc3\xa9"), (std::vector<char32_t>{'a', 0xE9}));
        QCOMPARE(decodeUtf8("\xc3"), (std::vector<char32_t>{0xFFFD}));              // cut short
        QCOMPARE(decodeUtf8("\xc0\xaf"), (std::vector<char32_t>{0xFFFD, 0xFFFD}));  // overlong
        QCOMPARE(decodeUtf8("\xed\xa0\x80").front(), char32_t(0xFFFD));             // a surrogate
        QCOMPARE(pdfString("f(x) = a\\b"), std::string("(f\\(x\\) = a\\\\b)"));
        // é is WinAnsi 0xE9 = octal 351; the en dash U+2013 is 0x96 = octal 226.
        QCOMPARE(pdfString("\xc3\xa9\xe2\x80\x93"), std::string("(\\351\\226)"));
        QCOMPARE(pdfString("\xce\xb2 \xe2\x86\x92 \xe4\xb8\xad"), std::string("(beta -> ?)"));
    }

    // One layout, two backends: the PDF holds exactly the SVG's texts, markers, lines and
    // bands, and a left-anchored text sits at the same place (y flipped).
    void svgAndPdfDrawTheSameThings() {
        Figure f = axesZeroToTen();
        f.title = "same";
        f.x.label = "x";
        f.y.label = "y";
        FigureSeries pts;
        pts.name = "points";
        pts.x = {2, 4};
        pts.y = {3, 5};
        pts.y_lo = {2, 4};
        pts.y_hi = {4, 6};
        pts.point_labels = {"first", "second"};
        FigureSeries band;
        band.name = "band";
        band.style = FigureSeries::Style::Line;
        band.x = {1, 5, 9};
        band.y = {1, 2, 3};
        band.y_lo = {0.5, 1.5, 2.5};
        band.y_hi = {1.5, 2.5, 3.5};
        f.series = {pts, band};
        f.references = {{true, 8, "ref"}};
        QString error;
        auto svg = parseSvg(renderSvg(f), &error);
        std::string pdf = renderPdf(f);
        auto count = [&pdf](const std::string& what) {
            std::size_t n = 0;
            for (std::size_t at = pdf.find(what); at != std::string::npos;
                 at = pdf.find(what, at + 1))
                ++n;
            return n;
        };
        auto texts = elementsNamed(svg, "text");
        QCOMPARE(count(" Tj ET"), texts.size());
        for (const SvgElement& t : texts)
            QVERIFY2(count("(" + t.text.toStdString() + ") Tj") >= 1, qPrintable(t.text));
        QCOMPARE(count(" c\nB Q\n"), elementsNamed(svg, "circle").size());
        QCOMPARE(count("\nS Q\n"), elementsNamed(svg, "polyline").size());
        QCOMPARE(count("h f Q\n"), elementsNamed(svg, "polygon").size());
        for (const SvgElement& t : texts)
            if (t.text == "first") {
                std::string at = figure::formatFixed(num(t, "x"), 2) + " " +
                                 figure::formatFixed(f.height - num(t, "y"), 2) + " Tm (first)";
                QVERIFY2(count(at) == 1, at.c_str());
            }
    }

    void pdfCrossReferencesPointAtTheirObjects() {
        Figure f;
        f.title = "Landscape (low)";
        FigureSeries band;
        band.style = FigureSeries::Style::Line;
        band.x = {1, 2, 3};
        band.y = {1, 2, 3};
        band.y_lo = {0.5, 1.5, 2.5};
        band.y_hi = {1.5, 2.5, 3.5};
        f.series = {band};
        std::string pdf = renderPdf(f);
        QVERIFY(pdf.rfind("%PDF-1.4\n", 0) == 0);
        QVERIFY(pdf.size() > 6 && pdf.substr(pdf.size() - 6) == "%%EOF\n");
        std::size_t sx = pdf.rfind("startxref\n");
        QVERIFY(sx != std::string::npos);
        std::size_t xref = std::stoul(pdf.substr(sx + 10));
        QCOMPARE(pdf.substr(xref, 5), std::string("xref\n"));
        std::size_t line_end = pdf.find('\n', xref + 5);
        QCOMPARE(pdf.substr(xref + 5, line_end - xref - 5), std::string("0 6"));
        std::size_t entry = line_end + 1;
        QCOMPARE(pdf.substr(entry, 20), std::string("0000000000 65535 f \n"));
        for (int obj = 1; obj <= 5; ++obj) {
            std::string e = pdf.substr(entry + 20 * obj, 20);
            QCOMPARE(e.substr(10), std::string(" 00000 n \n"));
            std::size_t offset = std::stoul(e.substr(0, 10));
            std::string head = std::to_string(obj) + " 0 obj";
            QVERIFY2(pdf.compare(offset, head.size(), head) == 0, head.c_str());
        }
        QCOMPARE(pdf.substr(entry + 120, 8), std::string("trailer\n"));
        QVERIFY(pdf.find("/Size 6 /Root 1 0 R") != std::string::npos);
        // The stream's /Length is the number of bytes between "stream\n" and "\nendstream".
        std::size_t len_at = pdf.find("/Length ");
        std::size_t length = std::stoul(pdf.substr(len_at + 8));
        std::size_t begin = pdf.find("stream\n", len_at) + 7;
        QCOMPARE(pdf.find("\nendstream"), begin + length);
        QVERIFY(pdf.find("/BaseFont /Helvetica") != std::string::npos);
        QVERIFY(pdf.find("/ExtGState << /GS0 << /Type /ExtGState /ca 0.2") != std::string::npos);
        QVERIFY(pdf.find("(Landscape \\(low\\)) Tj") != std::string::npos);
    }
};

RGPB_TEST_MAIN(TestFigure)

}  // namespace rgpb_test_figure

#include "test_figure.moc"
