#include "widgets/GradientLabMeasured.h"

#include <qcustomplot.h>

#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QGridLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QSpinBox>
#include <QTableWidget>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

#include "widgets/PlotExport.h"

namespace rgpb::widgets {
namespace {

constexpr int kBins = 20;

QString pct(double v) {
    return std::isfinite(v) ? QString::number(100.0 * v, 'g', 3) + "%" : "-";
}

// The verdict's rule, as the table and its note state it.
QString tolerances() {
    return QString(
               "A case passes when its median |gap| < %1 or its median relative gap < %2 "
               "(a large relative gap on a tiny coefficient is no failure).")
        .arg(kGapAbsTolerance)
        .arg(pct(kGapRelTolerance));
}

QString num(double v) {
    return std::isfinite(v) ? QString::number(v, 'g', 4) : "-";
}

// Histogram bins of the finite values: (lower edges, counts, width).
struct Histogram {
    QVector<double> lower, counts;
    double width = 1;
};

Histogram histogram(const QVector<double>& values) {
    Histogram h;
    if (values.isEmpty())
        return h;
    auto [lo_it, hi_it] = std::minmax_element(values.begin(), values.end());
    double lo = *lo_it, hi = *hi_it;
    if (hi - lo < 1e-9) {
        lo -= 0.5;
        hi += 0.5;
    }
    h.width = (hi - lo) / kBins;
    h.counts = QVector<double>(kBins, 0.0);
    for (int i = 0; i < kBins; ++i)
        h.lower.push_back(lo + i * h.width);
    for (double v : values) {
        int b = std::min(kBins - 1, static_cast<int>((v - lo) / h.width));
        h.counts[b] += 1;
    }
    return h;
}

QVector<double> finiteInfo(const GradientMeasureResult& r) {
    QVector<double> v;
    for (const InfoDiffRow& row : r.info)
        if (std::isfinite(row.log10_info_diff))
            v.push_back(row.log10_info_diff);
    return v;
}

}  // namespace

GradientLabMeasured::GradientLabMeasured(QWidget* parent) : QWidget(parent) {
    createInputs();
    buildResultTable();
    auto* left = new QVBoxLayout;
    left->addWidget(buildForm());
    auto* norm_row = new QFormLayout;
    norm_row->addRow("box plot norm", norm_);
    left->addLayout(norm_row);
    left->addStretch(1);
    auto* root = new QHBoxLayout(this);
    root->addLayout(left);
    root->addLayout(buildPlotGrid(), 1);

    setUpPlots();
    connectControls();
}

// The measurement's fields, buttons, progress and verdict (laid out by buildForm()).
void GradientLabMeasured::createInputs() {
    model_ = new QLineEdit;
    model_->setPlaceholderText("runs/<id> or runs/<id>/checkpoints/step-N");
    data_ = new QLineEdit("synthetic");
    data_->setPlaceholderText("pair file, or synthetic / context-contrast / response-contrast");
    format_ = new QComboBox;
    format_->addItems({"auto", "hh", "trl", "contrast", "causal-dialogue", "synthetic"});
    method_ = new QComboBox;
    method_->addItem("run's last stage", "");
    for (const char* m : {"exmate", "dpo", "ul", "mle"})
        method_->addItem(m, m);
    beta_ = new QDoubleSpinBox;
    beta_->setRange(0.0, 100.0);
    beta_->setDecimals(3);
    beta_->setSingleStep(0.05);
    beta_->setSpecialValueText("run's");
    beta_->setValue(0.0);
    steps_ = new QSpinBox;
    steps_->setRange(1, 64);
    steps_->setValue(3);
    max_pairs_ = new QSpinBox;
    max_pairs_->setRange(0, 1000000);
    max_pairs_->setValue(200);
    max_pairs_->setSpecialValueText("all");
    norm_ = new QComboBox;
    norm_->addItems({"L1", "L2"});
    verdict_ = new QLabel("No measurement yet.");
    verdict_->setWordWrap(true);
    verdict_->setStyleSheet("font-weight: bold;");
}

QWidget* GradientLabMeasured::pathPicker(QLineEdit* edit, bool dir, QWidget* owner) {
    auto* b = new QPushButton("\u2026");
    b->setMaximumWidth(28);
    QObject::connect(b, &QPushButton::clicked, owner, [owner, edit, dir] {
        QString p =
            dir ? QFileDialog::getExistingDirectory(owner, "Run or checkpoint folder", edit->text())
                : QFileDialog::getOpenFileName(owner, "Pair data file", edit->text());
        if (!p.isEmpty())
            edit->setText(p);
    });
    auto* w = new QWidget;
    auto* h = new QHBoxLayout(w);
    h->setContentsMargins(0, 0, 0, 0);
    h->addWidget(edit, 1);
    h->addWidget(b);
    return w;
}

QGroupBox* GradientLabMeasured::buildForm() {
    auto browse = [this](QLineEdit* edit, bool dir) { return pathPicker(edit, dir, this); };

    auto* form_box = new QGroupBox("Measurement");
    auto* form = new QFormLayout(form_box);
    form->addRow("run", browse(model_, true));
    form->addRow("data", browse(data_, false));
    form->addRow("format", format_);
    form->addRow("method", method_);
    form->addRow("beta", beta_);
    form->addRow("steps K", steps_);
    form->addRow("max pairs", max_pairs_);
    job_.addRows(form);
    form_box->setMaximumWidth(340);
    return form_box;
}

void GradientLabMeasured::buildResultTable() {
    table_ = new QTableWidget(0, 8);
    // Medians over the steps of each case, except "max |gap|".
    table_->setHorizontalHeaderLabels(
        {"case", "steps", "exact", "approx", "|gap|", "max |gap|", "rel. gap", "passes"});
    table_->horizontalHeader()->setSectionResizeMode(QHeaderView::Stretch);
    table_->horizontalHeader()->setSectionResizeMode(0, QHeaderView::ResizeToContents);
    table_->horizontalHeader()->setSectionResizeMode(1, QHeaderView::ResizeToContents);
    table_->verticalHeader()->setVisible(false);
    table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    table_->setToolTip(
        "Exact: autograd of the objective on the logits at the step, both contexts combined, "
        "per token. Approx: the paper's coefficient (spec.md 4.1 / 4.2) from the same P+, P-, "
        "u and epsilon. Columns are medians over the case's steps, except max |gap|. See "
        "docs/gradlab.md.\n" +
        tolerances());
}

// The three plots and, beside the box plot, the verdict over the coefficient table.
QGridLayout* GradientLabMeasured::buildPlotGrid() {
    for (auto& p : plots_)
        p = new QCustomPlot;
    auto* grid = new QGridLayout;
    grid->addWidget(framed(Plot::Histogram, "log10 |f+ - f-| over pairs", "info_diff_hist"), 0, 0);
    grid->addWidget(framed(Plot::Scatter, "log10 |f+ - f-| vs length", "info_diff_scatter"), 0, 1);
    auto* boxes = framed(Plot::Boxes, "||P+ - P-|| per response step", "grad_diff_boxes");
    grid->addWidget(boxes, 1, 0);
    auto* right_bottom = new QVBoxLayout;
    right_bottom->addWidget(verdict_);
    right_bottom->addWidget(
        new QLabel("Exact vs approximate coefficients (medians over steps; docs/gradlab.md):"));
    right_bottom->addWidget(table_, 1);
    auto* tolerance = new QLabel(tolerances());
    tolerance->setObjectName("tolerances");
    tolerance->setWordWrap(true);
    right_bottom->addWidget(tolerance);
    grid->addLayout(right_bottom, 1, 1);
    return grid;
}

void GradientLabMeasured::setUpPlots() {
    QCustomPlot* h = plot(Plot::Histogram);
    auto* bars = new QCPBars(h->xAxis, h->yAxis);
    bars->setBrush(QColor(31, 119, 180, 170));
    bars->setPen(QPen(QColor(31, 119, 180)));
    h->xAxis->setLabel("log10 |f+ - f-|");
    h->yAxis->setLabel("pairs");
    QCustomPlot* s = plot(Plot::Scatter);
    QCPGraph* g = s->addGraph();
    g->setLineStyle(QCPGraph::lsNone);
    g->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, QColor(31, 119, 180, 150),
                                       QColor(31, 119, 180, 150), 5));
    s->xAxis->setLabel("response length (tokens, mean of T+ and T-)");
    s->yAxis->setLabel("log10 |f+ - f-|");
    QCustomPlot* b = plot(Plot::Boxes);
    auto* box = new QCPStatisticalBox(b->xAxis, b->yAxis);
    box->setBrush(QColor(44, 160, 44, 120));
    b->xAxis->setLabel("response step t");
    b->yAxis->setLabel("||P+ - P-||_1");
}

