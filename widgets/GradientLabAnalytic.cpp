#include "widgets/GradientLabAnalytic.h"

#include <qcustomplot.h>

#include <QComboBox>
#include <QFormLayout>
#include <QGridLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QSlider>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>

#include "core/util/Error.h"
#include "widgets/PlotExport.h"

namespace rgpb::widgets {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
const QColor kOutsideDomain(150, 150, 150);  // the heat map where the formula is undefined
const analytic::Method kMethods[3] = {analytic::Method::Dpo, analytic::Method::Unlikelihood,
                                      analytic::Method::Exmate};
const QColor kColors[3] = {QColor(31, 119, 180), QColor(214, 39, 40), QColor(44, 160, 44)};
constexpr int kLandscapePoints = 99;  // f = 0.01, 0.02, ..., 0.99
constexpr int kHeatU = 120, kHeatE = 120;
constexpr double kHeatEMin = -0.5, kHeatEMax = 0.5, kHeatUMin = 0.01, kHeatUMax = 0.99;

QString methodLabel(analytic::Method m) {
    switch (m) {
        case analytic::Method::Dpo:
            return "DPO";
        case analytic::Method::Unlikelihood:
            return "UL";
        case analytic::Method::Exmate:
            return "ExMATE";
    }
    return "?";
}

// The coefficient, or NaN outside the formula's domain.
double shared(analytic::Method m, double beta, double u, double e) {
    const double f = u + e;
    if (!(u > 0 && u <= 1 && f > 0 && f <= 1) || (m == analytic::Method::Unlikelihood && f >= 1))
        return kNaN;
    try {
        return analytic::sharedCoefficient(m, beta, u, e);
    } catch (const rgpb::Error&) {
        return kNaN;
    }
}

double landscape(analytic::Method m, double beta, double fp, double fn) {
    try {
        return analytic::landscapeLoss(m, beta, fp, fn);
    } catch (const rgpb::Error&) {
        return kNaN;
    }
}

QSlider* makeSlider(int min, int max, int value) {
    auto* s = new QSlider(Qt::Horizontal);
    s->setRange(min, max);
    s->setValue(value);
    return s;
}

// Zero crossings of f on [a, b] scanned in n steps and refined by bisection; crossings where
// |f| stays large (a pole, where the sign also flips) are dropped.
QVector<double> zeros(const std::function<double(double)>& f, double a, double b, int n) {
    QVector<double> out;
    double x0 = a, f0 = f(a);
    for (int i = 1; i <= n; ++i) {
        double x1 = a + (b - a) * i / n, f1 = f(x1);
        if (std::isfinite(f0) && std::isfinite(f1) &&
            ((f0 < 0 && f1 >= 0) || (f0 > 0 && f1 <= 0))) {
            double lo = x0, hi = x1, flo = f0;
            for (int it = 0; it < 60; ++it) {
                double mid = 0.5 * (lo + hi), fm = f(mid);
                if ((flo < 0) == (fm < 0)) {
                    lo = mid;
                    flo = fm;
                } else {
                    hi = mid;
                }
            }
            double x = 0.5 * (lo + hi);
            double fx = f(x);
            if (std::isfinite(fx) && std::abs(fx) <= 1e-6 * (1.0 + std::abs(f0) + std::abs(f1)))
                out.push_back(x);
        }
        x0 = x1;
        f0 = f1;
    }
    return out;
}

}  // namespace

QVector<double> GradientLabAnalytic::sharedEpsilons() {
    return {-0.2, -0.05, 0.0, 0.05, 0.2};
}

GradientLabAnalytic::GradientLabAnalytic(QWidget* parent) : QWidget(parent) {
    auto* root = new QHBoxLayout(this);
    root->addWidget(buildControls());
    root->addLayout(buildPlotGrid(), 1);
    setUpLandscapePlots();
    setUpSharedPlot();
    setUpHeatMap();
    setUpDistinctBars();
    connectControls();
    replotAll();
}

