#include "widgets/CurvePlot.h"

#include "widgets/PlotExport.h"

#include <qcustomplot.h>

#include <QFile>
#include <QLabel>
#include <QTextStream>
#include <QVBoxLayout>
#include <cmath>
#include <limits>

namespace rgpb::widgets {

QVector<double> debiasedEma(const QVector<double>& values, double alpha) {
    QVector<double> out(values.size());
    double s = 0.0, weight = 1.0;
    for (int i = 0; i < values.size(); ++i) {
        if (alpha <= 0.0) {
            out[i] = values[i];
            continue;
        }
        // A non-finite point (a skipped NaN step) must not poison the rest of the curve: it
        // carries the previous smoothed value forward.
        if (std::isfinite(values[i])) {
            s = alpha * s + (1.0 - alpha) * values[i];
            weight *= alpha;
        }
        out[i] = weight < 1.0 ? s / (1.0 - weight) : values[i];
    }
    return out;
}

namespace {
const QColor kPalette[] = {QColor(31, 119, 180),  QColor(214, 39, 40),   QColor(44, 160, 44),
                           QColor(255, 127, 14),  QColor(148, 103, 189), QColor(140, 86, 75),
                           QColor(227, 119, 194), QColor(127, 127, 127), QColor(188, 189, 34),
                           QColor(23, 190, 207)};
}

CurvePlot::CurvePlot(const QString& title, QWidget* parent)
    : QWidget(parent), plot_(new QCustomPlot(this)), readout_(new QLabel(this)) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(2);
    layout->addWidget(plot_, 1);
    layout->addWidget(readout_);
    readout_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    readout_->setMinimumHeight(readout_->fontMetrics().height() + 2);

    plot_->plotLayout()->insertRow(0);
    auto* heading = new QCPTextElement(plot_, title,
                                       QFont(font().family(), font().pointSize() + 1, QFont::Bold));
    plot_->plotLayout()->addElement(0, 0, heading);
    plot_->xAxis->setLabel("step");
    plot_->legend->setVisible(false);
    plot_->legend->setFont(QFont(font().family(), font().pointSize() - 1));
    plot_->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignTop | Qt::AlignRight);
    plot_->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
    plot_->setNoAntialiasingOnDrag(true);
    // Long curves: antialiased polylines cost ~2x the replot time on a software rasteriser.
    plot_->setNotAntialiasedElements(QCP::aePlottables);
    plot_->setPlottingHint(QCP::phFastPolylines, true);
    connect(plot_, &QCustomPlot::mouseMove, this, &CurvePlot::onMouseMove);
    // A user who drags or zooms takes over the ranges; a double-click gives them back.
    connect(plot_, &QCustomPlot::mousePress, this, [this] { rescale_ = false; });
    connect(plot_, &QCustomPlot::mouseWheel, this, [this] { rescale_ = false; });
    connect(plot_, &QCustomPlot::mouseDoubleClick, this, [this] {
        rescale_ = true;
        dirty_ = true;
        flush();
    });
    timer_.setInterval(33);
    connect(&timer_, &QTimer::timeout, this, &CurvePlot::flush);
    timer_.start();
}

double CurvePlot::xOf(const CurvePoint& p) const {
    switch (x_axis_) {
        case XAxis::Step:
            return p.step;
        case XAxis::Tokens:
            return p.tokens;
        case XAxis::WallTime:
            return p.seconds;
    }
    return p.step;
}

