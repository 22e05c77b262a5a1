// The layout of a figure (Figure.h), computed once and drawn by both renderers: each axis's
// range, ticks and tick labels ("nice" 1-2-5 steps; decades on log10 axes; category names),
// the plot rectangle and the margins the labels need, the series' colours and the legend. Page
// coordinates are points with the origin at the top left and y growing downwards (SVG's convention;
// the PDF backend flips them). Torch-free and Qt-free.
#pragma once

#include <string>
#include <vector>

#include "core/study/Figure.h"

namespace rgpb::figure {

// The step of about `target` intervals over [lo, hi]: 1, 2 or 5 times a power of ten, the
// smallest such step not below (hi - lo) / target.
double niceStep(double lo, double hi, int target);
// The multiples of niceStep(lo, hi, target) inside [lo, hi] (ends included, to rounding).
std::vector<double> niceTicks(double lo, double hi, int target);
// Ticks of a log10 axis over [lo, hi] (0 < lo < hi): the powers of ten inside (every k-th
// power when there are many); with fewer than two, 1-2-5 multiples; failing that linear ticks.
std::vector<double> logTicks(double lo, double hi);
// The label of linear tick `value` on an axis whose ticks are `step` apart: as many decimals as
// the step needs ("0.25" needs two), exponent form for very large or small magnitudes.
std::string tickLabel(double value, double step);

struct AxisScale {
    bool log10 = false;
    double lo = 0.0, hi = 1.0;
    std::vector<double> ticks;
    std::vector<std::string> labels;  // one per tick
    // Where `value` lies between lo (0) and hi (1); NaN when it cannot be shown (non-finite,
    // or not positive on a log axis).
    double unit(double value) const;
};
// The scale of `axis` for the values a figure draws on it (`values`; non-finite ones, and on
// a log axis non-positive ones, are ignored). Range: the axis's own when lo < hi, else the
// values' range with a 5% margin (0 included when `include_zero`), [0, 1] ([1, 10] on a log
// axis) when there are none. `target` is the number of intervals the ticks aim for.
AxisScale fitScale(const FigureAxis& axis, const std::vector<double>& values, bool include_zero,
                   int target);

struct Rect {
    double x = 0, y = 0, w = 0, h = 0;
};

struct LegendEntry {
    std::string text, color;
    FigureSeries::Style style = FigureSeries::Style::Points;
    bool band = false;
};

struct FigureLayout {
    double width = 0, height = 0;
    Rect plot;  // the data area
    AxisScale x, y;
    bool has_data = false;           // some series holds a finite point (else "no data" is written)
    bool x_labels_vertical = false;  // crowded category names are set bottom to top
    double x_tick_extent = 0;        // height of the band the x tick labels take below the ticks
    double y_tick_width = 0;         // width of the widest y tick label
    std::vector<std::string> colors;  // one per series: its own or the palette's
    std::vector<LegendEntry> legend;
    Rect legend_box;  // empty when there is no legend
    // Page position of a data value (NaN when not shown on that axis).
    double px(double value) const;
    double py(double value) const;
    // The same for an end of an error bar or band: a value a log axis cannot show (<= 0, an
    // interval reaching below zero) lies just beyond the axis's low end, where the clip cuts it.
    double pxEnd(double value) const;
    double pyEnd(double value) const;
};

// Font sizes in points, shared by the layout and the drawing.
inline constexpr double kTitleSize = 14, kAxisLabelSize = 11, kTickSize = 9, kLegendSize = 10,
                        kNoteSize = 8;

FigureLayout layoutFigure(const Figure& figure);

// `color` when it is "#rrggbb", else `fallback` (colours reach SVG attributes and PDF operators
// only through this check).
std::string validColor(const std::string& color, const std::string& fallback);

}  // namespace rgpb::figure