// The left column: beta, the fixed probability, the shared plots' method, and the distinct
// step's six inputs.
QWidget* GradientLabAnalytic::buildControls() {
    beta_ = makeSlider(1, 200, 20);  // beta = 0.05 * value
    beta_label_ = new QLabel;
    fixed_ = makeSlider(1, 99, 10);
    fixed_label_ = new QLabel;
    method_ = new QComboBox;
    for (analytic::Method m : kMethods)
        method_->addItem(methodLabel(m), static_cast<int>(m));
    method_->setCurrentIndex(1);

    auto* controls = new QWidget;
    controls->setMaximumWidth(300);
    auto* cl = new QVBoxLayout(controls);
    auto* common = new QGroupBox("Objective");
    auto* cf = new QFormLayout(common);
    auto labelled = [](QSlider* s, QLabel* l) {
        auto* w = new QWidget;
        auto* h = new QHBoxLayout(w);
        h->setContentsMargins(0, 0, 0, 0);
        h->addWidget(s, 1);
        l->setMinimumWidth(44);
        h->addWidget(l);
        return w;
    };
    cf->addRow("beta", labelled(beta_, beta_label_));
    cf->addRow("fixed P", labelled(fixed_, fixed_label_));
    cf->addRow("shared plots", method_);
    cl->addWidget(common);

    auto* distinct = new QGroupBox("Distinct step (y+ \u2260 y-)");
    auto* df = new QFormLayout(distinct);
    const char* names[6] = {"P+(y+)", "P+(y-)", "P-(y+)", "P-(y-)", "u = f+", "\u03b5 = f- - f+"};
    const int defaults[6] = {40, 10, 10, 50, 10, 5};
    for (int i = 0; i < 6; ++i) {
        QSlider* s = i == 5 ? makeSlider(-50, 50, defaults[i]) : makeSlider(0, 100, defaults[i]);
        auto* l = new QLabel;
        inputs_.push_back(s);
        input_labels_.push_back(l);
        df->addRow(names[i], labelled(s, l));
        connect(s, &QSlider::valueChanged, this, [this] { replotDistinct(); });
    }
    distinct_note_ = new QLabel;
    distinct_note_->setWordWrap(true);
    df->addRow(distinct_note_);
    cl->addWidget(distinct);
    auto* help = new QLabel(
        "Coefficients are for gradient ascent along a token's logit: positive = pushed up "
        "(spec.md section 4). 'Other' sums all tokens except y+ and y-, with P(other) = 1 - "
        "P(y+) - P(y-). The heat map's black curve is the zero contour of the shared-token "
        "coefficient; colours are clipped to the range on the scale.");
    help->setWordWrap(true);
    cl->addWidget(help);
    cl->addStretch(1);

    return controls;
}

QGridLayout* GradientLabAnalytic::buildPlotGrid() {
    for (auto& p : plots_)
        p = new QCustomPlot;
    auto* grid = new QGridLayout;
    grid->addWidget(framed(Plot::LandscapePos, "Loss vs P(y+|x+), P(y-|x-) fixed", "landscape_pos"),
                    0, 0);
    grid->addWidget(framed(Plot::LandscapeNeg, "Loss vs P(y-|x-), P(y+|x+) fixed", "landscape_neg"),
                    0, 1);
    grid->addWidget(framed(Plot::Distinct, "Distinct-step coefficients (eq. 10-15)", "distinct"), 0,
                    2);
    grid->addWidget(framed(Plot::Shared, "Shared-token coefficient vs u (eq. 16-18)", "shared"), 1,
                    0);
    grid->addWidget(framed(Plot::HeatMap, "Shared-token coefficient over (u, \u03b5)", "heatmap"),
                    1, 1, 1, 2);

    return grid;
}

// Landscapes: one graph per method.
void GradientLabAnalytic::setUpLandscapePlots() {
    for (Plot which : {Plot::LandscapePos, Plot::LandscapeNeg}) {
        QCustomPlot* p = plot(which);
        for (int i = 0; i < 3; ++i) {
            QCPGraph* g = p->addGraph();
            g->setName(methodLabel(kMethods[i]));
            g->setPen(QPen(kColors[i], 2));
        }
        p->xAxis->setLabel(which == Plot::LandscapePos ? "P(y+|x+)" : "P(y-|x-)");
        p->yAxis->setLabel("loss");
        p->legend->setVisible(true);
    }
}