void GradientLabMeasured::connectControls() {
    connect(job_.start(), &QPushButton::clicked, this,
            [this] { Q_EMIT measureRequested(request()); });
    connect(job_.cancel(), &QPushButton::clicked, this, [this] { Q_EMIT cancelRequested(); });
    connect(norm_, QOverload<int>::of(&QComboBox::currentIndexChanged), this,
            [this] { redrawBoxes(); });
}

QWidget* GradientLabMeasured::framed(Plot which, const QString& title, const QString& base_name) {
    return framedPlot(title, base_name, plot(which),
                      [this, which](const QString& path) { return exportCsv(which, path); });
}

QCustomPlot* GradientLabMeasured::plot(Plot which) const {
    return plots_[static_cast<int>(which)];
}

GradientMeasureRequest GradientLabMeasured::request() const {
    GradientMeasureRequest r;
    r.model_path = model_->text().trimmed().toStdString();
    r.data_path = data_->text().trimmed().toStdString();
    r.format = format_->currentText().toStdString();
    r.method = method_->currentData().toString().toStdString();
    r.beta = beta_->value();
    r.steps = steps_->value();
    r.max_pairs = static_cast<std::size_t>(max_pairs_->value());
    return r;
}

void GradientLabMeasured::setRequest(const GradientMeasureRequest& r) {
    model_->setText(QString::fromStdString(r.model_path));
    data_->setText(QString::fromStdString(r.data_path));
    int f = format_->findText(QString::fromStdString(r.format));
    format_->setCurrentIndex(f >= 0 ? f : 0);
    int m = method_->findData(QString::fromStdString(r.method));
    method_->setCurrentIndex(m >= 0 ? m : 0);
    beta_->setValue(r.beta > 0 ? r.beta : 0.0);
    steps_->setValue(r.steps);
    max_pairs_->setValue(static_cast<int>(r.max_pairs));
}

