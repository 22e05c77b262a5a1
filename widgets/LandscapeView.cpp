#include "widgets/LandscapeView.h"

#include "widgets/CurvePlot.h"

#include "widgets/PlotExport.h"
#include "widgets/RunIdentity.h"

#include <qcustomplot.h>

#include <QCheckBox>
#include <QFileDialog>
#include <QFontMetrics>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QSignalBlocker>
#include <QTextStream>
#include <QTimer>
#include <QVBoxLayout>
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <tuple>

namespace rgpb::widgets {

namespace {

// The paper's recipes keep their shapes; other recipes get one by a stable hash of the name.
const QCPScatterStyle::ScatterShape kShapes[] = {QCPScatterStyle::ssDisc,
                                                 QCPScatterStyle::ssSquare,
                                                 QCPScatterStyle::ssDiamond,
                                                 QCPScatterStyle::ssTriangle,
                                                 QCPScatterStyle::ssTriangleInverted,
                                                 QCPScatterStyle::ssStar,
                                                 QCPScatterStyle::ssCross,
                                                 QCPScatterStyle::ssPlus,
                                                 QCPScatterStyle::ssCrossSquare,
                                                 QCPScatterStyle::ssPlusCircle};
const char* const kFixedShapes[] = {"mle",        "dpo",           "ul",        "exmate",
                                    "mle -> dpo", "exmate -> dpo", "ul -> dpo", "mle -> exmate"};

struct RunLabel {
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
                  const LandscapePoint& p) {
    for (auto [type, lo, hi] :
         {std::tuple{QCPErrorBars::etKeyError, p.perplexity - p.perplexity_low,
                     p.perplexity_high - p.perplexity},
          std::tuple{QCPErrorBars::etValueError, p.agility - p.agility_low,
                     p.agility_high - p.agility}}) {
        auto* bars = new QCPErrorBars(plot->xAxis, plot->yAxis);
        bars->removeFromLegend();
        bars->setErrorType(type);
        bars->setDataPlottable(graph);
        bars->setData(QVector<double>{lo}, QVector<double>{hi});
        QColor c = color;
        c.setAlpha(std::min(color.alpha(), 150));
        bars->setPen(QPen(c, 1));
        bars->setWhiskerWidth(6);
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

// Pixel positions of the markers, each nudged (right, down, left, up, then farther) until it is
// at least `gap` px from every earlier one, so coincident runs stay visible side by side.
QVector<QPointF> nudgeApart(const QVector<QPointF>& at, double gap) {
    QVector<QPointF> placed;
    const QPointF steps[] = {{0, 0}, {1, 0},  {0, 1},  {-1, 0}, {0, -1},
                             {1, 1}, {-1, 1}, {1, -1}, {-1, -1}};
    for (const QPointF& p : at) {
        QPointF best = p;
        for (int ring = 0; ring < 4; ++ring) {
            bool found = false;
            for (const QPointF& d : steps) {
                const QPointF q = p + d * gap * (ring + (ring == 0 ? 0 : 0.5));
                const bool clear =
                    std::none_of(placed.begin(), placed.end(), [&](const QPointF& o) {
                        return std::hypot(o.x() - q.x(), o.y() - q.y()) < gap;
                    });
                if (clear) {
                    best = q;
                    found = true;
                    break;
                }
            }
            if (found)
                break;
        }
        placed.push_back(best);
    }
    return placed;
}

// Run labels beside their points, nudged down where they would overlap an earlier one. Needs
// a laid-out plot: the placement works in pixels.
void placeRunLabels(QCustomPlot* plot, const QFont& font, const std::vector<RunLabel>& labels) {
    const int line = QFontMetrics(font).height();
    std::vector<QRectF> placed;
    for (const RunLabel& l : labels) {
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
      labels_(new QCheckBox("run labels", this)),
      own_identities_(new RunIdentities(this)) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    auto* controls = new QHBoxLayout;
    auto* note = new QLabel(
        "One point per run at its last evaluation: filled when the run finished, hollow while "
        "it trains or when it stopped early. Colour: the run; shape: its recipe; bars: 95% "
        "bootstrap interval over eval pairs.");
    note->setWordWrap(true);
    controls->addWidget(note, 1);
    labels_->setChecked(true);
    controls->addWidget(labels_);
    auto* export_button = new QPushButton("Export...");
    export_button->setToolTip("The landscape as PNG, SVG and PDF, and its points as CSV");
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
    setReadableLogScale(plot_->xAxis);
    plot_->legend->setVisible(true);
    plot_->legend->setFont(QFont(font().family(), font().pointSize() - 1));
    plot_->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignTop | Qt::AlignRight);
    plot_->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
    plot_->setMouseTracking(true);

    connect(labels_, &QCheckBox::toggled, this, [this] { replot(); });
    connect(plot_, &QCustomPlot::mouseMove, this,
            [this](QMouseEvent* e) { readout_->setText(readoutAt(e->position())); });
    clearReadoutOnLeave(plot_, readout_);
    connect(export_button, &QPushButton::clicked, this, [this] {
        QString base = QFileDialog::getSaveFileName(this, "Export the landscape", "landscape",
                                                    "PNG, SVG, PDF and CSV (*.png)");
        if (base.isEmpty())
            return;
        if (base.endsWith(".png"))
            base.chop(4);
        bool ok = exportPng(base + ".png") && exportFigure(base + ".svg") &&
                  exportFigure(base + ".pdf") && exportCsv(base + ".csv");
        readout_->setText(ok ? QString("exported %1.png, .svg, .pdf and .csv").arg(base)
                             : QString("could not write %1.png / .svg / .pdf / .csv").arg(base));
    });
    setIdentities(nullptr);
}

void LandscapeView::setIdentities(RunIdentities* identities) {
    if (identities_)
        disconnect(identities_, nullptr, this, nullptr);
    identities_ = identities ? identities : own_identities_;
    connect(identities_, &RunIdentities::runsChanged, this, &LandscapeView::replot);
    connect(identities_, &RunIdentities::visibilityChanged, this, [this] { replot(); });
    connect(identities_, &RunIdentities::highlightChanged, this, [this] { replot(); });
    replot();
}

int LandscapeView::shapeOf(const QString& method) {
    for (std::size_t i = 0; i < std::size(kFixedShapes); ++i) {
        if (method == kFixedShapes[i])
            return kShapes[i];
    }
    // FNV-1a of the UTF-8 name: the same in every process (qHash is seeded per process).
    uint32_t h = 2166136261u;
    for (char c : method.toUtf8()) {
        h ^= static_cast<unsigned char>(c);
        h *= 16777619u;
    }
    return kShapes[h % std::size(kShapes)];
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
    if (identities_ == own_identities_ && !own_identities_->contains(point.run)) {
        const QSignalBlocker quiet(own_identities_);  // replotted just below
        own_identities_->upsert({point.run, point.label, point.method, point.beta, {}});
    }
    replot();
}

void LandscapeView::removeRun(const QString& run) {
    readout_->clear();  // it described a point that is about to go
    points_.erase(std::remove_if(points_.begin(), points_.end(),
                                 [&](const LandscapePoint& p) { return p.run == run; }),
                  points_.end());
    if (identities_ == own_identities_) {
        const QSignalBlocker quiet(own_identities_);
        own_identities_->remove(run);
    }
    QStringList still;
    for (const LandscapePoint& p : points_)
        if (!still.contains(p.method))
            still.push_back(p.method);
    methods_ = still;
    replot();
}

void LandscapeView::clear() {
    readout_->clear();  // it described a point that is about to go
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
QString LandscapeView::readoutText() const {
    return readout_->text();
}

bool LandscapeView::showsLabels() const {
    return labels_->isChecked();
}

QColor LandscapeView::colorOfRun(const QString& run) const {
    return identities_->colorOf(run);
}

// Lays the axes out from the intervals, then places the markers in pixels (nudged apart), so it
// replots twice; one graph per run (its colour), one empty graph per recipe for the legend.
void LandscapeView::replot() {
    if (!identities_)
        return;
    plot_->clearPlottables();
    plot_->clearItems();
    drawn_.clear();
    QVector<const LandscapePoint*> shown;
    Extent extent;
    for (const LandscapePoint& p : points_) {
        if (!(p.perplexity > 0) || !identities_->isVisible(p.run))
            continue;
        shown << &p;
        extent.xmin = std::min(extent.xmin, p.perplexity_low);
        extent.xmax = std::max(extent.xmax, p.perplexity_high);
        extent.ymin = std::min(extent.ymin, p.agility_low);
        extent.ymax = std::max(extent.ymax, p.agility_high);
    }
    fitAxes(plot_, extent);
    plot_->replot();  // lays out the axis rect, so coordinates map to pixels
    QVector<QPointF> pixels;
    for (const LandscapePoint* p : shown)
        pixels << QPointF(plot_->xAxis->coordToPixel(p->perplexity),
                          plot_->yAxis->coordToPixel(p->agility));
    pixels = nudgeApart(pixels, 7.0);
    const QString hot = identities_->highlighted();
    std::vector<RunLabel> labels;
    for (int i = 0; i < shown.size(); ++i) {
        const LandscapePoint& p = *shown[i];
        const double x = plot_->xAxis->pixelToCoord(pixels[i].x());
        const double y = plot_->yAxis->pixelToCoord(pixels[i].y());
        drawn_.insert(p.run, QPointF(x, y));
        QColor color = identities_->colorOf(p.run);
        if (!hot.isEmpty() && hot != p.run)
            color.setAlpha(70);
        QColor fill = color;
        fill.setAlpha(std::min(color.alpha(), 190));  // half see-through: overlaps stay visible
        auto* graph = plot_->addGraph();
        graph->setName(identities_->labelOf(p.run));
        graph->removeFromLegend();
        graph->setLineStyle(QCPGraph::lsNone);
        const auto shape = QCPScatterStyle::ScatterShape(shapeOf(p.method));
        const double size = p.run == hot ? 13 : 10;
        // Filled: the run finished. Hollow (no fill at all): still training or stopped early.
        graph->setScatterStyle(
            p.final ? QCPScatterStyle(shape, QPen(color.darker(140), 1.5), QBrush(fill), size)
                    : QCPScatterStyle(shape, QPen(color, 2), Qt::NoBrush, size));
        graph->setData(QVector<double>{x}, QVector<double>{y}, true);
        addErrorBars(plot_, graph, color, p);
        if (labels_->isChecked())
            labels.push_back({x, y, identities_->labelOf(p.run), color.darker(130)});
    }
    for (const QString& method : methods_) {  // the legend: a recipe's shape, in grey
        auto* key = plot_->addGraph();
        key->setName(method);
        key->setLineStyle(QCPGraph::lsNone);
        key->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ScatterShape(shapeOf(method)),
                                             QPen(Qt::darkGray, 1.5), QBrush(Qt::gray), 9));
    }
    plot_->replot();
    placeRunLabels(plot_, font(), labels);
    plot_->replot();
}

QString LandscapeView::readoutAt(const QPointF& pixel) const {
    const LandscapePoint* best = nullptr;
    double best_d = 20.0;
    for (const LandscapePoint& p : points_) {
        if (!(p.perplexity > 0) || !drawn_.contains(p.run))
            continue;
        const QPointF at = drawn_.value(p.run);  // where its marker is drawn
        double dx = plot_->xAxis->coordToPixel(at.x()) - pixel.x();
        double dy = plot_->yAxis->coordToPixel(at.y()) - pixel.y();
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
    return exportPlotPng(plot_, path, width, height);
}

bool LandscapeView::exportFigure(const QString& path, int width, int height) {
    replot();
    return exportPlotFigure(plot_, path, width, height);
}

bool LandscapeView::exportCsv(const QString& path) const {
    CsvTable t;
    t.columns = QString(
                    "run,label,method,beta,step,final,pairs,perplexity,perplexity_low,"
                    "perplexity_high,agility,agility_low,agility_high")
                    .split(',');
    for (const LandscapePoint& p : points_) {
        t.rows.append({csvText(p.run), csvText(p.label), csvText(p.method), csvNumber(p.beta),
                       QString::number(p.step), p.final ? "1" : "0", QString::number(p.pairs),
                       csvNumber(p.perplexity), csvNumber(p.perplexity_low),
                       csvNumber(p.perplexity_high), csvNumber(p.agility), csvNumber(p.agility_low),
                       csvNumber(p.agility_high)});
    }
    return writeCsv(path, t);
}

}  // namespace rgpb::widgets
