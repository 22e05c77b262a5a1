// The diagnostics view's three plots over a run's evaluations (negative-example weights as a
// heat strip, likelihood displacement, positive vs negative gradient) and their CSV tables.
#include <qcustomplot.h>

#include <QComboBox>

#include <algorithm>
#include <cmath>
#include <limits>

#include "widgets/DiagnosticsView.h"

namespace rgpb::widgets {

namespace {

constexpr int kWeightBins = 30;
const QColor kChosen(31, 119, 180);
const QColor kRejected(214, 39, 40);
const QColor kCosine(44, 160, 44);

const WeightDistribution* termOf(const DiagnosticsRow& row, const QString& term) {
    for (const WeightDistribution& w : row.weights)
        if (QString::fromStdString(w.term) == term)
            return &w;
    return nullptr;
}

const GradientGroup* allGroup(const DiagnosticsRow& row) {
    for (const GradientGroup& g : row.gradients)
        if (g.name == "all")
            return &g;
    return nullptr;
}

// A vertical line at x (the picked evaluation, a stage boundary).
void verticalLine(QCustomPlot* plot, double x, const QPen& pen) {
    auto* line = new QCPItemStraightLine(plot);
    line->point1->setTypeY(QCPItemPosition::ptAxisRectRatio);  // a log axis has no y = 0
    line->point2->setTypeY(QCPItemPosition::ptAxisRectRatio);
    line->point1->setCoords(x, 0);
    line->point2->setCoords(x, 1);
    line->setPen(pen);
}

// A message in the middle of an empty plot.
void emptyMessage(QCustomPlot* plot, const QString& text) {
    auto* label = new QCPItemText(plot);
    label->position->setType(QCPItemPosition::ptAxisRectRatio);
    label->position->setCoords(0.5, 0.5);
    label->setText(text);
    label->setColor(Qt::darkGray);
}

void resetPlot(QCustomPlot* plot) {
    plot->clearItems();
    plot->clearGraphs();
}

}  // namespace

void DiagnosticsView::setUpPlots() {
    QCustomPlot* w = weight_plot_;
    weight_map_ = new QCPColorMap(w->xAxis, w->yAxis);
    QCPColorGradient g;  // white (no pair) to dark blue (every pair)
    g.clearColorStops();
    g.setColorStopAt(0.0, QColor(255, 255, 255));
    g.setColorStopAt(0.3, QColor(158, 202, 225));
    g.setColorStopAt(1.0, QColor(8, 48, 107));
    QCPColorScale* scale = addColorScale(w, weight_map_, g);
    scale->setLabel("share of eval pairs");
    auto* margins = new QCPMarginGroup(w);
    w->axisRect()->setMarginGroup(QCP::msBottom | QCP::msTop, margins);
    scale->setMarginGroup(QCP::msBottom | QCP::msTop, margins);
    w->xAxis->setLabel("evaluation (step)");
    w->yAxis->setLabel("weight (log scale)");

    displacement_plot_->xAxis->setLabel("step");
    displacement_plot_->yAxis->setLabel("displaced eval pairs (%)");
    displacement_plot_->yAxis->setRange(0, 100);

    gradient_plot_->xAxis->setLabel("step");
    gradient_plot_->yAxis->setLabel("gradient norm (all parameters)");
    setReadableLogScale(gradient_plot_->yAxis);
    gradient_plot_->yAxis2->setVisible(true);
    gradient_plot_->yAxis2->setLabel("cosine(g+, g-)");
    gradient_plot_->yAxis2->setRange(-1.05, 1.05);
    gradient_plot_->legend->setVisible(true);
    gradient_plot_->legend->setFont(font());
}

void DiagnosticsView::drawWeights() {
    QCustomPlot* plot = weight_plot_;
    plot->clearItems();
    plot->clearGraphs();
    QCPColorMapData* data = weight_map_->data();
    const Run* run = current();
    const QString term = term_->currentText();
    std::vector<const DiagnosticsRow*> rows;  // the evaluations with this term
    if (run)
        for (const DiagnosticsRow& row : run->rows)
            if (termOf(row, term))
                rows.push_back(&row);
    if (rows.empty()) {
        data->setSize(1, 1);
        data->fill(std::numeric_limits<double>::quiet_NaN());
        emptyMessage(plot, !run ? "no run"
                           : !run->problem.isEmpty()
                               ? "diagnostics unreadable (see above)"
                               : "no penalising term in this run's objective (MLE or LM stages)");
        plot->replot();
        return;
    }
    double lo = std::numeric_limits<double>::infinity(), hi = -lo;
    for (const DiagnosticsRow* row : rows)
        for (double v : termOf(*row, term)->values)
            if (v > 0 && std::isfinite(v)) {
                lo = std::min(lo, std::log10(v));
                hi = std::max(hi, std::log10(v));
            }
    if (!std::isfinite(lo)) {
        lo = -1;
        hi = 0;
    }
    lo = std::floor(lo * 4) / 4;
    hi = std::max(std::ceil(hi * 4) / 4, lo + 0.25);
    const double bin = (hi - lo) / kWeightBins;
    const int columns = int(rows.size());
    data->setSize(columns, kWeightBins);
    data->setRange(QCPRange(0, std::max(1, columns - 1)), QCPRange(lo + bin / 2, hi - bin / 2));
    auto* median = plot->addGraph();
    median->setPen(QPen(kRejected, 2));
    median->setName("median");
    auto ticker = QSharedPointer<QCPAxisTickerText>::create();
    const int label_every = std::max(1, columns / 8);
    int picked = -1;
    for (int c = 0; c < columns; ++c) {
        const WeightDistribution& w = *termOf(*rows[std::size_t(c)], term);
        std::vector<int> counts(kWeightBins, 0);
        int n = 0;
        for (double v : w.values) {
            if (!(v > 0) || !std::isfinite(v))
                continue;
            const int b = std::clamp(int((std::log10(v) - lo) / bin), 0, kWeightBins - 1);
            ++counts[std::size_t(b)];
            ++n;
        }
        for (int b = 0; b < kWeightBins; ++b)
            data->setCell(c, b, n > 0 ? double(counts[std::size_t(b)]) / n : 0.0);
        if (w.median > 0 && std::isfinite(w.median))
            median->addData(c, std::log10(w.median));
        if (c % label_every == 0 || c == columns - 1)
            ticker->addTick(c, QString::number(rows[std::size_t(c)]->step));
        if (rows[std::size_t(c)]->step == currentStep())
            picked = c;
    }
    if (columns == 1)  // one column: QCustomPlot needs a range, draw it one cell wide
        data->setRange(QCPRange(-0.5, 0.5), data->valueRange());
    plot->xAxis->setTicker(ticker);
    plot->xAxis->setRange(-0.5, columns - 0.5);
    auto yticks = QSharedPointer<QCPAxisTickerText>::create();
    for (int k = int(std::ceil(lo)); k <= int(std::floor(hi)); ++k)
        yticks->addTick(k, QString::number(std::pow(10.0, k), 'g', 3));
    if (int(std::floor(hi)) < int(std::ceil(lo)))  // less than a decade: both ends
        for (double k : {lo, hi})
            yticks->addTick(k, QString::number(std::pow(10.0, k), 'g', 3));
    plot->yAxis->setTicker(yticks);
    plot->yAxis->setRange(lo, hi);
    weight_map_->setDataRange(QCPRange(0, 1));
    if (picked >= 0)
        verticalLine(plot, picked, QPen(Qt::black, 1, Qt::DashLine));
    plot->replot();
}

void DiagnosticsView::drawDisplacement() {
    QCustomPlot* plot = displacement_plot_;
    resetPlot(plot);
    const Run* run = current();
    if (!run || run->rows.empty()) {
        emptyMessage(plot, "no run");
        plot->replot();
        return;
    }
    auto* share = plot->addGraph();
    share->setPen(QPen(kChosen, 2));
    share->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCircle, 4));
    share->setName("displaced share");
    auto* alerts = plot->addGraph();
    alerts->setLineStyle(QCPGraph::lsNone);
    alerts->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssTriangle, kRejected, kRejected, 9));
    alerts->setName("alert");
    double threshold = run->rows.back().displacement.threshold;
    int last_stage = run->rows.front().stage;
    for (const DiagnosticsRow& row : run->rows) {
        share->addData(double(row.step), 100.0 * row.displacement.share);
        if (row.displacement.alert)
            alerts->addData(double(row.step), 100.0 * row.displacement.share);
        if (row.stage != last_stage)  // the stage boundary: displacement restarts from 0
            verticalLine(plot, double(row.step), QPen(Qt::gray, 1, Qt::DotLine));
        last_stage = row.stage;
    }
    auto* line = new QCPItemStraightLine(plot);
    line->point1->setCoords(0, 100.0 * threshold);
    line->point2->setCoords(1, 100.0 * threshold);
    line->setPen(QPen(kRejected, 1, Qt::DashLine));
    auto* label = new QCPItemText(plot);
    label->position->setCoords(double(run->rows.front().step), 100.0 * threshold);
    label->setPositionAlignment(Qt::AlignLeft | Qt::AlignBottom);
    label->setText(QString("alert at %1%").arg(100.0 * threshold, 0, 'f', 0));
    label->setColor(kRejected);
    if (currentStep() >= 0)
        verticalLine(plot, double(currentStep()), QPen(Qt::black, 1, Qt::DashLine));
    const double x0 = double(run->rows.front().step), x1 = double(run->rows.back().step);
    plot->xAxis->setRange(x0 - 0.5 - 0.02 * (x1 - x0), x1 + 0.5 + 0.02 * (x1 - x0));
    plot->yAxis->setRange(0, 100);
    plot->replot();
}

