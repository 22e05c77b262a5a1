#include "widgets/GradientLabReplay.h"

#include <qcustomplot.h>

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QGridLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

#include "widgets/GradientLabMeasured.h"
#include "widgets/PlotExport.h"

namespace rgpb::widgets {
namespace {

const char* const kReplayMethods[4] = {"mle", "dpo", "ul", "exmate"};

QColor methodColor(const std::string& m) {
    if (m == "mle")
        return QColor(127, 127, 127);
    if (m == "dpo")
        return QColor(31, 119, 180);
    if (m == "ul")
        return QColor(214, 39, 40);
    return QColor(44, 160, 44);  // exmate
}

// "1e-4,1e-3" -> {1e-4, 1e-3}; empty when any item is not a number.
std::vector<double> parseLrs(const QString& text) {
    std::vector<double> out;
    for (const QString& item : text.split(',', Qt::SkipEmptyParts)) {
        bool ok = false;
        const double v = item.trimmed().toDouble(&ok);
        if (!ok)
            return {};
        out.push_back(v);
    }
    return out;
}

QString lrText(double lr) {
    return QString::number(lr, 'g', 6);
}

}  // namespace

GradientLabReplay::GradientLabReplay(QWidget* parent) : QWidget(parent) {
    for (auto& p : plots_)
        p = new QCustomPlot;
    auto* grid = new QGridLayout;
    grid->addWidget(framed(Plot::Norms, "gradient norm per layer group", "replay_norms"), 0, 0);
    grid->addWidget(
        framed(Plot::Cosines, "cosine between the methods' gradients", "replay_cosines"), 0, 1);
    auto* effects_box = new QVBoxLayout;
    lr_choice_ = new QComboBox;
    auto* lr_row = new QHBoxLayout;
    lr_row->addWidget(new QLabel("step of lr"));
    lr_row->addWidget(lr_choice_);
    lr_row->addStretch(1);
    effects_box->addLayout(lr_row);
    effects_box->addWidget(
        framed(Plot::Effects, "change of S+ (discs) and S- (crosses): first order vs actual",
               "replay_effects"),
        1);
    grid->addLayout(effects_box, 1, 0, 1, 2);
    auto* root = new QHBoxLayout(this);
    root->addWidget(buildForm());
    root->addLayout(grid, 1);
    setUpPlots();

    connect(job_.start(), &QPushButton::clicked, this,
            [this] { Q_EMIT replayRequested(request()); });
    connect(job_.cancel(), &QPushButton::clicked, this, [this] { Q_EMIT cancelRequested(); });
    connect(lr_choice_, QOverload<int>::of(&QComboBox::currentIndexChanged), this,
            [this] { redrawEffects(); });
}

QWidget* GradientLabReplay::buildForm() {
    model_ = new QLineEdit;
    model_->setPlaceholderText("runs/<id> or runs/<id>/checkpoints/step-N");
    reference_ = new QLineEdit;
    reference_->setPlaceholderText("DPO reference: the checkpoint itself");
    data_ = new QLineEdit("synthetic");
    data_->setPlaceholderText("pair file, or synthetic / context-contrast / response-contrast");
    format_ = new QComboBox;
    format_->addItems({"auto", "hh", "trl", "contrast", "causal-dialogue", "synthetic"});
    auto* method_row = new QHBoxLayout;
    for (int i = 0; i < 4; ++i) {
        methods_[i] = new QCheckBox(kReplayMethods[i]);
        methods_[i]->setChecked(true);
        method_row->addWidget(methods_[i]);
    }
    beta_ = new QDoubleSpinBox;
    beta_->setRange(0.001, 100.0);
    beta_->setDecimals(3);
    beta_->setSingleStep(0.05);
    beta_->setValue(0.1);
    lrs_ = new QLineEdit("1e-4,1e-3,1e-2");
    lrs_->setToolTip("learning rates of the SGD step, comma separated");
    pairs_ = new QSpinBox;
    pairs_->setRange(0, 100000);
    pairs_->setValue(16);
    pairs_->setSpecialValueText("all");
    job_.setStatus("No replay yet.");

    auto* box = new QGroupBox("Replay");
    auto* form = new QFormLayout(box);
    form->addRow("run", GradientLabMeasured::pathPicker(model_, true, this));
    form->addRow("reference", GradientLabMeasured::pathPicker(reference_, true, this));
    form->addRow("data", GradientLabMeasured::pathPicker(data_, false, this));
    form->addRow("format", format_);
    form->addRow("methods", method_row);
    form->addRow("beta", beta_);
    form->addRow("lr", lrs_);
    form->addRow("pairs", pairs_);
    job_.addRows(form);
    box->setMaximumWidth(360);
    auto* column = new QWidget;
    auto* v = new QVBoxLayout(column);
    v->setContentsMargins(0, 0, 0, 0);
    v->addWidget(box);
    v->addStretch(1);
    return column;
}

void GradientLabReplay::setUpPlots() {
    QCustomPlot* n = plot(Plot::Norms);
    n->yAxis->setLabel("||g||_2 (legend: all parameters)");
    n->legend->setVisible(true);
    n->legend->setFont(QFont(n->font().family(), 8));
    // One legend row at the top, above the bars (showResult leaves room for it).
    n->legend->setFillOrder(QCPLayoutGrid::foColumnsFirst);
    n->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignTop | Qt::AlignHCenter);

