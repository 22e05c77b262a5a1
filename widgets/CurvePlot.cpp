#include "widgets/CurvePlot.h"

#include "widgets/PlotExport.h"
#include "widgets/RunIdentity.h"

#include <qcustomplot.h>

#include <QEvent>
#include <QFile>
#include <QFontMetrics>
#include <QLabel>
#include <QStackedWidget>
#include <QTextStream>
#include <QVBoxLayout>
#include <cmath>
#include <limits>

namespace rgpb::widgets {

namespace {
class LeaveClears : public QObject {
public:
    LeaveClears(QLabel* label, QObject* parent) : QObject(parent), label_(label) {}
    bool eventFilter(QObject*, QEvent* event) override {
        if (event->type() == QEvent::Leave)
            label_->clear();
        return false;
    }

private:
    QLabel* label_;
};
}  // namespace

void clearReadoutOnLeave(QWidget* plot, QLabel* readout) {
    plot->installEventFilter(new LeaveClears(readout, plot));
}

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
// Alpha of the runs that are not highlighted while one is.
constexpr int kFadedAlpha = 45;
}  // namespace

CurvePlot::CurvePlot(const QString& title, QWidget* parent)
    : QWidget(parent),
      own_identities_(new RunIdentities(this)),
      stack_(new QStackedWidget(this)),
      empty_(new QLabel(this)),
      plot_(new QCustomPlot(this)),
      note_(new QLabel(this)),
      readout_(new QLabel(this)) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(2);
    empty_->setAlignment(Qt::AlignCenter);
    empty_->setWordWrap(true);
    empty_->setText(QString("<b>%1</b><br><br>No points yet.").arg(title.toHtmlEscaped()));
    empty_->setFrameShape(QFrame::StyledPanel);
    stack_->addWidget(empty_);
    stack_->addWidget(plot_);
    layout->addWidget(stack_, 1);
    note_->setWordWrap(true);
    note_->setVisible(false);
    note_->setStyleSheet("color: palette(mid);");
    layout->addWidget(note_);
    layout->addWidget(readout_);
    readout_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    readout_->setMinimumHeight(readout_->fontMetrics().height() + 2);
    title_ = title;
    setIdentities(own_identities_);

    plot_->plotLayout()->insertRow(0);
    heading_ = new QCPTextElement(plot_, title, titleFont());
    plot_->plotLayout()->addElement(0, 0, heading_);
    plot_->xAxis->setLabel("step");
    plot_->addLayer("highlight", plot_->layer("main"), QCustomPlot::limAbove);
    // One legend for every plot lives outside them (RunLegend).
    plot_->legend->setVisible(false);
    plot_->legend->setFont(QFont(font().family(), font().pointSize() - 1));
    plot_->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignTop | Qt::AlignRight);
    plot_->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
    plot_->setNoAntialiasingOnDrag(true);
    // Long curves: antialiased polylines cost ~2x the replot time on a software rasteriser.
    plot_->setNotAntialiasedElements(QCP::aePlottables);
    plot_->setPlottingHint(QCP::phFastPolylines, true);
    connect(plot_, &QCustomPlot::mouseMove, this, &CurvePlot::onMouseMove);
    clearReadoutOnLeave(plot_, readout_);
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
        s.raw = plot_->addGraph();
        s.smooth = plot_->addGraph();
        s.raw->removeFromLegend();
        s.smooth->removeFromLegend();
        s.raw->setAdaptiveSampling(!markers_);
        s.smooth->setAdaptiveSampling(true);
        it = series_.insert(run, s);
        order_.append(run);
        if (!identities_->contains(run) && identities_ == own_identities_)
            identities_->upsert({run, label, {}, 0, {}});
        restyle();
    }
    it->points += points;
    dirty_ = true;
    updateEmptyState();
}

void CurvePlot::setIdentities(RunIdentities* identities) {
    if (identities_)
        disconnect(identities_, nullptr, this, nullptr);
    identities_ = identities ? identities : own_identities_;
    connect(identities_, &RunIdentities::runsChanged, this, &CurvePlot::restyle);
    connect(identities_, &RunIdentities::visibilityChanged, this, &CurvePlot::restyle);
    connect(identities_, &RunIdentities::highlightChanged, this, &CurvePlot::restyle);
    restyle();
}

QString CurvePlot::labelOf(const QString& run) const {
    if (identities_->contains(run))
        return identities_->fullLabelOf(run);
    auto it = series_.find(run);
    return it == series_.end() ? run : it->label;
}