void DiagnosticsView::drawGradients() {
    QCustomPlot* plot = gradient_plot_;
    resetPlot(plot);
    const Run* run = current();
    bool any = false;
    if (run)
        for (const DiagnosticsRow& row : run->rows)
            any = any || allGroup(row) != nullptr;
    if (!any) {
        emptyMessage(plot, !run                      ? "no run"
                           : !run->problem.isEmpty() ? "diagnostics unreadable (see above)"
                                                     : "no negative side in this run's objective");
        plot->replot();
        return;
    }
    auto* pos = plot->addGraph();
    pos->setPen(QPen(kChosen, 2));
    pos->setName("|g+| positive side");
    auto* neg = plot->addGraph();
    neg->setPen(QPen(kRejected, 2));
    neg->setName("|g-| negative side");
    auto* cosine = plot->addGraph(plot->xAxis, plot->yAxis2);
    cosine->setPen(QPen(kCosine, 1.5, Qt::DashLine));
    cosine->setName("cosine (right axis)");
    for (QCPGraph* g : {pos, neg, cosine})
        g->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCircle, 4));
    double lo = std::numeric_limits<double>::infinity(), hi = 0;
    for (const DiagnosticsRow& row : run->rows) {
        const GradientGroup* g = allGroup(row);
        if (!g)
            continue;
        for (auto [graph, v] : {std::pair{pos, g->pos_norm}, std::pair{neg, g->neg_norm}}) {
            if (v > 0 && std::isfinite(v)) {
                graph->addData(double(row.step), v);
                lo = std::min(lo, v);
                hi = std::max(hi, v);
            }
        }
        if (std::isfinite(g->cosine))
            cosine->addData(double(row.step), g->cosine);
    }
    if (currentStep() >= 0)
        verticalLine(plot, double(currentStep()), QPen(Qt::black, 1, Qt::DashLine));
    plot->xAxis->rescale();
    const QCPRange x = plot->xAxis->range();
    plot->xAxis->setRange(x.lower - 0.5 - 0.02 * x.size(), x.upper + 0.5 + 0.02 * x.size());
    if (std::isfinite(lo))
        plot->yAxis->setRange(lo / 1.5, hi * 1.5);
    plot->replot();
}

