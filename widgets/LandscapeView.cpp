#include "widgets/LandscapeView.h"

#include <qcustomplot.h>

#include <QCheckBox>
#include <QFileDialog>
#include <QFontMetrics>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QSaveFile>
#include <QTextStream>
#include <QTimer>
#include <QVBoxLayout>
#include <algorithm>
#include <cmath>
#include <limits>
#include <tuple>

namespace rgpb::widgets {

namespace {

// The paper's four methods keep their colours across runs and sessions; recipes get the rest.
QColor fixedColor(const QString& method) {
    if (method == "mle")
        return QColor(31, 119, 180);
    if (method == "dpo")
        return QColor(214, 39, 40);
    if (method == "ul")
        return QColor(44, 160, 44);
    if (method == "exmate")
        return QColor(255, 127, 14);
    return {};
}

const QColor kOthers[] = {QColor(148, 103, 189), QColor(140, 86, 75),  QColor(227, 119, 194),
                          QColor(127, 127, 127), QColor(188, 189, 34), QColor(23, 190, 207)};

const QCPScatterStyle::ScatterShape kShapes[] = {
    QCPScatterStyle::ssDisc,     QCPScatterStyle::ssSquare,      QCPScatterStyle::ssDiamond,
    QCPScatterStyle::ssTriangle, QCPScatterStyle::ssCrossSquare, QCPScatterStyle::ssStar};

QString num(double v) {
    return QString::number(v, 'g', 10);
}

QString csvField(QString s) {
    if (s.contains(',') || s.contains('"') || s.contains('\n'))
        s = '"' + s.replace('"', "\"\"") + '"';
    return s;
}

struct BetaLabel {
    double x, y;
    QString text;
    QColor color;
};

// Bounds of every drawn point's intervals; infinite while nothing is drawn.
struct Extent {
    double xmin = std::numeric_limits<double>::infinity(), xmax = -xmin;
    double ymin = xmin, ymax = -xmin;
};

void addErrorBars(QCustomPlot* plot, QCPGraph* graph, const QColor& color,
                  const QVector<double>& xlo, const QVector<double>& xhi,
                  const QVector<double>& ylo, const QVector<double>& yhi) {
    for (auto [type, lo, hi] : {std::tuple{QCPErrorBars::etKeyError, &xlo, &xhi},
                                std::tuple{QCPErrorBars::etValueError, &ylo, &yhi}}) {
        auto* bars = new QCPErrorBars(plot->xAxis, plot->yAxis);
        bars->removeFromLegend();
        bars->setErrorType(type);
        bars->setDataPlottable(graph);
        bars->setData(*lo, *hi);
        bars->setPen(QPen(color.lighter(120), 1));
        bars->setWhiskerWidth(6);
    }
}

// Finished runs as filled markers, running ones hollow, one legend entry per method.
void addMethodGraphs(QCustomPlot* plot, const QVector<LandscapePoint>& points,
                     const QString& method, const QColor& color,
                     QCPScatterStyle::ScatterShape shape, bool with_labels, Extent& extent,
                     std::vector<BetaLabel>& labels) {
    bool has_finished = false;
    for (bool finished : {true, false}) {
        QVector<double> x, y, xlo, xhi, ylo, yhi;
        for (const LandscapePoint& p : points) {
            if (p.method != method || p.final != finished || !(p.perplexity > 0))
                continue;
            x << p.perplexity;
            y << p.agility;
            xlo << p.perplexity - p.perplexity_low;
            xhi << p.perplexity_high - p.perplexity;
            ylo << p.agility - p.agility_low;
            yhi << p.agility_high - p.agility;
            extent.xmin = std::min(extent.xmin, p.perplexity_low);
            extent.xmax = std::max(extent.xmax, p.perplexity_high);
            extent.ymin = std::min(extent.ymin, p.agility_low);
            extent.ymax = std::max(extent.ymax, p.agility_high);
            if (with_labels && p.beta > 0)
                labels.push_back(
                    {p.perplexity, p.agility, QString("β=%1").arg(p.beta), color.darker(130)});
        }
        if (x.isEmpty())
            continue;
        auto* graph = plot->addGraph();
        graph->setName(method);
        graph->setLineStyle(QCPGraph::lsNone);
        graph->setScatterStyle(
            QCPScatterStyle(shape, color, finished ? color : QColor(Qt::white), 9));
        graph->setPen(QPen(color, 1.5));
        graph->setData(x, y, true);
        // One legend entry per method: its finished runs, or its running ones if none.
        if (!finished && has_finished)
            graph->removeFromLegend();
        has_finished = has_finished || finished;
        addErrorBars(plot, graph, color, xlo, xhi, ylo, yhi);
    }
}

void fitAxes(QCustomPlot* plot, const Extent& e) {
    if (std::isfinite(e.xmin) && e.xmin > 0) {
        plot->xAxis->setRange(e.xmin / 1.25, e.xmax * 2.0);  // room for the labels
        double pad = std::max(0.02, 0.08 * (e.ymax - e.ymin));
        plot->yAxis->setRange(e.ymin - pad, e.ymax + pad);
    } else {
        plot->xAxis->setRange(1, 1000);
        plot->yAxis->setRange(-0.1, 1);
    }
}

// Beta labels beside their points, nudged down where they would overlap an earlier one. Needs
// a laid-out plot: the placement works in pixels.
void placeBetaLabels(QCustomPlot* plot, const QFont& font, const std::vector<BetaLabel>& labels) {
    const int line = QFontMetrics(font).height();
    std::vector<QRectF> placed;
    for (const BetaLabel& l : labels) {
        auto* text = new QCPItemText(plot);
        text->position->setCoords(l.x, l.y);
        text->setPositionAlignment(Qt::AlignLeft | Qt::AlignBottom);
        text->setText(l.text);
        text->setColor(l.color);
        text->setClipToAxisRect(true);
        const QPointF at(plot->xAxis->coordToPixel(l.x), plot->yAxis->coordToPixel(l.y));
        const double width = QFontMetrics(font).horizontalAdvance(l.text) + 8;
        // Try the spot above the point, then one line up, one down, two up, ... and keep the first
        // that overlaps no earlier label and stays inside the plot.
        auto box = [&](int k) {
            return QRectF(at.x() + 6, at.y() - 4 - line + k * line, width, line);
        };
        const QRectF inside = plot->axisRect()->rect();
        int shift = 0;
        for (int k : {0, -1, 1, -2, 2, -3, 3}) {
            const QRectF b = box(k);
            if (inside.contains(b) &&
                std::none_of(placed.begin(), placed.end(),
                             [&](const QRectF& r) { return r.intersects(b); })) {
                shift = k;
                break;
            }
        }
        placed.push_back(box(shift));
        text->setPadding(QMargins(6, 0, 0, 4 - shift * line));
    }
}

}  // namespace

LandscapeView::LandscapeView(QWidget* parent)
    : QWidget(parent),
      plot_(new QCustomPlot(this)),
      readout_(new QLabel(this)),
      labels_(new QCheckBox("beta labels", this)) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    auto* controls = new QHBoxLayout;
    auto* note = new QLabel(
        "One point per run at its final (hollow: latest) evaluation; bars: 95% bootstrap "
        "interval over eval pairs.");
    note->setWordWrap(true);
    controls->addWidget(note, 1);
    labels_->setChecked(true);
    controls->addWidget(labels_);
    auto* export_button = new QPushButton("Export PNG + CSV...");
    controls->addWidget(export_button);
    layout->addLayout(controls);
    layout->addWidget(plot_, 1);
    layout->addWidget(readout_);
    readout_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    readout_->setMinimumHeight(readout_->fontMetrics().height() + 2);