void CurvePlot::appendPoints(const QString& run, const QString& label,
                             const QVector<CurvePoint>& points) {
    auto it = series_.find(run);
    if (it == series_.end()) {
        Series s;
        s.label = label;
        s.color = kPalette[order_.size() % (sizeof(kPalette) / sizeof(kPalette[0]))];
        s.raw = plot_->addGraph();
        s.smooth = plot_->addGraph();
        QColor faint = s.color;
        faint.setAlpha(alpha_ > 0 ? 70 : 255);
        s.raw->setPen(QPen(faint, 1));
        s.raw->removeFromLegend();
        s.smooth->setPen(QPen(s.color, 2));
        s.smooth->setName(label);
        s.smooth->setVisible(alpha_ > 0);
        s.raw->setAdaptiveSampling(true);
        s.smooth->setAdaptiveSampling(true);
        it = series_.insert(run, s);
        order_.append(run);
        plot_->legend->setVisible(order_.size() > 1);
    }
    it->points += points;
    dirty_ = true;
}

void CurvePlot::rebuild(Series& s) {
    s.raw->data()->clear();
    s.smooth->data()->clear();
    s.ema = 0.0;
    s.ema_weight = 1.0;
    s.has_range = false;
    s.drawn = 0;
    extend(s, 0);
}

// Hands points [from, end) to the graphs, continuing the smoothing state and the ranges, so a
// batch costs O(batch) however long the curve already is.
void CurvePlot::extend(Series& s, int from) {
    const int n = s.points.size() - from;
    if (n <= 0)
        return;
    QVector<double> xs(n), ys(n), sm(n);
    for (int i = 0; i < n; ++i) {
        const CurvePoint& p = s.points[from + i];
        xs[i] = xOf(p);
        ys[i] = p.value;
        if (alpha_ > 0) {
            if (std::isfinite(p.value)) {  // same rule as debiasedEma()
                s.ema = alpha_ * s.ema + (1.0 - alpha_) * p.value;
                s.ema_weight *= alpha_;
            }
            sm[i] = s.ema_weight < 1.0 ? s.ema / (1.0 - s.ema_weight) : p.value;
        }
        if (!std::isfinite(p.value) || (log_scale_ && p.value <= 0))
            continue;
        if (!s.has_range) {
            s.xmin = s.xmax = xs[i];
            s.ymin = s.ymax = p.value;
            s.has_range = true;
        }
        s.xmin = std::min(s.xmin, xs[i]);
        s.xmax = std::max(s.xmax, xs[i]);
        s.ymin = std::min(s.ymin, p.value);
        s.ymax = std::max(s.ymax, p.value);
    }
    s.raw->addData(xs, ys, true);
    if (alpha_ > 0)
        s.smooth->addData(xs, sm, true);
    s.drawn = s.points.size();
}

void CurvePlot::flush() {
    if (!dirty_)
        return;
    dirty_ = false;
    double xmin = std::numeric_limits<double>::infinity(), xmax = -xmin, ymin = xmin, ymax = -xmin;
    for (Series& s : series_) {
        if (s.drawn == 0) {
            rebuild(s);
        } else {
            extend(s, s.drawn);
        }
        if (!s.has_range)
            continue;
        xmin = std::min(xmin, s.xmin);
        xmax = std::max(xmax, s.xmax);
        ymin = std::min(ymin, s.ymin);
        ymax = std::max(ymax, s.ymax);
    }
    if (rescale_ && std::isfinite(xmin)) {
        if (xmax == xmin)
            xmax = xmin + 1;
        plot_->xAxis->setRange(xmin, xmax);
        if (log_scale_) {
            plot_->yAxis->setRange(ymin / 1.2, ymax * 1.2);
        } else {
            double pad = ymax > ymin ? 0.05 * (ymax - ymin) : std::max(1e-6, std::abs(ymin) * 0.1);
            plot_->yAxis->setRange(ymin - pad, ymax + pad);
        }
    }
    plot_->replot(QCustomPlot::rpQueuedReplot);
}

void CurvePlot::removeRun(const QString& run) {
    auto it = series_.find(run);
    if (it == series_.end())
        return;
    plot_->removeGraph(it->raw);
    plot_->removeGraph(it->smooth);
    series_.erase(it);
    order_.removeAll(run);
    dirty_ = true;
}

