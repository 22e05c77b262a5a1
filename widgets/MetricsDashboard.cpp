#include "widgets/MetricsDashboard.h"

#include <QComboBox>
#include <QDir>
#include <QFileDialog>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QSlider>
#include <QVBoxLayout>

namespace rgpb::widgets {

namespace {
struct PlotSpec {
    const char* metric;
    const char* title;
    bool log;
    bool per_step;  // a noisy per-step training curve: the smoothing slider applies
};
const PlotSpec kPlots[] = {
    {"perplexity", "eval perplexity (log)", true, false},
    {"agility", "eval agility  exp(m+) - exp(m-)", false, false},
    {"loss", "training loss (smoothed)", false, true},
    {"pos_prob", "eval positive-example probability", false, false},
    {"grad_norm", "gradient norm (log, smoothed)", true, true},
    {"reward_margin", "eval DPO reward margin", false, false},
};
}  // namespace

MetricsDashboard::MetricsDashboard(QWidget* parent) : QWidget(parent) {
    auto* root = new QVBoxLayout(this);
    auto* controls = new QHBoxLayout;
    controls->addWidget(new QLabel("x axis:"));
    x_axis_ = new QComboBox;
    x_axis_->addItems({"step", "tokens", "wall time"});
    controls->addWidget(x_axis_);
    controls->addSpacing(16);
    controls->addWidget(new QLabel("smoothing:"));
    smoothing_ = new QSlider(Qt::Horizontal);
    smoothing_->setRange(0, 99);
    smoothing_->setValue(60);
    smoothing_->setMaximumWidth(220);
    smoothing_->setToolTip("debiased EMA; the raw line stays faint underneath");
    controls->addWidget(smoothing_);
    smoothing_label_ = new QLabel("0.60");
    controls->addWidget(smoothing_label_);
    controls->addStretch(1);
    auto* export_button = new QPushButton("Export PNG + CSV...");
    controls->addWidget(export_button);
    root->addLayout(controls);

    auto* grid = new QGridLayout;
    int i = 0;
    for (const PlotSpec& spec : kPlots) {
        auto* plot = new CurvePlot(spec.title);
        plot->setLogScale(spec.log);
        // Evaluation points are already means over the eval set, and few: smoothing them would
        // only make them lag, so the slider smooths the per-step training curves.
        plot->setSmoothing(spec.per_step ? 0.6 : 0.0);
        if (spec.per_step)
            smoothed_ << plot;
        plot->setMinimumSize(280, 180);
        plots_.insert(spec.metric, plot);
        grid->addWidget(plot, i / 3, i % 3);
        ++i;
    }
    root->addLayout(grid, 1);

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

void MetricsDashboard::appendPoints(const QString& metric, const QString& run, const QString& label,
                                    const QVector<CurvePoint>& points) {
    if (CurvePlot* p = plots_.value(metric))
        p->appendPoints(run, label, points);
}

void MetricsDashboard::removeRun(const QString& run) {
    for (CurvePlot* p : plots_)
        p->removeRun(run);
}

void MetricsDashboard::clear() {
    for (CurvePlot* p : plots_)
        p->clear();
}

QStringList MetricsDashboard::exportAll(const QString& dir) {
    QStringList written;
    QDir().mkpath(dir);
    for (auto it = plots_.begin(); it != plots_.end(); ++it) {
        QString base = QDir(dir).filePath(it.key());
        if (it.value()->exportPng(base + ".png"))
            written << base + ".png";
        if (it.value()->exportCsv(base + ".csv"))
            written << base + ".csv";
    }
    return written;
}

}  // namespace rgpb::widgets
