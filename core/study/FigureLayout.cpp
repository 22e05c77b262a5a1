#include "core/study/FigureLayout.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/study/FigureText.h"

namespace rgpb::figure {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
// Tableau 10: distinct on screen and in print.
constexpr const char* kPalette[10] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                                      "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};

bool isHexColor(const std::string& c) {
    if (c.size() != 7 || c[0] != '#')
        return false;
    return std::all_of(c.begin() + 1, c.end(), [](char ch) {
        return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f') || (ch >= 'A' && ch <= 'F');
    });
}

// Whether `v` can stand on an axis drawn with `log10`.
bool usable(double v, bool log10) {
    return std::isfinite(v) && (!log10 || v > 0);
}

bool sized(const std::vector<double>& v, const FigureSeries& s) {
    return v.size() == s.x.size();
}

// The values a figure draws on each axis: its drawable points with their error bars and bands,
// and the reference lines.
struct AxisValues {
    std::vector<double> x, y;
    bool has_data = false, bars = false;
};

AxisValues collectValues(const Figure& f) {
    AxisValues out;
    bool xlog = f.x.log10 && f.x.categories.empty(), ylog = f.y.log10 && f.y.categories.empty();
    for (const FigureSeries& s : f.series) {
        std::size_t n = std::min(s.x.size(), s.y.size());
        out.bars = out.bars || (s.style == FigureSeries::Style::Bars && n > 0);
        for (std::size_t i = 0; i < n; ++i) {
            if (!usable(s.x[i], xlog) || !usable(s.y[i], ylog))
                continue;
            out.has_data = true;
            out.x.push_back(s.x[i]);
            out.y.push_back(s.y[i]);
            for (const auto* v : {&s.x_lo, &s.x_hi})
                if (sized(*v, s) && s.style == FigureSeries::Style::Points)
                    out.x.push_back((*v)[i]);
            for (const auto* v : {&s.y_lo, &s.y_hi})
                if (sized(*v, s))
                    out.y.push_back((*v)[i]);
        }
    }
    for (const FigureReferenceLine& r : f.references)
        (r.horizontal ? out.y : out.x).push_back(r.value);
    return out;
}

// The fitted [lo, hi] of `v` (not empty, all usable) with the margin fitScale describes.
void fitRange(std::vector<double> v, bool log10, bool include_zero, double& lo, double& hi) {
    auto [mn, mx] = std::minmax_element(v.begin(), v.end());
    double a = *mn, b = *mx;
    if (log10) {
        double la = std::log10(a), lb = std::log10(b);
        double pad = lb - la < 1e-12 ? 0.5 : 0.05 * (lb - la);
        lo = std::pow(10.0, la - pad);
        hi = std::pow(10.0, lb + pad);
        return;
    }
    if (include_zero) {
        a = std::min(a, 0.0);
        b = std::max(b, 0.0);
    }
    double span = b - a;
    double pad = span <= 1e-12 * std::max(1.0, std::abs(a)) ? (a == 0 ? 1.0 : 0.1 * std::abs(a))
                                                            : 0.05 * span;
    // Bars grow from zero: no margin on the zero side.
    lo = include_zero && a == 0 ? 0.0 : a - pad;
    hi = include_zero && b == 0 ? 0.0 : b + pad;
}

std::vector<std::string> linearLabels(const std::vector<double>& ticks) {
    double step = ticks.size() >= 2 ? ticks[1] - ticks[0] : 1.0;
    std::vector<std::string> out;
    for (double t : ticks)
        out.push_back(tickLabel(t, step));
    return out;
}

double maxWidth(const std::vector<std::string>& texts, double size) {
    double w = 0;
    for (const std::string& t : texts)
        w = std::max(w, helveticaWidth(t, size));
    return w;
}

}  // namespace