void CurvePlot::clear() {
    for (const QString& r : QStringList(order_))
        removeRun(r);
    plot_->replot(QCustomPlot::rpQueuedReplot);
}

QStringList CurvePlot::runs() const {
    return order_;
}

int CurvePlot::pointCount(const QString& run) const {
    auto it = series_.find(run);
    return it == series_.end() ? 0 : it->points.size();
}

QVector<double> CurvePlot::smoothedValues(const QString& run) const {
    auto it = series_.find(run);
    if (it == series_.end())
        return {};
    QVector<double> ys;
    for (const CurvePoint& p : it->points)
        ys.append(p.value);
    return debiasedEma(ys, alpha_);
}

void CurvePlot::setLogScale(bool on) {
    log_scale_ = on;
    for (Series& s : series_)
        s.drawn = 0;
    plot_->yAxis->setScaleType(on ? QCPAxis::stLogarithmic : QCPAxis::stLinear);
    if (on) {
        plot_->yAxis->setTicker(QSharedPointer<QCPAxisTickerLog>(new QCPAxisTickerLog));
    } else {
        plot_->yAxis->setTicker(QSharedPointer<QCPAxisTicker>(new QCPAxisTicker));
    }
    rescale_ = true;
    dirty_ = true;
}

void CurvePlot::setSmoothing(double alpha) {
    alpha_ = std::clamp(alpha, 0.0, 0.999);
    for (Series& s : series_) {
        QColor faint = s.color;
        faint.setAlpha(alpha_ > 0 ? 70 : 255);
        s.raw->setPen(QPen(faint, 1));
        s.smooth->setVisible(alpha_ > 0);
        s.drawn = 0;
    }
    dirty_ = true;
}

void CurvePlot::setXAxis(XAxis axis) {
    x_axis_ = axis;
    plot_->xAxis->setLabel(axis == XAxis::Step     ? "step"
                           : axis == XAxis::Tokens ? "tokens"
                                                   : "seconds");
    for (Series& s : series_)
        s.drawn = 0;
    rescale_ = true;
    dirty_ = true;
}

bool CurvePlot::exportPng(const QString& path, int width, int height) {
    flush();
    return exportPlotPng(plot_, path, width, height);
}

bool CurvePlot::exportCsv(const QString& path) const {
    CsvTable t;
    t.columns = {"run", "label", "step", "tokens", "seconds", "value", "smoothed"};
    for (const QString& run : order_) {
        const Series& s = series_[run];
        QVector<double> sm = smoothedValues(run);
        for (int i = 0; i < s.points.size(); ++i) {
            const CurvePoint& p = s.points[i];
            t.rows.push_back({run, s.label, QString::number(p.step), QString::number(p.tokens),
                              QString::number(p.seconds), QString::number(p.value, 'g', 10),
                              QString::number(sm[i], 'g', 10)});
        }
    }
    return writeCsv(path, t);
}

QString CurvePlot::readoutAt(double x) const {
    QString best;
    double best_dx = std::numeric_limits<double>::infinity();
    for (const QString& run : order_) {
        const Series& s = series_[run];
        QVector<double> sm = smoothedValues(run);
        for (int i = 0; i < s.points.size(); ++i) {
            double dx = std::abs(xOf(s.points[i]) - x);
            if (dx < best_dx) {
                best_dx = dx;
                best = QString("%1  %2 %3: %4")
                           .arg(s.label, plot_->xAxis->label())
                           .arg(xOf(s.points[i]))
                           .arg(QString::number(s.points[i].value, 'g', 6));
                if (alpha_ > 0)
                    best += QString(" (smoothed %1)").arg(QString::number(sm[i], 'g', 6));
            }
        }
    }
    return best;
}

void CurvePlot::onMouseMove(QMouseEvent* event) {
    if (series_.isEmpty())
        return;
    double x = plot_->xAxis->pixelToCoord(event->pos().x());
    readout_->setText(readoutAt(x));
}

}  // namespace rgpb::widgets