    plot_->plotLayout()->insertRow(0);
    plot_->plotLayout()->addElement(
        0, 0,
        new QCPTextElement(plot_, "Perplexity vs agility",
                           QFont(font().family(), font().pointSize() + 1, QFont::Bold)));
    plot_->xAxis->setLabel("perplexity (log scale; lower is better)");
    plot_->yAxis->setLabel("agility  exp(m+) - exp(m-)  (higher is better)");
    plot_->xAxis->setScaleType(QCPAxis::stLogarithmic);
    plot_->xAxis->setTicker(QSharedPointer<QCPAxisTickerLog>(new QCPAxisTickerLog));
    plot_->xAxis->setNumberFormat("gb");
    plot_->legend->setVisible(true);
    plot_->legend->setFont(QFont(font().family(), font().pointSize() - 1));
    plot_->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignTop | Qt::AlignRight);
    plot_->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
    plot_->setMouseTracking(true);

    connect(labels_, &QCheckBox::toggled, this, [this] { replot(); });
    connect(plot_, &QCustomPlot::mouseMove, this,
            [this](QMouseEvent* e) { readout_->setText(readoutAt(e->position())); });
    connect(export_button, &QPushButton::clicked, this, [this] {
        QString base = QFileDialog::getSaveFileName(this, "Export the landscape", "landscape",
                                                    "PNG and CSV (*.png)");
        if (base.isEmpty())
            return;
        if (base.endsWith(".png"))
            base.chop(4);
        bool ok = exportPng(base + ".png") && exportCsv(base + ".csv");
        readout_->setText(ok ? QString("exported %1.png and %1.csv").arg(base)
                             : QString("could not write %1.png / .csv").arg(base));
    });
    replot();
}