    QCustomPlot* c = plot(Plot::Cosines);
    auto* map = new QCPColorMap(c->xAxis, c->yAxis);
    addDivergingScale(c, map, QColor(200, 200, 200));
    map->setDataRange(QCPRange(-1, 1));
    c->yAxis->setRangeReversed(true);

    QCustomPlot* e = plot(Plot::Effects);
    e->xAxis->setLabel("predicted dS = -lr g . grad S");
    e->yAxis->setLabel("actual dS after the step");
    e->legend->setVisible(true);
    e->legend->setFont(QFont(e->font().family(), 8));
    e->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignTop | Qt::AlignLeft);
}

QWidget* GradientLabReplay::framed(Plot which, const QString& title, const QString& base_name) {
    return framedPlot(title, base_name, plot(which),
                      [this, which](const QString& path) { return exportCsv(which, path); });
}

QCustomPlot* GradientLabReplay::plot(Plot which) const {
    return plots_[static_cast<int>(which)];
}

int GradientLabReplay::shownValues(Plot which) const {
    QCustomPlot* p = plot(which);
    int n = 0;
    switch (which) {
        case Plot::Norms:
            for (int i = 0; i < p->plottableCount(); ++i)
                if (auto* bars = qobject_cast<QCPBars*>(p->plottable(i)))
                    n += bars->data()->size();
            break;
        case Plot::Cosines: {
            auto* map = qobject_cast<QCPColorMap*>(p->plottable(0));
            for (int a = 0; a < map->data()->keySize(); ++a)
                for (int b = 0; b < map->data()->valueSize(); ++b)
                    n += std::isfinite(map->data()->cell(a, b)) ? 1 : 0;
            break;
        }
        case Plot::Effects:
            for (int i = 0; i + 1 < p->graphCount(); ++i)  // the last graph is y = x
                n += p->graph(i)->data()->size();
            break;
    }
    return n;
}

QString GradientLabReplay::status() const {
    return job_.status()->text();
}

GradientReplayRequest GradientLabReplay::request() const {
    GradientReplayRequest r;
    r.model_path = model_->text().trimmed().toStdString();
    r.reference_path = reference_->text().trimmed().toStdString();
    r.data_path = data_->text().trimmed().toStdString();
    r.format = format_->currentText().toStdString();
    r.methods.clear();
    for (int i = 0; i < 4; ++i)
        if (methods_[i]->isChecked())
            r.methods.push_back(kReplayMethods[i]);
    r.beta = beta_->value();
    r.lrs = parseLrs(lrs_->text());
    r.max_pairs = static_cast<std::size_t>(pairs_->value());
    return r;
}

void GradientLabReplay::setRequest(const GradientReplayRequest& r) {
    model_->setText(QString::fromStdString(r.model_path));
    reference_->setText(QString::fromStdString(r.reference_path));
    data_->setText(QString::fromStdString(r.data_path));
    const int f = format_->findText(QString::fromStdString(r.format));
    format_->setCurrentIndex(f >= 0 ? f : 0);
    for (int i = 0; i < 4; ++i)
        methods_[i]->setChecked(std::find(r.methods.begin(), r.methods.end(), kReplayMethods[i]) !=
                                r.methods.end());
    beta_->setValue(r.beta);
    QStringList lrs;
    for (double lr : r.lrs)
        lrs << lrText(lr);
    lrs_->setText(lrs.join(","));
    pairs_->setValue(static_cast<int>(r.max_pairs));
}

