#include "widgets/MetricsDashboard.h"

#include <QComboBox>
#include <QDir>
#include <QEvent>
#include <QFileDialog>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QScrollArea>
#include <QSlider>
#include <QSplitter>
#include <QVBoxLayout>

#include "widgets/RunIdentity.h"
#include "widgets/RunLegend.h"

namespace rgpb::widgets {

namespace {
struct PlotSpec {
    const char* metric;
    const char* title;
    const char* y_label;
    bool log;
    bool per_step;      // a noisy per-step training curve: the smoothing slider applies
    const char* scope;  // when the metric applies to some methods only: which
};
const PlotSpec kPlots[] = {
    {"perplexity", "eval perplexity (log)", "perplexity", true, false, nullptr},
    {"agility", "eval agility  exp(m+) - exp(m-)", "agility", false, false, nullptr},
    {"loss", "training loss (smoothed)", "loss", false, true, nullptr},
    {"pos_prob", "eval positive-example probability", "p(positive)", false, false, nullptr},
    {"grad_norm", "gradient norm (log, smoothed)", "gradient norm", true, true, nullptr},
    {"reward_margin", "eval DPO reward margin", "reward margin", false, false,
     "a DPO-only metric (runs with a reference model)"},
    // Gradient diagnostics (core/diagnostics/Diagnostics.h; the Diagnostics tab has the rest).
    {"neg_weight_median", "median weight on the negative example", "weight", true, false,
     "objectives with a penalising term (DPO, UL, ExMATE) and diagnostics on"},
    {"displacement_share", "likelihood displacement (share of eval pairs)", "share", false, false,
     "runs with diagnostics on"},
};
// Plots narrower than this go to fewer columns; shorter ones make the area scroll.
constexpr int kMinPlotWidth = 185;
constexpr int kMinPlotHeight = 210;
}  // namespace

MetricsDashboard::MetricsDashboard(QWidget* parent) : QWidget(parent) {
    auto* root = new QVBoxLayout(this);
    root->setContentsMargins(2, 2, 2, 2);
    auto* controls = new QHBoxLayout;
    controls->addWidget(new QLabel("x axis:"));
    x_axis_ = new QComboBox;
    x_axis_->addItems({"step", "tokens", "wall time"});
    controls->addWidget(x_axis_);
    controls->addSpacing(12);
    controls->addWidget(new QLabel("smoothing:"));
    smoothing_ = new QSlider(Qt::Horizontal);
    smoothing_->setRange(0, 99);
    smoothing_->setValue(60);
    smoothing_->setMinimumWidth(60);
    smoothing_->setMaximumWidth(220);
    smoothing_->setToolTip("debiased EMA; the raw line stays faint underneath");
    controls->addWidget(smoothing_, 1);
    smoothing_label_ = new QLabel("0.60");
    controls->addWidget(smoothing_label_);
    controls->addStretch(1);
    auto* export_button = new QPushButton("Export...");
    export_button->setToolTip("Every plot as PNG, SVG (vector) and CSV into a folder");
    controls->addWidget(export_button);
    root->addLayout(controls);

    grid_host_ = new QWidget;
    grid_ = new QGridLayout(grid_host_);
    grid_->setContentsMargins(0, 0, 0, 0);
    for (const PlotSpec& spec : kPlots) {
        auto* plot = new CurvePlot(spec.title, grid_host_);
        plot->setLogScale(spec.log);
        plot->setYLabel(spec.y_label);
        // Evaluation points are already means over the eval set, and few: smoothing them would
        // only make them lag, so the slider smooths the per-step training curves; evaluations
        // get a marker on every point, so the first one shows on its own.
        plot->setSmoothing(spec.per_step ? 0.6 : 0.0);
        plot->setMarkers(!spec.per_step);
        if (spec.per_step)
            smoothed_ << plot;
        plot->setMinimumSize(kMinPlotWidth - 20, kMinPlotHeight);
        plot->setEmptyText(emptyText());
        plots_.insert(spec.metric, plot);
        order_ << spec.metric;
    }
    scroll_ = new QScrollArea;
    scroll_->setWidget(grid_host_);
    scroll_->setWidgetResizable(true);
    scroll_->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    scroll_->setFrameShape(QFrame::NoFrame);
    scroll_->viewport()->installEventFilter(this);
    auto* split = new QSplitter(Qt::Horizontal);
    split->setObjectName("curvesAndLegend");
    split->addWidget(scroll_);
    root->addWidget(split, 1);
    setIdentities(nullptr);
    split->addWidget(legend_);
    split->setStretchFactor(0, 1);
    split->setCollapsible(0, false);
    split->setSizes({600, 170});
    reflow();

    connect(smoothing_, &QSlider::valueChanged, this, [this](int v) {
        double a = v / 100.0;
        smoothing_label_->setText(QString::number(a, 'f', 2));
        for (CurvePlot* p : smoothed_)
            p->setSmoothing(a);
    });
    connect(x_axis_, &QComboBox::currentIndexChanged, this, [this](int i) {
        XAxis axis = i == 0 ? XAxis::Step : i == 1 ? XAxis::Tokens : XAxis::WallTime;
        for (CurvePlot* p : plots_)
            p->setXAxis(axis);
    });
    connect(export_button, &QPushButton::clicked, this, [this] {
        QString dir = QFileDialog::getExistingDirectory(this, "Export curves to");
        if (!dir.isEmpty())
            exportAll(dir);
    });
}

void MetricsDashboard::setIdentities(RunIdentities* identities) {
    if (!identities)
        identities = new RunIdentities(this);
    if (identities == identities_)
        return;
    identities_ = identities;
    for (CurvePlot* p : plots_)
        p->setIdentities(identities);
    if (legend_) {
        auto* split = qobject_cast<QSplitter*>(legend_->parentWidget());
        const QList<int> sizes = split ? split->sizes() : QList<int>{};
        delete legend_;
        legend_ = new RunLegend(identities_);
        if (split) {
            split->addWidget(legend_);
            split->setSizes(sizes);
        }
    } else {
        legend_ = new RunLegend(identities_);
    }
    connect(identities_, &RunIdentities::runsChanged, this, &MetricsDashboard::updateNotes);
}

bool MetricsDashboard::eventFilter(QObject* watched, QEvent* event) {
    if (watched == scroll_->viewport() && event->type() == QEvent::Resize)
        reflow();
    return QWidget::eventFilter(watched, event);
}

// As many columns as fit (one to three), rows as tall as the height allows but never shorter
// than kMinPlotHeight: the scroll area scrolls instead of squashing or clipping the plots.
void MetricsDashboard::reflow() {
    const int width = scroll_->viewport()->width();
    const int columns = std::clamp(width / kMinPlotWidth, 1, 3);
    if (columns == columns_)
        return;
    columns_ = columns;
    for (const QString& m : order_)
        grid_->removeWidget(plots_[m]);
    for (int i = 0; i < order_.size(); ++i)
        grid_->addWidget(plots_[order_[i]], i / columns, i % columns);
    for (int c = 0; c < 3; ++c)
        grid_->setColumnStretch(c, c < columns ? 1 : 0);
}

void MetricsDashboard::appendPoints(const QString& metric, const QString& run, const QString& label,
                                    const QVector<CurvePoint>& points) {
    CurvePlot* p = plots_.value(metric);
    if (!p)
        return;
    const bool first = p->pointCount(run) == 0;  // a new run in this plot changes the notes
    p->appendPoints(run, label, points);
    if (metric == "perplexity")
        evaluated_.insert(run);
    if (first && !points.isEmpty())
        updateNotes();
}

// A plot whose metric some evaluated runs never report says so under it (an MLE run has no
// DPO reward margin); with no run at all it shows the empty state, and with runs but none
// reporting it, why.
void MetricsDashboard::updateNotes() {
    for (const PlotSpec& spec : kPlots) {
        CurvePlot* plot = plots_.value(spec.metric);
        QStringList lacking;
        for (const QString& run : evaluated_) {
            if (plot->pointCount(run) == 0)
                lacking << identities_->fullLabelOf(run);
        }
        lacking.sort();
        const QString scope = spec.scope ? QString(spec.scope) : QString("not reported");
        if (evaluated_.isEmpty() || lacking.isEmpty()) {
            plot->setNote({});
            plot->setEmptyText(
                identities_->ids().isEmpty() && evaluated_.isEmpty()
                    ? emptyText()
                    : QString("No points yet: evaluations are plotted as they come."));
        } else if (lacking.size() == evaluated_.size()) {
            plot->setNote({});
            plot->setEmptyText(QString("Does not apply to the runs shown: %1.").arg(scope));
        } else {
            plot->setNote(QString("Not applicable to %1 (%2).").arg(lacking.join(", "), scope));
        }
    }
}

void MetricsDashboard::markEvent(const QString& run, double step, const QString& text) {
    for (CurvePlot* p : plots_)
        p->addMarker(run, step, text);
}

void MetricsDashboard::removeRun(const QString& run) {
    for (CurvePlot* p : plots_)
        p->removeRun(run);
    evaluated_.remove(run);
    updateNotes();
}

void MetricsDashboard::clear() {
    for (CurvePlot* p : plots_)
        p->clear();
    evaluated_.clear();
    updateNotes();
}

QStringList MetricsDashboard::exportAll(const QString& dir) {
    QStringList written;
    QDir().mkpath(dir);
    for (auto it = plots_.begin(); it != plots_.end(); ++it) {
        QString base = QDir(dir).filePath(it.key());
        for (const char* ext : {".png", ".svg"}) {
            if (it.value()->exportFigure(base + ext))
                written << base + ext;
        }
        if (it.value()->exportCsv(base + ".csv"))
            written << base + ".csv";
    }
    return written;
}

}  // namespace rgpb::widgets