// Shared coefficient: one graph per epsilon.
void GradientLabAnalytic::setUpSharedPlot() {
    QCustomPlot* p = plot(Plot::Shared);
    const QVector<double> eps = sharedEpsilons();
    for (int i = 0; i < eps.size(); ++i) {
        QCPGraph* g = p->addGraph();
        g->setName(QString("\u03b5 = %1").arg(eps[i]));
        QColor c = QColor::fromHsv(240 - 240 * i / std::max(1, int(eps.size()) - 1), 200, 200);
        g->setPen(QPen(c, 2));
    }
    p->xAxis->setLabel("u = f+");
    p->yAxis->setLabel("coefficient on grad f");
    p->legend->setVisible(true);
}

// Heat map with colour scale and the zero contour.
void GradientLabAnalytic::setUpHeatMap() {
    QCustomPlot* p = plot(Plot::HeatMap);
    heat_ = new QCPColorMap(p->xAxis, p->yAxis);
    heat_->data()->setSize(kHeatU, kHeatE);
    heat_->data()->setRange(QCPRange(kHeatUMin, kHeatUMax), QCPRange(kHeatEMin, kHeatEMax));
    // Where the formula is undefined (u + epsilon outside (0, 1]: no such distribution) is
    // painted grey, apart from zero (white), and named in the legend.
    QCPColorScale* scale = addDivergingScale(p, heat_, kOutsideDomain);
    auto* margins = new QCPMarginGroup(p);
    p->axisRect()->setMarginGroup(QCP::msBottom | QCP::msTop, margins);
    scale->setMarginGroup(QCP::msBottom | QCP::msTop, margins);
    contour_curve_ = new QCPCurve(p->xAxis, p->yAxis);
    contour_curve_->setPen(QPen(Qt::black, 2));
    contour_curve_->setName("zero contour");
    // A legend swatch for the undefined region (bars without data draw only in the legend).
    auto* outside = new QCPBars(p->xAxis, p->yAxis);
    outside->setName("undefined: u + \u03b5 outside (0, 1]");
    outside->setBrush(kOutsideDomain);
    outside->setPen(QPen(kOutsideDomain.darker(130)));
    p->legend->setVisible(true);
    p->legend->setFont(QFont(p->font().family(), 8));
    p->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignTop | Qt::AlignLeft);
    p->xAxis->setLabel("u = f+");
    p->yAxis->setLabel("\u03b5 = f- - f+");
    p->xAxis->setRange(kHeatUMin, kHeatUMax);
    p->yAxis->setRange(kHeatEMin, kHeatEMax);
}

// Distinct bars: three bar series (y+, y-, other) grouped per method.
void GradientLabAnalytic::setUpDistinctBars() {
    QCustomPlot* p = plot(Plot::Distinct);
    auto* group = new QCPBarsGroup(p);
    const char* tokens[3] = {"y+", "y-", "other"};
    const QColor colors[3] = {QColor(44, 160, 44), QColor(214, 39, 40), QColor(127, 127, 127)};
    for (int i = 0; i < 3; ++i) {
        auto* bars = new QCPBars(p->xAxis, p->yAxis);
        bars->setName(tokens[i]);
        bars->setWidth(0.25);
        bars->setBrush(colors[i]);
        bars->setPen(QPen(colors[i].darker(130)));
        bars->setBarsGroup(group);
    }
    QSharedPointer<QCPAxisTickerText> ticker(new QCPAxisTickerText);
    for (int i = 0; i < 3; ++i)
        ticker->addTick(i, methodLabel(kMethods[i]));
    p->xAxis->setTicker(ticker);
    p->xAxis->setRange(-0.6, 2.6);
    p->yAxis->setLabel("coefficient (ascent)");
    p->legend->setVisible(true);
    // One legend row at the top, above the bars (replotDistinct leaves room for it).
    p->legend->setFillOrder(QCPLayoutGrid::foColumnsFirst);
    p->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignTop | Qt::AlignHCenter);
}