void GradientLabReplay::setRunning(bool running) {
    job_.setRunning(running);
}

void GradientLabReplay::setProgress(qint64 done, qint64 total) {
    job_.setProgress(done, total);
}

void GradientLabReplay::showError(const QString& message) {
    job_.showError(message);
}

void GradientLabReplay::showResult(const GradientReplayResult& r) {
    result_ = r;
    job_.finished();
    job_.setStatus(QString("%1 pairs of %2, beta %3, %4 s. DPO reference: %5.")
                       .arg(r.pairs)
                       .arg(QString::fromStdString(r.data))
                       .arg(r.beta)
                       .arg(r.seconds, 0, 'f', 1)
                       .arg(QString::fromStdString(r.reference)));

    // Norms: one bar series per method, grouped per layer group.
    QCustomPlot* n = plot(Plot::Norms);
    n->clearPlottables();
    auto* group = new QCPBarsGroup(n);
    const double width = 0.8 / std::max<std::size_t>(1, r.norms.size());
    for (const ReplayNorms& nm : r.norms) {
        auto* bars = new QCPBars(n->xAxis, n->yAxis);
        bars->setName(
            QString("%1 %2").arg(QString::fromStdString(nm.method)).arg(nm.norm, 0, 'g', 3));
        const QColor col = methodColor(nm.method);
        bars->setBrush(col);
        bars->setPen(QPen(col.darker(130)));
        bars->setWidth(width);
        bars->setBarsGroup(group);
        QVector<double> keys, values;
        for (std::size_t g = 0; g < nm.group_norms.size(); ++g) {
            keys.push_back(static_cast<double>(g));
            values.push_back(nm.group_norms[g]);
        }
        bars->setData(keys, values);
    }
    QSharedPointer<QCPAxisTickerText> groups(new QCPAxisTickerText);
    for (std::size_t g = 0; g < r.groups.size(); ++g)
        groups->addTick(static_cast<double>(g), QString::fromStdString(r.groups[g]));
    n->xAxis->setTicker(groups);
    n->rescaleAxes();
    n->xAxis->setRange(-0.6, static_cast<double>(r.groups.size()) - 0.4);
    n->yAxis->setRange(0, std::max(1e-12, n->yAxis->range().upper * 1.35));
    n->replot();

    // Cosines: a heat map, the value written in each cell.
    QCustomPlot* c = plot(Plot::Cosines);
    c->clearItems();
    auto* map = qobject_cast<QCPColorMap*>(c->plottable(0));
    const int m = static_cast<int>(r.methods.size());
    map->data()->setSize(m, m);
    map->data()->setRange(QCPRange(0, std::max(0, m - 1)), QCPRange(0, std::max(0, m - 1)));
    QSharedPointer<QCPAxisTickerText> names(new QCPAxisTickerText);
    for (int a = 0; a < m; ++a) {
        names->addTick(a, QString::fromStdString(r.methods[static_cast<std::size_t>(a)]));
        for (int b = 0; b < m; ++b) {
            const double v = r.cosines[static_cast<std::size_t>(a)][static_cast<std::size_t>(b)];
            map->data()->setCell(a, b, v);
            auto* text = new QCPItemText(c);
            text->position->setCoords(a, b);
            text->setText(std::isfinite(v) ? QString::number(v, 'f', 2) : "-");
            text->setColor(std::isfinite(v) && std::abs(v) > 0.6 ? Qt::white : Qt::black);
        }
    }
    c->xAxis->setTicker(names);
    c->yAxis->setTicker(names);
    c->xAxis->setRange(-0.5, m - 0.5);
    c->yAxis->setRange(-0.5, m - 0.5);
    map->setDataRange(QCPRange(-1, 1));
    c->replot();

    lr_choice_->blockSignals(true);
    lr_choice_->clear();
    for (double lr : r.lrs)
        lr_choice_->addItem(lrText(lr), lr);
    lr_choice_->setCurrentIndex(0);
    lr_choice_->blockSignals(false);
    redrawEffects();
}