// One colour per run (the registry's); the highlighted run drawn thicker and on top, the others
// faded; hidden runs not drawn.
void CurvePlot::restyle() {
    const QString hot = identities_->highlighted();
    const bool any_hot = !hot.isEmpty() && series_.contains(hot);
    for (auto it = series_.begin(); it != series_.end(); ++it) {
        const bool visible = identities_->isVisible(it.key());
        const bool is_hot = any_hot && it.key() == hot;
        QColor c = identities_->colorOf(it.key());
        if (any_hot && !is_hot)
            c.setAlpha(kFadedAlpha);
        QColor faint = c;
        if (alpha_ > 0)
            faint.setAlpha(std::min(c.alpha(), 70));
        const double width = is_hot ? 3.5 : 2.0;
        it->raw->setPen(QPen(faint, alpha_ > 0 ? 1.0 : width));
        it->smooth->setPen(QPen(c, width));
        it->raw->setScatterStyle(
            markers_ ? QCPScatterStyle(QCPScatterStyle::ssCircle, c, c.lighter(130), is_hot ? 9 : 6)
                     : QCPScatterStyle());
        it->raw->setVisible(visible);
        it->smooth->setVisible(visible && alpha_ > 0);
        it->raw->setName(labelOf(it.key()));
        it->smooth->setName(labelOf(it.key()));
        it->raw->setLayer(is_hot ? "highlight" : "main");  // on top of the others
        it->smooth->setLayer(is_hot ? "highlight" : "main");
    }
    for (Marker& m : markers_list_) {
        const QColor c = identities_->colorOf(m.run);
        m.line->setPen(QPen(c, 1.5, Qt::DashLine));
        m.label->setColor(c.darker(120));
    }
    placeMarkers();
    updateEmptyState();
    plot_->replot(QCustomPlot::rpQueuedReplot);
}

void CurvePlot::setMarkers(bool on) {
    markers_ = on;
    for (Series& s : series_)
        s.raw->setAdaptiveSampling(!on);
    restyle();
}

void CurvePlot::setYLabel(const QString& label) {
    plot_->yAxis->setLabel(label);
}

void CurvePlot::setEmptyText(const QString& text) {
    empty_->setText(
        QString("<b>%1</b><br><br>%2").arg(title_.toHtmlEscaped(), text.toHtmlEscaped()));
    empty_text_ = text;
}

QString CurvePlot::emptyText() const {
    return empty_text_;
}

bool CurvePlot::showsEmptyState() const {
    return stack_->currentWidget() == empty_;
}

void CurvePlot::setNote(const QString& text) {
    note_->setText(text);
    note_->setVisible(!text.isEmpty());
}

QString CurvePlot::note() const {
    return note_->text();
}

QCPGraph* CurvePlot::lineOf(const QString& run) const {
    auto it = series_.find(run);
    if (it == series_.end())
        return nullptr;
    return alpha_ > 0 ? it->smooth : it->raw;
}

// The axes only when some shown run has a point to draw.
void CurvePlot::updateEmptyState() {
    bool any = false;
    for (auto it = series_.cbegin(); it != series_.cend() && !any; ++it)
        any = !it->points.isEmpty() && identities_->isVisible(it.key());
    stack_->setCurrentWidget(any ? static_cast<QWidget*>(plot_) : empty_);
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
    placeMarkers();
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
    readout_->clear();  // it described what is about to change
    for (int i = markers_list_.size() - 1; i >= 0; --i) {
        if (markers_list_[i].run != run)
            continue;
        plot_->removeItem(markers_list_[i].line);
        plot_->removeItem(markers_list_[i].label);
        markers_list_.removeAt(i);
    }
    auto it = series_.find(run);
    if (it == series_.end())
        return;
    plot_->removeGraph(it->raw);
    plot_->removeGraph(it->smooth);
    series_.erase(it);
    order_.removeAll(run);
    if (identities_ == own_identities_)
        own_identities_->remove(run);
    dirty_ = true;
    updateEmptyState();
}

void CurvePlot::clear() {
    readout_->clear();  // it described what is about to change
    for (const QString& r : QStringList(order_))
        removeRun(r);
    while (!markers_list_.isEmpty())  // markers of runs without points here
        removeRun(markers_list_.front().run);
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
    if (on) {
        setReadableLogScale(plot_->yAxis);
    } else {
        plot_->yAxis->setScaleType(QCPAxis::stLinear);
        plot_->yAxis->setTicker(QSharedPointer<QCPAxisTicker>(new QCPAxisTicker));
    }
    rescale_ = true;
    dirty_ = true;
}

void CurvePlot::setSmoothing(double alpha) {
    readout_->clear();  // it described what is about to change
    alpha_ = std::clamp(alpha, 0.0, 0.999);
    for (Series& s : series_)
        s.drawn = 0;
    restyle();
    dirty_ = true;
}

