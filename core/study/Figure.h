// A chart as plain data, drawn by the study report into SVG and PDF without any GUI library:
// axes (linear or log10), series of points with optional error bars in x and y, lines with an
// optional band, horizontal/vertical reference lines, a legend and a title. The renderers write
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
};

struct FigureSeries {
    enum class Style { Points, Line, Bars };
    std::string name;          // legend entry; empty: not in the legend
    std::string color;         // "#rrggbb"
    Style style = Style::Points;
    std::vector<double> x, y;
    // Optional, same length as x: error bars (Points) or a band (Line) from lo to hi.
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

// A complete standalone SVG document (also valid inline in HTML5).
std::string renderSvg(const Figure& figure);
// A complete single-page PDF (PDF 1.4, base-14 Helvetica, no external resources).
std::string renderPdf(const Figure& figure);

}  // namespace rgpb