namespace {
// niceStep as m * 10^e with m in {1, 2, 5} (10 is 1 * 10^(e+1)).
void niceStepParts(double lo, double hi, int target, double& m, int& e) {
    double range = hi - lo;
    m = 1;
    e = 0;
    if (!(range > 0) || !std::isfinite(range))
        return;
    double rough = range / std::max(1, target);
    e = static_cast<int>(std::floor(std::log10(rough)));
    double f = rough / std::pow(10.0, e);
    m = f <= 1 + 1e-9 ? 1 : f <= 2 + 1e-9 ? 2 : f <= 5 + 1e-9 ? 5 : 10;
    if (m == 10) {
        m = 1;
        ++e;
    }
}

// k * m * 10^e, correctly rounded: dividing by an exact power of ten instead of multiplying by
// an inexact 0.1 keeps 3 * 0.2 at 0.6 (not 0.6000000000000001).
double scaled(double km, int e) {
    return e >= 0 ? km * std::pow(10.0, e) : km / std::pow(10.0, -e);
}
}  // namespace

double niceStep(double lo, double hi, int target) {
    double m = 1;
    int e = 0;
    niceStepParts(lo, hi, target, m, e);
    return scaled(m, e);
}

std::vector<double> niceTicks(double lo, double hi, int target) {
    std::vector<double> out;
    if (!(hi > lo) || !std::isfinite(hi - lo))
        return out;
    double m = 1;
    int e = 0;
    niceStepParts(lo, hi, target, m, e);
    double step = scaled(m, e);
    double k0 = std::ceil(lo / step - 1e-9), k1 = std::floor(hi / step + 1e-9);
    for (double k = k0; k <= k1 && out.size() < 1000; ++k)
        out.push_back(k == 0 ? 0.0 : scaled(k * m, e));
    return out;
}

std::vector<double> logTicks(double lo, double hi) {
    std::vector<double> out;
    if (!(lo > 0) || !(hi > lo))
        return out;
    double a = std::log10(lo), b = std::log10(hi);
    double k0 = std::ceil(a - 1e-9), k1 = std::floor(b + 1e-9);
    // Three or more decades: the decades are enough (every k-th when there are many).
    if (k1 - k0 >= 2) {
        double every = std::max(1.0, niceStep(k0, k1, 6));
        for (double k = std::ceil(k0 / every) * every; k <= k1 + 1e-9; k += every)
            out.push_back(scaled(1, static_cast<int>(k)));
        return out;
    }
    // Up to two decades (a beta grid 0.05 .. 5): the 1-2-5 multiples.
    for (double k = std::floor(a) - 1; k <= std::ceil(b); ++k)
        for (double m : {1.0, 2.0, 5.0}) {
            double v = scaled(m, static_cast<int>(k));
            if (v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9))
                out.push_back(v);
        }
    return out.size() >= 2 ? out : niceTicks(lo, hi, 4);
}

std::string tickLabel(double value, double step) {
    if (value == 0 || !std::isfinite(value))
        return formatFixed(value, 0);
    step = std::abs(step) > 0 && std::isfinite(step) ? std::abs(step) : std::abs(value);
    int step_exp = static_cast<int>(std::floor(std::log10(step) + 1e-9));
    int value_exp = static_cast<int>(std::floor(std::log10(std::abs(value)) + 1e-9));
    if (std::abs(value) >= 1e6 || step < 1e-4)
        return formatGeneral(value, std::clamp(value_exp - step_exp + 1, 1, 15));
    return formatFixed(value, std::max(0, -step_exp));
}

double AxisScale::unit(double value) const {
    if (!usable(value, log10))
        return kNaN;
    if (log10)
        return (std::log10(value) - std::log10(lo)) / (std::log10(hi) - std::log10(lo));
    return (value - lo) / (hi - lo);
}

AxisScale fitScale(const FigureAxis& axis, const std::vector<double>& values, bool include_zero,
                   int target) {
    AxisScale s;
    if (!axis.categories.empty()) {
        double n = static_cast<double>(axis.categories.size());
        s.lo = axis.lo < axis.hi ? axis.lo : -0.5;
        s.hi = axis.lo < axis.hi ? axis.hi : n - 0.5;
        for (std::size_t i = 0; i < axis.categories.size(); ++i) {
            s.ticks.push_back(static_cast<double>(i));
            s.labels.push_back(axis.categories[i]);
        }
        return s;
    }
    s.log10 = axis.log10;
    std::vector<double> v;
    for (double x : values)
        if (usable(x, s.log10))
            v.push_back(x);
    if (axis.lo < axis.hi && std::isfinite(axis.lo) && std::isfinite(axis.hi) &&
        (!s.log10 || axis.lo > 0)) {
        s.lo = axis.lo;
        s.hi = axis.hi;
    } else if (v.empty()) {
        s.lo = s.log10 ? 1.0 : 0.0;
        s.hi = s.log10 ? 10.0 : 1.0;
    } else {
        fitRange(v, s.log10, include_zero && !s.log10, s.lo, s.hi);
    }
    s.ticks = s.log10 ? logTicks(s.lo, s.hi) : niceTicks(s.lo, s.hi, target);
    if (s.log10)
        for (double t : s.ticks)
            s.labels.push_back(formatGeneral(t, 6));
    else
        s.labels = linearLabels(s.ticks);
    return s;
}

