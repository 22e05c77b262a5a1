// A chart as plain data, drawn by the study report into SVG and PDF without any GUI library:
// axes (linear, log10 or categorical), series of points with optional error bars in x and y,
// lines with an optional band, bars, horizontal/vertical reference lines, point labels, a legend
// and a title. Non-finite values (and non-positive ones on a log axis) are skipped; a figure
// without any drawable point still renders, saying "no data". The renderers write
// vector output with the same layout, so the HTML report (inline SVG) and the PDF match.
// Torch-free and Qt-free.
#pragma once

#include <string>
#include <vector>

namespace rgpb {

struct FigureAxis {
    std::string label;
    bool log10 = false;
    // Range; when lo >= hi it is fitted to the data (with a small margin).
    double lo = 0.0, hi = 0.0;
    // When not empty, a categorical axis: the data values 0, 1, ..., n - 1 stand for these names,
    // which label the ticks (range -0.5 .. n - 0.5 unless lo < hi; log10 is ignored).
    std::vector<std::string> categories;
};

struct FigureSeries {
    enum class Style { Points, Line, Bars };
    std::string name;   // legend entry; empty: not in the legend
    std::string color;  // "#rrggbb"; anything else: the palette's colour for its index
    Style style = Style::Points;
    std::vector<double> x, y;
    // Optional, same length as x: error bars (Points, Bars: y only) or a band (Line: y only)
    // from lo to hi. A vector of another length is ignored.
    std::vector<double> x_lo, x_hi, y_lo, y_hi;
    std::vector<std::string> point_labels;  // optional text beside each point
};

struct FigureReferenceLine {
    bool horizontal = true;  // y = value, else x = value
    double value = 0.0;
    std::string label;
    std::string color = "#777777";
};

struct Figure {
    std::string title;
    FigureAxis x, y;
    std::vector<FigureSeries> series;
    std::vector<FigureReferenceLine> references;
    double width = 640, height = 420;  // points (1/72 inch); SVG user units
};

// A complete standalone SVG document (also valid inline in HTML5: no XML declaration, text
// escaped, ids unique to the figure's content).
std::string renderSvg(const Figure& figure);
// A complete single-page PDF (PDF 1.4, base-14 Helvetica, no external resources).
std::string renderPdf(const Figure& figure);

}  // namespace rgpb