void GradientLabAnalytic::connectControls() {
    connect(beta_, &QSlider::valueChanged, this, [this] { replotAll(); });
    connect(fixed_, &QSlider::valueChanged, this, [this] { replotLandscapes(); });
    connect(method_, QOverload<int>::of(&QComboBox::currentIndexChanged), this, [this] {
        replotShared();
        replotHeatMap();
    });
}

QWidget* GradientLabAnalytic::framed(Plot which, const QString& title, const QString& base_name) {
    return framedPlot(title, base_name, plot(which),
                      [this, which](const QString& path) { return exportCsv(which, path); });
}

double GradientLabAnalytic::beta() const {
    return 0.05 * beta_->value();
}

double GradientLabAnalytic::fixedProbability() const {
    return 0.01 * fixed_->value();
}

analytic::Method GradientLabAnalytic::sharedMethod() const {
    return static_cast<analytic::Method>(method_->currentData().toInt());
}

void GradientLabAnalytic::setSharedMethod(analytic::Method m) {
    method_->setCurrentIndex(method_->findData(static_cast<int>(m)));
}

QSlider* GradientLabAnalytic::inputSlider(Input which) const {
    return inputs_[static_cast<int>(which)];
}

analytic::DistinctInputs GradientLabAnalytic::distinctInputs() const {
    analytic::DistinctInputs in;
    in.p_pos_ypos = 0.01 * inputs_[0]->value();
    in.p_pos_yneg = 0.01 * inputs_[1]->value();
    in.p_neg_ypos = 0.01 * inputs_[2]->value();
    in.p_neg_yneg = 0.01 * inputs_[3]->value();
    in.u = 0.01 * inputs_[4]->value();
    in.e = 0.01 * inputs_[5]->value();
    in.p_pos_other = std::max(0.0, 1.0 - in.p_pos_ypos - in.p_pos_yneg);
    in.p_neg_other = std::max(0.0, 1.0 - in.p_neg_ypos - in.p_neg_yneg);
    return in;
}

QCustomPlot* GradientLabAnalytic::plot(Plot which) const {
    return plots_[static_cast<int>(which)];
}

void GradientLabAnalytic::replotAll() {
    beta_label_->setText(QString::number(beta(), 'f', 2));
    replotLandscapes();
    replotShared();
    replotHeatMap();
    replotDistinct();
}

void GradientLabAnalytic::replotLandscapes() {
    fixed_label_->setText(QString::number(fixedProbability(), 'f', 2));
    const double b = beta(), fixed = fixedProbability();
    for (Plot which : {Plot::LandscapePos, Plot::LandscapeNeg}) {
        QCustomPlot* p = plot(which);
        double lo = std::numeric_limits<double>::infinity(), hi = -lo;
        for (int m = 0; m < 3; ++m) {
            QVector<double> x, y;
            for (int i = 1; i <= kLandscapePoints; ++i) {
                double f = 0.01 * i;
                double v = which == Plot::LandscapePos ? landscape(kMethods[m], b, f, fixed)
                                                       : landscape(kMethods[m], b, fixed, f);
                x.push_back(f);
                y.push_back(v);
                if (std::isfinite(v)) {
                    lo = std::min(lo, v);
                    hi = std::max(hi, v);
                }
            }
            p->graph(m)->setData(x, y, true);
        }
        p->xAxis->setRange(0, 1);
        if (std::isfinite(lo))
            p->yAxis->setRange(lo - 0.05 * (hi - lo + 1e-9), hi + 0.05 * (hi - lo + 1e-9));
        p->replot();
    }
}

void GradientLabAnalytic::replotShared() {
    QCustomPlot* p = plot(Plot::Shared);
    const analytic::Method m = sharedMethod();
    const double b = beta();
    const QVector<double> eps = sharedEpsilons();
    for (int i = 0; i < eps.size(); ++i) {
        QVector<double> x, y;
        for (int k = 1; k <= kLandscapePoints; ++k) {
            double u = 0.01 * k;
            x.push_back(u);
            y.push_back(shared(m, b, u, eps[i]));  // NaN where u + e leaves (0, 1]: a gap
        }
        p->graph(i)->setData(x, y, true);
    }
    p->xAxis->setRange(0, 1);
    // The coefficients grow like 1/u near 0: show a window around the interesting range.
    p->yAxis->setRange(m == analytic::Method::Dpo ? QCPRange(-1.5, 1.5) : QCPRange(-10, 20));
    p->replot();
}

