// The figure drawn once, through the Canvas interface, from its layout: both renderers call
// drawFigure with their own backend.
#include "core/study/Figure.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>

#include "core/study/FigureCanvas.h"
#include "core/study/FigureLayout.h"
#include "core/study/FigureText.h"

namespace rgpb {
namespace {

using figure::Anchor;
using figure::Canvas;
using figure::FigureLayout;
using figure::Point;
using figure::Rect;
using figure::Stroke;
using figure::TextStyle;
using Style = FigureSeries::Style;

constexpr double kTick = 4, kBandOpacity = 0.2, kMarker = 3.5, kCap = 3;
const char* const kInk = "#333333";

bool sameSize(const std::vector<double>& v, const FigureSeries& s) {
    return v.size() == s.x.size();
}
bool inside(double unit) {
    return unit >= -1e-9 && unit <= 1 + 1e-9;
}

void drawAxes(const Figure& f, const FigureLayout& L, Canvas& c) {
    const Rect& p = L.plot;
    Stroke grid{"#e5e5e5", 0.6}, ink{kInk, 0.8};
    for (std::size_t i = 0; i < L.x.ticks.size(); ++i) {
        double x = L.px(L.x.ticks[i]);
        if (!inside(L.x.unit(L.x.ticks[i])))
            continue;
        c.polyline({{x, p.y}, {x, p.y + p.h}}, grid);
        c.polyline({{x, p.y + p.h}, {x, p.y + p.h + kTick}}, ink);
        if (L.x_labels_vertical)
            c.text({x + 0.35 * figure::kTickSize, p.y + p.h + kTick + 3}, L.x.labels[i],
                   {figure::kTickSize, Anchor::End, kInk, true});
        else
            c.text({x, p.y + p.h + kTick + 3 + 0.75 * figure::kTickSize}, L.x.labels[i],
                   {figure::kTickSize, Anchor::Middle, kInk});
    }
    for (std::size_t i = 0; i < L.y.ticks.size(); ++i) {
        double y = L.py(L.y.ticks[i]);
        if (!inside(L.y.unit(L.y.ticks[i])))
            continue;
        c.polyline({{p.x, y}, {p.x + p.w, y}}, grid);
        c.polyline({{p.x - kTick, y}, {p.x, y}}, ink);
        c.text({p.x - kTick - 3, y + 0.35 * figure::kTickSize}, L.y.labels[i],
               {figure::kTickSize, Anchor::End, kInk});
    }
    c.rect(p, "", 1, &ink);
    if (!f.x.label.empty())
        c.text({p.x + p.w / 2,
                p.y + p.h + kTick + 3 + L.x_tick_extent + 6 + 0.75 * figure::kAxisLabelSize},
               f.x.label, {figure::kAxisLabelSize, Anchor::Middle, kInk});
    if (!f.y.label.empty())
        c.text(
            {p.x - kTick - 3 - L.y_tick_width - 6 - 0.25 * figure::kAxisLabelSize, p.y + p.h / 2},
            f.y.label, {figure::kAxisLabelSize, Anchor::Middle, kInk, true});
    if (!f.title.empty())
        c.text({p.x + p.w / 2, 12 + 0.75 * figure::kTitleSize}, f.title,
               {figure::kTitleSize, Anchor::Middle, "#111111"});
}

// The runs of consecutive indices where `ok(i)` holds.
template <typename Ok>
std::vector<std::vector<std::size_t>> runsWhere(std::size_t n, Ok ok) {
    std::vector<std::vector<std::size_t>> out(1);
    for (std::size_t i = 0; i < n; ++i) {
        if (ok(i))
            out.back().push_back(i);
        else if (!out.back().empty())
            out.emplace_back();
    }
    if (out.back().empty())
        out.pop_back();
    return out;
}

void drawBand(const FigureSeries& s, const std::string& color, const FigureLayout& L, Canvas& c) {
    if (!sameSize(s.y_lo, s) || !sameSize(s.y_hi, s))
        return;
    auto ok = [&](std::size_t i) {
        return std::isfinite(L.px(s.x[i])) && std::isfinite(L.pyEnd(s.y_lo[i])) &&
               std::isfinite(L.pyEnd(s.y_hi[i]));
    };
    for (const auto& run : runsWhere(std::min(s.x.size(), s.y.size()), ok)) {
        std::vector<Point> shape;
        for (std::size_t i : run)
            shape.push_back({L.px(s.x[i]), L.pyEnd(s.y_hi[i])});
        for (auto it = run.rbegin(); it != run.rend(); ++it)
            shape.push_back({L.px(s.x[*it]), L.pyEnd(s.y_lo[*it])});
        c.polygon(shape, color, kBandOpacity);
    }
}

void drawLine(const FigureSeries& s, const std::string& color, const FigureLayout& L, Canvas& c) {
    auto ok = [&](std::size_t i) {
        return std::isfinite(L.px(s.x[i])) && std::isfinite(L.py(s.y[i]));
    };
    for (const auto& run : runsWhere(std::min(s.x.size(), s.y.size()), ok)) {
        std::vector<Point> line;
        for (std::size_t i : run)
            line.push_back({L.px(s.x[i]), L.py(s.y[i])});
        if (line.size() == 1)  // a lone point of a line still shows
            c.circle(line[0], 2, color, {color, 0.5});
        c.polyline(line, {color, 1.6});
    }
}

// An error bar from `a` to `b` with a cap at each end the axis shows (an end off a log axis's
// low edge has none: the interval goes on beyond it).
void errorBar(Canvas& c, Point a, Point b, bool vertical, const std::string& color, bool cap_a,
              bool cap_b) {
    if (!std::isfinite(a.x + a.y + b.x + b.y))
        return;
    Stroke s{color, 1.0};
    c.polyline({a, b}, s);
    for (auto [e, cap] : {std::pair{a, cap_a}, std::pair{b, cap_b}})
        if (cap)
            c.polyline(vertical ? std::vector<Point>{{e.x - kCap, e.y}, {e.x + kCap, e.y}}
                                : std::vector<Point>{{e.x, e.y - kCap}, {e.x, e.y + kCap}},
                       s);
}

// The vertical error bar of value index i at page x `x`.
void yErrorBar(Canvas& c, const FigureSeries& s, std::size_t i, double x, const FigureLayout& L,
               const std::string& color) {
    errorBar(c, {x, L.pyEnd(s.y_lo[i])}, {x, L.pyEnd(s.y_hi[i])}, true, color,
             std::isfinite(L.py(s.y_lo[i])), std::isfinite(L.py(s.y_hi[i])));
}

void drawPoints(const FigureSeries& s, const std::string& color, const FigureLayout& L, Canvas& c) {
    std::size_t n = std::min(s.x.size(), s.y.size());
    bool xerr = sameSize(s.x_lo, s) && sameSize(s.x_hi, s);
    bool yerr = sameSize(s.y_lo, s) && sameSize(s.y_hi, s);
    for (std::size_t i = 0; i < n; ++i) {
        Point p{L.px(s.x[i]), L.py(s.y[i])};
        if (!std::isfinite(p.x) || !std::isfinite(p.y))
            continue;
        if (xerr)
            errorBar(c, {L.pxEnd(s.x_lo[i]), p.y}, {L.pxEnd(s.x_hi[i]), p.y}, false, color,
                     std::isfinite(L.px(s.x_lo[i])), std::isfinite(L.px(s.x_hi[i])));
        if (yerr)
            yErrorBar(c, s, i, p.x, L, color);
        c.circle(p, kMarker, color, {"#ffffff", 0.8});
    }
}

// Bars of every Bars series side by side around their x: the slot is 80% of the smallest gap
// between distinct bar positions, shared by the bar series.
void drawBars(const Figure& f, const FigureLayout& L, Canvas& c) {
    std::vector<double> xs;
    std::vector<std::size_t> bar_series;
    for (std::size_t k = 0; k < f.series.size(); ++k) {
        if (f.series[k].style != Style::Bars)
            continue;
        bar_series.push_back(k);
        for (double x : f.series[k].x)
            if (std::isfinite(L.px(x)))
                xs.push_back(L.px(x));
    }
    if (xs.empty())
        return;
    std::sort(xs.begin(), xs.end());
    double gap = L.plot.w / static_cast<double>(xs.size() + 1);
    for (std::size_t i = 1; i < xs.size(); ++i)
        if (xs[i] - xs[i - 1] > 0.5)
            gap = std::min(gap, xs[i] - xs[i - 1]);
    double slot = 0.8 * gap, width = slot / static_cast<double>(bar_series.size());
    double base_unit = L.y.log10 ? 0 : std::clamp(L.y.unit(0.0), 0.0, 1.0);
    double base = L.plot.y + (1 - base_unit) * L.plot.h;
    for (std::size_t j = 0; j < bar_series.size(); ++j) {
        const FigureSeries& s = f.series[bar_series[j]];
        const std::string& color = L.colors[bar_series[j]];
        bool yerr = sameSize(s.y_lo, s) && sameSize(s.y_hi, s);
        for (std::size_t i = 0; i < std::min(s.x.size(), s.y.size()); ++i) {
            double x = L.px(s.x[i]), y = L.py(s.y[i]);
            if (!std::isfinite(x) || !std::isfinite(y))
                continue;
            double left = x - slot / 2 + width * static_cast<double>(j);
            c.rect({left, std::min(y, base), width, std::abs(base - y)}, color, 0.85, nullptr);
            if (yerr)
                yErrorBar(c, s, i, left + width / 2, L, kInk);
        }
    }
}

void drawReferences(const Figure& f, const FigureLayout& L, Canvas& c) {
    const Rect& p = L.plot;
    for (const FigureReferenceLine& r : f.references) {
        std::string color = figure::validColor(r.color, "#777777");
        double u = r.horizontal ? L.y.unit(r.value) : L.x.unit(r.value);
        if (!inside(u))
            continue;
        TextStyle label{figure::kNoteSize, r.horizontal ? Anchor::End : Anchor::Start, color};
        if (r.horizontal) {
            double y = L.py(r.value);
            c.polyline({{p.x, y}, {p.x + p.w, y}}, {color, 1.2, true});
            c.text({p.x + p.w - 4, y - 4}, r.label, label);
        } else {
            double x = L.px(r.value);
            c.polyline({{x, p.y}, {x, p.y + p.h}}, {color, 1.2, true});
            c.text({x + 4, p.y + 12}, r.label, label);
        }
    }
}

void drawPointLabels(const FigureSeries& s, const FigureLayout& L, Canvas& c) {
    for (std::size_t i = 0; i < std::min({s.x.size(), s.y.size(), s.point_labels.size()}); ++i)
        if (inside(L.x.unit(s.x[i])) && inside(L.y.unit(s.y[i])) && !s.point_labels[i].empty())
            c.text({L.px(s.x[i]) + 5, L.py(s.y[i]) - 5}, s.point_labels[i],
                   {figure::kNoteSize, Anchor::Start, kInk});
}

void drawLegend(const FigureLayout& L, Canvas& c) {
    if (L.legend.empty())
        return;
    const Rect& b = L.legend_box;
    Stroke frame{"#cccccc", 0.6};
    c.rect(b, "#ffffff", 1, &frame);
    for (std::size_t i = 0; i < L.legend.size(); ++i) {
        const figure::LegendEntry& e = L.legend[i];
        double cy = b.y + 12 + 16.0 * static_cast<double>(i), x0 = b.x + 8, x1 = b.x + 26;
        if (e.style == Style::Line) {
            if (e.band)
                c.rect({x0, cy - 5, x1 - x0, 10}, e.color, kBandOpacity, nullptr);
            c.polyline({{x0, cy}, {x1, cy}}, {e.color, 1.6});
        } else if (e.style == Style::Bars) {
            c.rect({x0 + 4, cy - 5, 10, 10}, e.color, 0.85, nullptr);
        } else {
            c.circle({(x0 + x1) / 2, cy}, kMarker, e.color, {"#ffffff", 0.8});
        }
        c.text({b.x + 32, cy + 0.35 * figure::kLegendSize}, e.text,
               {figure::kLegendSize, Anchor::Start, kInk});
    }
}

void drawFigure(const Figure& f, const FigureLayout& L, Canvas& c) {
    c.rect({0, 0, L.width, L.height}, "#ffffff", 1, nullptr);
    drawAxes(f, L, c);
    c.beginClip(L.plot);
    for (std::size_t k = 0; k < f.series.size(); ++k)
        if (f.series[k].style == Style::Line)
            drawBand(f.series[k], L.colors[k], L, c);
    drawBars(f, L, c);
    drawReferences(f, L, c);
    for (std::size_t k = 0; k < f.series.size(); ++k) {
        if (f.series[k].style == Style::Line)
            drawLine(f.series[k], L.colors[k], L, c);
        else if (f.series[k].style == Style::Points)
            drawPoints(f.series[k], L.colors[k], L, c);
    }
    c.endClip();
    for (const FigureSeries& s : f.series)
        drawPointLabels(s, L, c);
    drawLegend(L, c);
    if (!L.has_data)
        c.text({L.plot.x + L.plot.w / 2, L.plot.y + L.plot.h / 2}, "no data",
               {figure::kAxisLabelSize, Anchor::Middle, "#999999"});
}

// FNV-1a over what distinguishes figures, for SVG ids unique within one HTML page.
std::string figureId(const Figure& f) {
    uint64_t h = 1469598103934665603ull;
    auto mix = [&h](const void* data, std::size_t n) {
        for (std::size_t i = 0; i < n; ++i) {
            h ^= static_cast<const unsigned char*>(data)[i];
            h *= 1099511628211ull;
        }
    };
    auto text = [&](const std::string& s) { mix(s.data(), s.size() + 1); };
    text(f.title);
    text(f.x.label);
    text(f.y.label);
    for (const FigureSeries& s : f.series) {
        text(s.name);
        mix(s.x.data(), s.x.size() * sizeof(double));
        mix(s.y.data(), s.y.size() * sizeof(double));
    }
    mix(&f.width, sizeof f.width);
    mix(&f.height, sizeof f.height);
    char buf[32];
    std::snprintf(buf, sizeof buf, "fig%016llx", static_cast<unsigned long long>(h));
    return buf;
}

}  // namespace

std::string renderSvg(const Figure& figure) {
    FigureLayout layout = figure::layoutFigure(figure);
    figure::SvgCanvas canvas(layout.width, layout.height, figureId(figure));
    drawFigure(figure, layout, canvas);
    return canvas.finish();
}

std::string renderPdf(const Figure& figure) {
    FigureLayout layout = figure::layoutFigure(figure);
    figure::PdfCanvas canvas(layout.width, layout.height);
    drawFigure(figure, layout, canvas);
    return canvas.finish();
}

}  // namespace rgpb