void GradientLabReplay::redrawEffects() {
    QCustomPlot* e = plot(Plot::Effects);
    e->clearGraphs();
    if (lr_choice_->currentIndex() < 0) {
        e->replot();
        return;
    }
    const double lr = lr_choice_->currentData().toDouble();
    double lo = 0, hi = 0;
    bool any = false;
    for (const std::string& m : result_.methods) {
        QVector<double> px, py, nx, ny;
        for (const ReplayEffect& fx : result_.effects) {
            if (fx.method != m || fx.lr != lr)
                continue;
            px.push_back(fx.d_pos_pred);
            py.push_back(fx.d_pos_actual);
            nx.push_back(fx.d_neg_pred);
            ny.push_back(fx.d_neg_actual);
            for (double v : {fx.d_pos_pred, fx.d_pos_actual, fx.d_neg_pred, fx.d_neg_actual}) {
                lo = any ? std::min(lo, v) : v;
                hi = any ? std::max(hi, v) : v;
                any = true;
            }
        }
        QColor col = methodColor(m);
        col.setAlpha(170);
        QCPGraph* gp = e->addGraph();
        gp->setName(QString::fromStdString(m));
        gp->setLineStyle(QCPGraph::lsNone);
        gp->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, col, col, 6));
        gp->setData(px, py);
        QCPGraph* gn = e->addGraph();
        gn->removeFromLegend();
        gn->setLineStyle(QCPGraph::lsNone);
        gn->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCross, col, 7));
        gn->setData(nx, ny);
    }
    if (!any) {
        lo = -1;
        hi = 1;
    }
    const double pad = std::max(1e-12, 0.05 * (hi - lo));
    QCPGraph* diag = e->addGraph();
    diag->setName("y = x");
    diag->setPen(QPen(Qt::black, 1, Qt::DashLine));
    diag->setData(QVector<double>{lo - pad, hi + pad}, QVector<double>{lo - pad, hi + pad});
    e->xAxis->setRange(lo - pad, hi + pad);
    e->yAxis->setRange(lo - pad, hi + pad);
    e->replot();
}

bool GradientLabReplay::exportPng(Plot which, const QString& path) {
    return exportPlotPng(plot(which), path);
}

bool GradientLabReplay::exportCsv(Plot which, const QString& path) const {
    const GradientReplayResult& r = result_;
    CsvTable t;
    switch (which) {
        case Plot::Norms:
            t.columns = {"method", "group", "norm"};
            for (const ReplayNorms& n : r.norms) {
                const QString m = QString::fromStdString(n.method);
                t.rows.push_back({m, "all", csvNumber(n.norm)});
                for (std::size_t g = 0; g < n.group_norms.size() && g < r.groups.size(); ++g)
                    t.rows.push_back({m, csvText(QString::fromStdString(r.groups[g])),
                                      csvNumber(n.group_norms[g])});
            }
            break;
        case Plot::Cosines:
            t.columns = {"method"};
            for (const std::string& m : r.methods)
                t.columns << QString::fromStdString(m);
            for (std::size_t a = 0; a < r.cosines.size(); ++a) {
                QStringList row = {QString::fromStdString(r.methods[a])};
                for (double v : r.cosines[a])
                    row << csvNumber(v);
                t.rows.push_back(row);
            }
            break;
        case Plot::Effects:
            t.columns = {"pair",       "method",       "lr",          "d_pos_pred", "d_pos_actual",
                         "d_neg_pred", "d_neg_actual", "rel_err_pos", "rel_err_neg"};
            for (const ReplayEffect& e : r.effects)
                t.rows.push_back({QString::number(e.pair), QString::fromStdString(e.method),
                                  csvNumber(e.lr), csvNumber(e.d_pos_pred),
                                  csvNumber(e.d_pos_actual), csvNumber(e.d_neg_pred),
                                  csvNumber(e.d_neg_actual), csvNumber(e.rel_err_pos),
                                  csvNumber(e.rel_err_neg)});
            break;
    }
    return writeCsv(path, t);
}

}  // namespace rgpb::widgets