void GradientLabMeasured::setRunning(bool running) {
    job_.setRunning(running);
}

void GradientLabMeasured::setProgress(qint64 done, qint64 total) {
    job_.setProgress(done, total);
}

void GradientLabMeasured::showError(const QString& message) {
    job_.showError(message);
}

QString GradientLabMeasured::verdict() const {
    return verdict_->text();
}

void GradientLabMeasured::setNorm(bool l2) {
    norm_->setCurrentIndex(l2 ? 1 : 0);
}

void GradientLabMeasured::showResult(const GradientMeasureResult& r) {
    result_ = r;
    job_.finished();
    job_.setStatus(QString("%1 pairs of %2, %3 (beta %4), %5 distinct and %6 shared steps")
                       .arg(r.pairs)
                       .arg(QString::fromStdString(r.data), QString::fromStdString(r.method))
                       .arg(r.beta)
                       .arg(r.distinct_steps)
                       .arg(r.shared_steps));
    verdict_->setText(QString::fromStdString(r.verdict) +
                      QString("\nmedian log10 |f+ - f-| = %1 (%2 identical pairs)")
                          .arg(num(r.info_diff_log10_median))
                          .arg(r.info_diff_identical));

    const QVector<double> info = finiteInfo(r);
    Histogram hist = histogram(info);
    QCustomPlot* h = plot(Plot::Histogram);
    auto* bars = qobject_cast<QCPBars*>(h->plottable(0));
    QVector<double> centers;
    for (double lo : hist.lower)
        centers.push_back(lo + 0.5 * hist.width);
    bars->setWidth(hist.width);
    bars->setData(centers, hist.counts, true);
    h->rescaleAxes();
    h->yAxis->setRangeLower(0);
    h->replot();

    QVector<double> x, y;
    for (const InfoDiffRow& row : r.info) {
        if (!std::isfinite(row.log10_info_diff))
            continue;
        x.push_back(0.5 * (row.t_pos + row.t_neg));
        y.push_back(row.log10_info_diff);
    }
    QCustomPlot* s = plot(Plot::Scatter);
    s->graph(0)->setData(x, y);
    s->rescaleAxes();
    s->xAxis->scaleRange(1.1);
    s->yAxis->scaleRange(1.1);
    s->replot();

    redrawBoxes();

    table_->setRowCount(0);
    for (const GapSummary& g : r.gaps) {
        int row = table_->rowCount();
        table_->insertRow(row);
        QStringList cells = {
            QString::fromStdString(g.name), QString::number(g.count),   num(g.median_exact),
            num(g.median_approx),           num(g.median_abs_gap),      num(g.max_abs_gap),
            pct(g.median_rel_gap),          gapPasses(g) ? "yes" : "no"};
        for (int c = 0; c < cells.size(); ++c)
            table_->setItem(row, c, new QTableWidgetItem(cells[c]));
    }
}