void CurvePlot::addMarker(const QString& run, double step, const QString& text) {
    Marker m;
    m.run = run;
    m.step = step;
    m.text = text;
    m.line = new QCPItemStraightLine(plot_);
    m.line->point1->setTypeY(QCPItemPosition::ptAxisRectRatio);  // log axes have no y = 0
    m.line->point2->setTypeY(QCPItemPosition::ptAxisRectRatio);
    m.label = new QCPItemText(plot_);
    m.label->setText(text);
    m.label->setPositionAlignment(Qt::AlignLeft | Qt::AlignTop);
    m.label->position->setTypeY(QCPItemPosition::ptAxisRectRatio);
    markers_list_.append(m);
    restyle();
    dirty_ = true;
}

QStringList CurvePlot::markerTexts() const {
    QStringList out;
    for (const Marker& m : markers_list_)
        out << labelOf(m.run) + ": " + m.text;
    return out;
}

// Each marker at its step on the current x axis, shown with its run.
void CurvePlot::placeMarkers() {
    for (Marker& m : markers_list_) {
        auto it = series_.constFind(m.run);
        double x = std::numeric_limits<double>::quiet_NaN();
        if (x_axis_ == XAxis::Step) {
            x = m.step;
        } else if (it != series_.constEnd()) {
            for (const CurvePoint& p : it->points)
                if (p.step >= m.step) {
                    x = xOf(p);
                    break;
                }
        }
        const bool shown = std::isfinite(x) && identities_->isVisible(m.run);
        m.line->setVisible(shown);
        m.label->setVisible(shown);
        if (!shown)
            continue;
        m.line->point1->setCoords(x, 0);
        m.line->point2->setCoords(x, 1);
        m.label->position->setCoords(x, 0.02);
    }
}

void CurvePlot::setXAxis(XAxis axis) {
    readout_->clear();  // it described what is about to change
    x_axis_ = axis;
    plot_->xAxis->setLabel(axis == XAxis::Step     ? "step"
                           : axis == XAxis::Tokens ? "tokens"
                                                   : "wall time (s)");
    for (Series& s : series_)
        s.drawn = 0;
    rescale_ = true;
    dirty_ = true;
}

bool CurvePlot::exportPng(const QString& path, int width, int height) {
    flush();
    return exportPlotPng(plot_, path, width, height);
}

bool CurvePlot::exportFigure(const QString& path, int width, int height) {
    flush();
    // The exported figure names its runs (the window's legend is outside the plot).
    plot_->legend->setVisible(!series_.isEmpty());
    for (Series& s : series_) {
        QCPGraph* g = alpha_ > 0 ? s.smooth : s.raw;
        if (g->visible())
            g->addToLegend();
    }
    const bool ok = exportPlotFigure(plot_, path, width, height);
    for (Series& s : series_) {
        s.raw->removeFromLegend();
        s.smooth->removeFromLegend();
    }
    plot_->legend->setVisible(false);
    plot_->replot(QCustomPlot::rpQueuedReplot);
    return ok;
}

bool CurvePlot::exportCsv(const QString& path) const {
    CsvTable t;
    t.columns = {"run", "label", "step", "tokens", "seconds", "value", "smoothed"};
    for (const QString& run : order_) {
        const Series& s = series_[run];
        QVector<double> sm = smoothedValues(run);
        for (int i = 0; i < s.points.size(); ++i) {
            const CurvePoint& p = s.points[i];
            t.rows.push_back({run, labelOf(run), QString::number(p.step), QString::number(p.tokens),
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
        if (!identities_->isVisible(run))
            continue;
        QVector<double> sm = smoothedValues(run);
        for (int i = 0; i < s.points.size(); ++i) {
            double dx = std::abs(xOf(s.points[i]) - x);
            if (dx < best_dx) {
                best_dx = dx;
                best = QString("%1  %2 %3: %4")
                           .arg(labelOf(run), plot_->xAxis->label())
                           .arg(xOf(s.points[i]))
                           .arg(QString::number(s.points[i].value, 'g', 6));
                if (alpha_ > 0)
                    best += QString(" (smoothed %1)").arg(QString::number(sm[i], 'g', 6));
            }
        }
    }
    return best;
}

QFont CurvePlot::titleFont() const {
    QFont f(font().family(), font().pointSize() + 1, QFont::Bold);
    const int room = width() - 8;
    while (f.pointSize() > 6 && QFontMetrics(f).horizontalAdvance(title_) > room)
        f.setPointSize(f.pointSize() - 1);
    return f;
}

void CurvePlot::resizeEvent(QResizeEvent* event) {
    QWidget::resizeEvent(event);
    if (heading_ != nullptr)
        heading_->setFont(titleFont());
}

QString CurvePlot::readoutText() const {
    return readout_->text();
}

void CurvePlot::onMouseMove(QMouseEvent* event) {
    if (series_.isEmpty())
        return;
    double x = plot_->xAxis->pixelToCoord(event->pos().x());
    readout_->setText(readoutAt(x));
}

}  // namespace rgpb::widgets