void GradientLabAnalytic::replotHeatMap() {
    const analytic::Method m = sharedMethod();
    const double b = beta();
    QCPColorMapData* d = heat_->data();
    std::vector<double> mags;
    for (int i = 0; i < kHeatU; ++i) {
        for (int j = 0; j < kHeatE; ++j) {
            double u, e;
            d->cellToCoord(i, j, &u, &e);
            double c = shared(m, b, u, e);
            d->setCell(i, j, c);
            if (std::isfinite(c))
                mags.push_back(std::abs(c));
        }
    }
    // Symmetric colour range at the 90th percentile of |c| so the sign is readable.
    double range = 1.0;
    if (!mags.empty()) {
        std::nth_element(mags.begin(), mags.begin() + static_cast<long>(0.9 * (mags.size() - 1)),
                         mags.end());
        range = std::max(1e-6, mags[static_cast<std::size_t>(0.9 * (mags.size() - 1))]);
    }
    heat_->setDataRange(QCPRange(-range, range));

    // Zero contour: bisection along epsilon in each u column; if the coefficient never changes
    // sign along epsilon (ExMATE: 1/u - beta), along u in each epsilon row.
    contour_.clear();
    const int n = 240;
    for (int i = 0; i <= n; ++i) {
        double u = kHeatUMin + (kHeatUMax - kHeatUMin) * i / n;
        double lo = std::max(kHeatEMin, -u + 1e-9), hi = std::min(kHeatEMax, 1.0 - u - 1e-9);
        if (hi <= lo)
            continue;
        for (double e : zeros([&](double e) { return shared(m, b, u, e); }, lo, hi, 200))
            contour_.push_back(QPointF(u, e));
    }
    if (contour_.isEmpty()) {
        for (int j = 0; j <= n; ++j) {
            double e = kHeatEMin + (kHeatEMax - kHeatEMin) * j / n;
            double lo = std::max(kHeatUMin, -e + 1e-9), hi = std::min(kHeatUMax, 1.0 - e - 1e-9);
            if (hi <= lo)
                continue;
            for (double u : zeros([&](double u) { return shared(m, b, u, e); }, lo, hi, 200))
                contour_.push_back(QPointF(u, e));
        }
    }
    QVector<double> cu, ce;
    for (const QPointF& pt : contour_) {
        cu.push_back(pt.x());
        ce.push_back(pt.y());
    }
    contour_curve_->setData(cu, ce);
    plot(Plot::HeatMap)->replot();
}

void GradientLabAnalytic::replotDistinct() {
    const analytic::DistinctInputs in = distinctInputs();
    for (int i = 0; i < 6; ++i) {
        double v = 0.01 * inputs_[i]->value();
        input_labels_[i]->setText(QString::number(v, 'f', 2));
    }
    QStringList notes;
    if (in.p_pos_ypos + in.p_pos_yneg > 1.0)
        notes << "P+(y+) + P+(y-) > 1";
    if (in.p_neg_ypos + in.p_neg_yneg > 1.0)
        notes << "P-(y+) + P-(y-) > 1";
    QCustomPlot* p = plot(Plot::Distinct);
    double lo = 0, hi = 0;
    for (int k = 0; k < 3; ++k) {
        auto* bars = qobject_cast<QCPBars*>(p->plottable(k));
        QVector<double> x, y;
        for (int m = 0; m < 3; ++m) {
            double v = kNaN;
            try {
                analytic::DistinctCoefficients c =
                    analytic::distinctCoefficients(kMethods[m], beta(), in);
                v = k == 0 ? c.pos : k == 1 ? c.neg : c.other;
            } catch (const rgpb::Error& e) {
                if (k == 0)
                    notes << methodLabel(kMethods[m]) + ": " + QString::fromStdString(e.what());
            }
            x.push_back(m);
            y.push_back(std::isfinite(v) ? v : 0.0);
            if (std::isfinite(v)) {
                lo = std::min(lo, v);
                hi = std::max(hi, v);
            }
        }
        bars->setData(x, y, true);
    }
    distinct_note_->setText(notes.join("\n"));
    p->yAxis->setRange(lo - 0.1 * (hi - lo + 0.1), hi + 0.35 * (hi - lo + 0.1));
    p->replot();
}