void GradientLabMeasured::redrawBoxes() {
    const bool l2 = norm_->currentIndex() == 1;
    const std::vector<BoxStats>& stats = l2 ? result_.grad_l2 : result_.grad_l1;
    QCustomPlot* b = plot(Plot::Boxes);
    auto* box = qobject_cast<QCPStatisticalBox*>(b->plottable(0));
    box->data()->clear();
    for (std::size_t t = 0; t < stats.size(); ++t) {
        const BoxStats& s = stats[t];
        if (s.count == 0)
            continue;
        box->addData(static_cast<double>(t + 1), s.min, s.q1, s.median, s.q3, s.max);
    }
    b->yAxis->setLabel(l2 ? "||P+ - P-||_2" : "||P+ - P-||_1");
    b->rescaleAxes();
    b->xAxis->setRange(0.4, std::max<double>(1.0, static_cast<double>(stats.size())) + 0.6);
    b->yAxis->setRangeLower(0);
    b->yAxis->setRangeUpper(std::max(1e-9, b->yAxis->range().upper * 1.1));
    QSharedPointer<QCPAxisTickerFixed> ticker(new QCPAxisTickerFixed);
    ticker->setTickStep(1.0);
    b->xAxis->setTicker(ticker);
    b->replot();
}

bool GradientLabMeasured::exportPng(Plot which, const QString& path) {
    return exportPlotPng(plot(which), path);
}

bool GradientLabMeasured::exportCsv(Plot which, const QString& path) const {
    CsvTable t;
    switch (which) {
        case Plot::Histogram: {
            t.columns = {"bin_low", "bin_high", "pairs"};
            Histogram h = histogram(finiteInfo(result_));
            for (int i = 0; i < h.lower.size(); ++i)
                t.rows.push_back({csvNumber(h.lower[i]), csvNumber(h.lower[i] + h.width),
                                  csvNumber(h.counts[i])});
            break;
        }
        case Plot::Scatter:
            t.columns = {"pair", "t_pos", "t_neg", "mean_length", "log10_info_diff"};
            for (const InfoDiffRow& r : result_.info)
                t.rows.push_back({QString::number(r.pair), csvNumber(r.t_pos), csvNumber(r.t_neg),
                                  csvNumber(0.5 * (r.t_pos + r.t_neg)),
                                  csvNumber(r.log10_info_diff)});
            break;
        case Plot::Boxes: {
            // Long form: the five-number summary (and mean, count) per step and norm, then
            // every raw value (statistic "value", with its pair).
            t.columns = {"step", "norm", "statistic", "pair", "value"};
            for (int n = 0; n < 2; ++n) {
                const std::vector<BoxStats>& stats = n == 0 ? result_.grad_l1 : result_.grad_l2;
                const QString norm = n == 0 ? "l1" : "l2";
                for (std::size_t s = 0; s < stats.size(); ++s) {
                    const BoxStats& b = stats[s];
                    const QString step = QString::number(s + 1);
                    const std::pair<const char*, double> items[] = {
                        {"count", static_cast<double>(b.count)},
                        {"min", b.min},
                        {"q1", b.q1},
                        {"median", b.median},
                        {"q3", b.q3},
                        {"max", b.max},
                        {"mean", b.mean}};
                    for (const auto& [name, v] : items)
                        t.rows.push_back({step, norm, name, "", csvNumber(v)});
                }
            }
            for (const GradDiffRow& g : result_.grad) {
                t.rows.push_back({QString::number(g.step), "l1", "value", QString::number(g.pair),
                                  csvNumber(g.l1)});
                t.rows.push_back({QString::number(g.step), "l2", "value", QString::number(g.pair),
                                  csvNumber(g.l2)});
            }
            break;
        }
    }
    return writeCsv(path, t);
}

}  // namespace rgpb::widgets