std::string validColor(const std::string& color, const std::string& fallback) {
    return isHexColor(color) ? color : fallback;
}

double FigureLayout::px(double value) const {
    return plot.x + x.unit(value) * plot.w;
}
double FigureLayout::py(double value) const {
    return plot.y + (1 - y.unit(value)) * plot.h;
}
double FigureLayout::pxEnd(double value) const {
    return x.log10 && value <= 0 ? plot.x - 2 : px(value);
}
double FigureLayout::pyEnd(double value) const {
    return y.log10 && value <= 0 ? plot.y + plot.h + 2 : py(value);
}

FigureLayout layoutFigure(const Figure& f) {
    FigureLayout L;
    // A page size that is not a positive finite number falls back to the defaults.
    L.width = f.width > 0 && std::isfinite(f.width) ? f.width : 640;
    L.height = f.height > 0 && std::isfinite(f.height) ? f.height : 420;
    for (std::size_t i = 0; i < f.series.size(); ++i) {
        const FigureSeries& s = f.series[i];
        L.colors.push_back(validColor(s.color, kPalette[i % 10]));
        if (!s.name.empty())
            L.legend.push_back({s.name, L.colors.back(), s.style,
                                sized(s.y_lo, s) && sized(s.y_hi, s) && !s.x.empty()});
    }
    AxisValues values = collectValues(f);
    L.has_data = values.has_data;
    L.x = fitScale(f.x, values.x, false, 6);
    L.y = fitScale(f.y, values.y, values.bars, 5);

    double legend_w = 0;
    if (!L.legend.empty()) {
        std::vector<std::string> names;
        for (const LegendEntry& e : L.legend)
            names.push_back(e.text);
        // 10% slack: an SVG viewer without Helvetica or Arial sets wider glyphs.
        legend_w = 40 + 1.1 * maxWidth(names, kLegendSize);
    }
    L.y_tick_width = maxWidth(L.y.labels, kTickSize);
    double last_x_label = L.x.labels.empty() ? 0 : helveticaWidth(L.x.labels.back(), kTickSize);
    double top = 12 + (f.title.empty() ? 0 : kTitleSize + 8) + kTickSize / 2;
    double left = 10 + (f.y.label.empty() ? 0 : kAxisLabelSize + 8) + L.y_tick_width + 7;
    double right = 12 + std::max(last_x_label / 2, legend_w > 0 ? legend_w + 14 : 0.0);
    L.plot.x = left;
    L.plot.y = top;
    L.plot.w = std::max(40.0, L.width - left - right);
    // Category names that would not fit side by side are set bottom to top.
    double side_by_side = 0;
    for (const std::string& label : L.x.labels)
        side_by_side += helveticaWidth(label, kTickSize) + 6;
    L.x_labels_vertical = !f.x.categories.empty() && side_by_side > L.plot.w;
    L.x_tick_extent = L.x_labels_vertical ? maxWidth(L.x.labels, kTickSize) : kTickSize;
    double bottom = 7 + L.x_tick_extent + (f.x.label.empty() ? 0 : 8 + kAxisLabelSize) + 10;
    L.plot.h = std::max(40.0, L.height - top - bottom);
    if (legend_w > 0)
        L.legend_box = {L.plot.x + L.plot.w + 14, L.plot.y, legend_w,
                        8 + 16.0 * static_cast<double>(L.legend.size())};
    return L;
}

}  // namespace rgpb::figure