CsvTable DiagnosticsView::weightsCsv() const {
    CsvTable csv;
    csv.columns = {"step", "stage", "term", "formula", "pair", "weight"};
    if (const Run* run = current())
        for (const DiagnosticsRow& row : run->rows)
            for (const WeightDistribution& w : row.weights)
                for (std::size_t i = 0; i < w.values.size(); ++i)
                    csv.rows.append({QString::number(row.step), QString::number(row.stage),
                                     csvText(QString::fromStdString(w.term)),
                                     csvText(QString::fromStdString(w.formula)), QString::number(i),
                                     csvNumber(w.values[i])});
    return csv;
}

CsvTable DiagnosticsView::displacementCsv() const {
    CsvTable csv;
    csv.columns = {"step", "stage", "share", "displaced_pairs", "threshold", "alert"};
    if (const Run* run = current())
        for (const DiagnosticsRow& row : run->rows) {
            const DisplacementInfo& d = row.displacement;
            csv.rows.append({QString::number(row.step), QString::number(row.stage),
                             csvNumber(d.share), QString::number(d.pairs), csvNumber(d.threshold),
                             d.alert ? "1" : "0"});
        }
    return csv;
}

CsvTable DiagnosticsView::gradientCsv() const {
    CsvTable csv;
    csv.columns = {"step", "stage", "group", "pos_norm", "neg_norm", "cosine", "probe_pairs"};
    if (const Run* run = current())
        for (const DiagnosticsRow& row : run->rows)
            for (const GradientGroup& g : row.gradients)
                csv.rows.append({QString::number(row.step), QString::number(row.stage),
                                 csvText(QString::fromStdString(g.name)), csvNumber(g.pos_norm),
                                 csvNumber(g.neg_norm), csvNumber(g.cosine),
                                 QString::number(row.probe_pairs)});
    return csv;
}

}  // namespace rgpb::widgets