bool GradientLabAnalytic::exportPng(Plot which, const QString& path) {
    return exportPlotPng(plot(which), path);
}

bool GradientLabAnalytic::exportCsv(Plot which, const QString& path) const {
    CsvTable t;
    const QString b = csvNumber(beta());
    const QString fixed = csvNumber(fixedProbability());
    switch (which) {
        case Plot::LandscapePos:
        case Plot::LandscapeNeg: {
            const bool pos = which == Plot::LandscapePos;
            t.columns = {
                pos ? "f_pos" : "f_neg", pos ? "f_neg" : "f_pos", "beta", "dpo", "ul", "exmate"};
            QCustomPlot* p = plot(which);
            for (int i = 0; i < p->graph(0)->dataCount(); ++i) {
                QStringList row = {csvNumber(p->graph(0)->dataMainKey(i)), fixed, b};
                for (int m = 0; m < 3; ++m)
                    row << csvNumber(p->graph(m)->dataMainValue(i));
                t.rows.push_back(row);
            }
            break;
        }
        case Plot::Shared: {
            t.columns = {"method", "beta", "e", "u", "coefficient"};
            QCustomPlot* p = plot(which);
            const QVector<double> eps = sharedEpsilons();
            const QString m = analytic::methodName(sharedMethod());
            for (int g = 0; g < eps.size(); ++g) {
                for (int i = 0; i < p->graph(g)->dataCount(); ++i) {
                    t.rows.push_back({m, b, csvNumber(eps[g]),
                                      csvNumber(p->graph(g)->dataMainKey(i)),
                                      csvNumber(p->graph(g)->dataMainValue(i))});
                }
            }
            break;
        }
        case Plot::HeatMap: {
            // The grid, then the zero contour's points as rows of kind "zero".
            t.columns = {"method", "beta", "kind", "u", "e", "coefficient"};
            const QString m = analytic::methodName(sharedMethod());
            QCPColorMapData* d = heat_->data();
            for (int i = 0; i < kHeatU; ++i) {
                for (int j = 0; j < kHeatE; ++j) {
                    double u, e;
                    d->cellToCoord(i, j, &u, &e);
                    t.rows.push_back(
                        {m, b, "cell", csvNumber(u), csvNumber(e), csvNumber(d->cell(i, j))});
                }
            }
            for (const QPointF& pt : contour_)
                t.rows.push_back({m, b, "zero", csvNumber(pt.x()), csvNumber(pt.y()), "0"});
            break;
        }
        case Plot::Distinct: {
            t.columns = {"method",     "beta", "p_pos_ypos", "p_pos_yneg", "p_neg_ypos",
                         "p_neg_yneg", "u",    "e",          "token",      "coefficient"};
            const analytic::DistinctInputs in = distinctInputs();
            const char* tokens[3] = {"y+", "y-", "other"};
            for (int m = 0; m < 3; ++m) {
                analytic::DistinctCoefficients c{kNaN, kNaN, kNaN};
                try {
                    c = analytic::distinctCoefficients(kMethods[m], beta(), in);
                } catch (const rgpb::Error&) {
                }
                const double v[3] = {c.pos, c.neg, c.other};
                for (int k = 0; k < 3; ++k) {
                    t.rows.push_back({analytic::methodName(kMethods[m]), b,
                                      csvNumber(in.p_pos_ypos), csvNumber(in.p_pos_yneg),
                                      csvNumber(in.p_neg_ypos), csvNumber(in.p_neg_yneg),
                                      csvNumber(in.u), csvNumber(in.e), tokens[k],
                                      csvNumber(v[k])});
                }
            }
            break;
        }
    }
    return writeCsv(path, t);
}

}  // namespace rgpb::widgets