void LandscapeView::setPoint(const LandscapePoint& point) {
    auto it = std::find_if(points_.begin(), points_.end(),
                           [&](const LandscapePoint& p) { return p.run == point.run; });
    if (it != points_.end())
        *it = point;
    else
        points_.push_back(point);
    if (!methods_.contains(point.method))
        methods_.push_back(point.method);
    replot();
}

void LandscapeView::removeRun(const QString& run) {
    points_.erase(std::remove_if(points_.begin(), points_.end(),
                                 [&](const LandscapePoint& p) { return p.run == run; }),
                  points_.end());
    QStringList still;
    for (const LandscapePoint& p : points_)
        if (!still.contains(p.method))
            still.push_back(p.method);
    methods_ = still;
    replot();
}

void LandscapeView::clear() {
    points_.clear();
    methods_.clear();
    replot();
}

QVector<LandscapePoint> LandscapeView::points() const {
    return points_;
}
QStringList LandscapeView::methods() const {
    return methods_;
}
bool LandscapeView::showsLabels() const {
    return labels_->isChecked();
}

QColor LandscapeView::colorOf(const QString& method) const {
    QColor c = fixedColor(method);
    if (c.isValid())
        return c;
    auto it = colors_.find(method);
    if (it != colors_.end())
        return *it;
    int others = 0;
    for (auto i = colors_.cbegin(); i != colors_.cend(); ++i)
        others += !fixedColor(i.key()).isValid();
    c = kOthers[others % std::size(kOthers)];
    colors_.insert(method, c);
    return c;
}

void LandscapeView::replot() {
    plot_->clearPlottables();
    plot_->clearItems();
    std::vector<BetaLabel> labels;
    Extent extent;
    for (int m = 0; m < methods_.size(); ++m) {
        const QString& method = methods_[m];
        addMethodGraphs(plot_, points_, method, colorOf(method), kShapes[m % std::size(kShapes)],
                        labels_->isChecked(), extent, labels);
    }
    fitAxes(plot_, extent);
    plot_->replot();  // lays out the axis rect, so coordinates map to pixels
    placeBetaLabels(plot_, font(), labels);
    plot_->replot();
}

QString LandscapeView::readoutAt(const QPointF& pixel) const {
    const LandscapePoint* best = nullptr;
    double best_d = 20.0;
    for (const LandscapePoint& p : points_) {
        if (!(p.perplexity > 0))
            continue;
        double dx = plot_->xAxis->coordToPixel(p.perplexity) - pixel.x();
        double dy = plot_->yAxis->coordToPixel(p.agility) - pixel.y();
        double d = std::hypot(dx, dy);
        if (d <= best_d) {
            best_d = d;
            best = &p;
        }
    }
    if (!best)
        return {};
    return QString("%1 (%2%3, step %4%5): perplexity %6 [%7, %8], agility %9 [%10, %11], %12 pairs")
        .arg(best->label, best->method,
             best->beta > 0 ? QString(", β=%1").arg(best->beta) : QString())
        .arg(best->step)
        .arg(best->final ? "" : ", running")
        .arg(QString::number(best->perplexity, 'g', 4),
             QString::number(best->perplexity_low, 'g', 4),
             QString::number(best->perplexity_high, 'g', 4), QString::number(best->agility, 'g', 4),
             QString::number(best->agility_low, 'g', 4),
             QString::number(best->agility_high, 'g', 4))
        .arg(best->pairs);
}

void LandscapeView::resizeEvent(QResizeEvent* event) {
    QWidget::resizeEvent(event);
    QTimer::singleShot(0, this, [this] { replot(); });  // after the plot has its new size
}

void LandscapeView::showEvent(QShowEvent* event) {
    QWidget::showEvent(event);
    QTimer::singleShot(0, this, [this] { replot(); });
}

bool LandscapeView::exportPng(const QString& path, int width, int height) {
    replot();
    return plot_->savePng(path, width, height);
}

bool LandscapeView::exportCsv(const QString& path) const {
    QSaveFile f(path);
    if (!f.open(QIODevice::WriteOnly | QIODevice::Text))
        return false;
    QTextStream out(&f);
    out << "run,label,method,beta,step,final,pairs,perplexity,perplexity_low,perplexity_high,"
           "agility,agility_low,agility_high\n";
    for (const LandscapePoint& p : points_) {
        out << csvField(p.run) << ',' << csvField(p.label) << ',' << csvField(p.method) << ','
            << num(p.beta) << ',' << p.step << ',' << (p.final ? 1 : 0) << ',' << p.pairs << ','
            << num(p.perplexity) << ',' << num(p.perplexity_low) << ',' << num(p.perplexity_high)
            << ',' << num(p.agility) << ',' << num(p.agility_low) << ',' << num(p.agility_high)
            << '\n';
    }
    out.flush();
    return f.commit();
}

}  // namespace rgpb::widgets
