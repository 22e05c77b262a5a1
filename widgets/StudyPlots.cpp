#include "widgets/StudyPlots.h"

#include <qcustomplot.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "widgets/LandscapeView.h"
#include "widgets/RunIdentity.h"

namespace rgpb::widgets {

namespace {

// The paper's recipes in the order the study files list them, each with a colour of its own.
const char* const kPaperRecipes[] = {"mle",        "dpo",           "ul",        "exmate",
                                     "mle -> dpo", "exmate -> dpo", "ul -> dpo", "mle -> exmate"};
const char* const kRecipeColors[] = {"#4d4d4d", "#d62728", "#2ca02c", "#1f77b4",
                                     "#ff7f0e", "#9467bd", "#8c564b", "#17becf"};
const char* const kOtherColors[] = {"#e377c2", "#bcbd22", "#7f7f7f", "#aec7e8", "#98df8a"};

QString plotText(const std::string& s) {
    return QString::fromStdString(s);
}

bool usable(const MeanInterval& m) {
    return m.n > 0 && std::isfinite(m.mean);
}

// Bounds of what a plot draws; infinite while empty.
struct Bounds {
    double xmin = std::numeric_limits<double>::infinity(), xmax = -xmin;
    double ymin = xmin, ymax = -xmin;
    void add(double x, double y) {
        if (std::isfinite(x)) {
            xmin = std::min(xmin, x);
            xmax = std::max(xmax, x);
        }
        if (std::isfinite(y)) {
            ymin = std::min(ymin, y);
            ymax = std::max(ymax, y);
        }
    }
    bool any() const { return xmin <= xmax && ymin <= ymax; }
};

// Ranges around `b` with some room; on a log axis by factors. Defaults when nothing is drawn.
void fitRanges(QCustomPlot* plot, const Bounds& b, bool log_x, bool log_y = false) {
    if (!b.any()) {
        plot->xAxis->setRange(log_x ? 1 : 0, log_x ? 100 : 1);
        plot->yAxis->setRange(log_y ? 1e-3 : 0, 1);
        return;
    }
    auto range = [](QCPAxis* axis, double lo, double hi, bool log) {
        if (log && lo > 0)
            axis->setRange(lo / (hi > lo ? 1.25 : 2.0), hi * (hi > lo ? 1.25 : 2.0));
        else {
            const double pad = hi > lo ? 0.08 * (hi - lo) : std::max(0.05, std::abs(lo) * 0.1);
            axis->setRange(lo - pad, hi + pad);
        }
    };
    range(plot->xAxis, b.xmin, b.xmax, log_x);
    range(plot->yAxis, b.ymin, b.ymax, log_y);
}

void clearDrawing(QCustomPlot* plot) {
    plot->clearPlottables();
    plot->clearItems();
    plot->xAxis->setScaleType(QCPAxis::stLinear);
    plot->xAxis->setTicker(QSharedPointer<QCPAxisTicker>(new QCPAxisTicker));
    plot->yAxis->setScaleType(QCPAxis::stLinear);
    plot->yAxis->setTicker(QSharedPointer<QCPAxisTicker>(new QCPAxisTicker));
}

// A translucent band between lo and hi (a graph filled down to another, both without pens).
void addBand(QCustomPlot* plot, const QVector<double>& x, const QVector<double>& lo,
             const QVector<double>& hi, const QColor& color) {
    auto* low = plot->addGraph();
    low->setPen(Qt::NoPen);
    low->removeFromLegend();
    low->setData(x, lo, true);
    auto* high = plot->addGraph();
    high->setPen(Qt::NoPen);
    high->removeFromLegend();
    high->setData(x, hi, true);
    QColor fill = color;
    fill.setAlpha(45);
    high->setBrush(fill);
    high->setChannelFillGraph(low);
}

// A dashed reference line through a point's value, labelled.
void addReference(QCustomPlot* plot, bool vertical, double at, const QString& label) {
    auto* line = new QCPItemStraightLine(plot);
    line->setPen(QPen(QColor(90, 90, 90), 1.2, Qt::DashLine));
    // Both coordinates positive: a log axis has no place for 0.
    line->point1->setCoords(vertical ? at : 1, vertical ? 1 : at);
    line->point2->setCoords(vertical ? at : 2, vertical ? 2 : at);
    auto* text = new QCPItemText(plot);
    text->setText(label);
    text->setColor(QColor(90, 90, 90));
    text->setClipToAxisRect(true);
    if (vertical) {
        text->position->setTypeX(QCPItemPosition::ptPlotCoords);
        text->position->setTypeY(QCPItemPosition::ptAxisRectRatio);
        text->position->setCoords(at, 0.02);
        text->setPositionAlignment(Qt::AlignLeft | Qt::AlignTop);
        text->setPadding(QMargins(4, 0, 0, 0));
    } else {
        text->position->setTypeX(QCPItemPosition::ptAxisRectRatio);
        text->position->setTypeY(QCPItemPosition::ptPlotCoords);
        text->position->setCoords(0.01, at);
        text->setPositionAlignment(Qt::AlignLeft | Qt::AlignBottom);
    }
}

std::vector<const AggregatePoint*> pointsOf(const StudyAggregate& a, const QString& task) {
    std::vector<const AggregatePoint*> out;
    for (const AggregatePoint& p : a.points)
        if (plotText(p.task) == task)
            out.push_back(&p);
    return out;
}

QStringList recipesOf(const std::vector<const AggregatePoint*>& points) {
    QStringList out;
    for (const AggregatePoint* p : points)
        if (!out.contains(plotText(p->recipe)))
            out << plotText(p->recipe);
    return out;
}

QString recipeLabel(const QString& recipe) {
    return recipe == "mle" ? QString("mle (SFT)") : recipe;
}

}  // namespace

QColor studyRecipeColor(const QString& recipe) {
    for (std::size_t i = 0; i < std::size(kPaperRecipes); ++i)
        if (recipe == kPaperRecipes[i])
            return QColor(kRecipeColors[i]);
    uint32_t h = 2166136261u;  // FNV-1a: the same in every process
    for (char c : recipe.toUtf8()) {
        h ^= static_cast<unsigned char>(c);
        h *= 16777619u;
    }
    return QColor(kOtherColors[h % std::size(kOtherColors)]);
}

void prepareStudyPlot(QCustomPlot* plot, const QString& title) {
    plot->plotLayout()->insertRow(0);
    QFont font = plot->font();
    font.setBold(true);
    plot->plotLayout()->addElement(0, 0, new QCPTextElement(plot, title, font));
    plot->legend->setVisible(true);
    plot->legend->setFont(QFont(plot->font().family(), plot->font().pointSize() - 1));
    plot->legend->setBrush(QColor(255, 255, 255, 200));
    plot->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignTop | Qt::AlignRight);
    plot->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
    plot->setMinimumSize(260, 200);
}

void setStudyPlotTitle(QCustomPlot* plot, const QString& title) {
    if (auto* t = qobject_cast<QCPTextElement*>(plot->plotLayout()->element(0, 0)))
        t->setText(title);
}

QStringList studyTasks(const StudyAggregate& aggregate, const std::vector<StudyTaskMeasure>& m) {
    QStringList out;
    for (const AggregatePoint& p : aggregate.points)
        if (!out.contains(plotText(p.task)))
            out << plotText(p.task);
    for (const StudyTaskMeasure& t : m)
        if (!out.contains(plotText(t.task)))
            out << plotText(t.task);
    return out;
}

QList<double> studyBetas(const StudyAggregate& aggregate, const QString& task) {
    QList<double> out;
    auto add = [&](double b) {
        if (b > 0 && !out.contains(b))
            out << b;
    };
    for (const AggregatePoint& p : aggregate.points)
        if (plotText(p.task) == task)
            add(p.beta);
    for (const AggregateCurve& c : aggregate.curves)
        if (plotText(c.task) == task)
            add(c.beta);
    std::sort(out.begin(), out.end());
    return out;
}

void drawStudyLandscape(QCustomPlot* plot, const StudyAggregate& aggregate, const QString& task) {
    clearDrawing(plot);
    setReadableLogScale(plot->xAxis);
    plot->xAxis->setLabel("perplexity (log scale; lower is better)");
    plot->yAxis->setLabel("agility (higher is better)");
    const auto points = pointsOf(aggregate, task);
    Bounds bounds;
    for (const QString& recipe : recipesOf(points)) {
        std::vector<const AggregatePoint*> mine;
        for (const AggregatePoint* p : points)
            if (plotText(p->recipe) == recipe && usable(p->perplexity) && usable(p->agility) &&
                p->perplexity.mean > 0)
                mine.push_back(p);
        if (mine.empty())
            continue;
        // Sorted by perplexity: the graph keeps its data sorted by key, and the error bars are
        // matched to the graph's points by index.
        std::sort(mine.begin(), mine.end(), [](const AggregatePoint* a, const AggregatePoint* b) {
            return a->perplexity.mean < b->perplexity.mean;
        });
        const QColor color = studyRecipeColor(recipe);
        auto* graph = plot->addGraph();
        graph->setName(recipeLabel(recipe));
        graph->setLineStyle(QCPGraph::lsNone);
        const auto shape = QCPScatterStyle::ScatterShape(LandscapeView::shapeOf(recipe));
        graph->setScatterStyle(QCPScatterStyle(shape, QPen(color.darker(130), 1.5), color, 10));
        auto* xbars = new QCPErrorBars(plot->xAxis, plot->yAxis);
        auto* ybars = new QCPErrorBars(plot->xAxis, plot->yAxis);
        QVector<double> x, y, xm, xp, ym, yp;
        for (const AggregatePoint* p : mine) {
            x << p->perplexity.mean;
            y << p->agility.mean;
            xm << p->perplexity.mean - p->perplexity.lo;
            xp << p->perplexity.hi - p->perplexity.mean;
            ym << p->agility.mean - p->agility.lo;
            yp << p->agility.hi - p->agility.mean;
            // An interval over few seeds can reach below 0, where a log axis has no place: it
            // runs off the left edge, and the axis is fitted to the mean instead (else the axis
            // would stretch decades below every point).
            bounds.add(p->perplexity.lo > 0 ? p->perplexity.lo : p->perplexity.mean, p->agility.lo);
            bounds.add(p->perplexity.hi, p->agility.hi);
            if (p->beta > 0) {
                auto* label = new QCPItemText(plot);
                label->position->setCoords(p->perplexity.mean, p->agility.mean);
                label->setPositionAlignment(Qt::AlignLeft | Qt::AlignBottom);
                label->setPadding(QMargins(6, 0, 0, 2));
                label->setText(QString("β=%1").arg(p->beta));
                label->setColor(color.darker(140));
                label->setClipToAxisRect(true);
            }
        }
        graph->setData(x, y, true);
        for (auto [bars, type, minus, plus] :
             {std::tuple{xbars, QCPErrorBars::etKeyError, xm, xp},
              std::tuple{ybars, QCPErrorBars::etValueError, ym, yp}}) {
            bars->setName(recipeLabel(recipe));
            bars->removeFromLegend();
            bars->setErrorType(type);
            bars->setDataPlottable(graph);
            bars->setData(minus, plus);
            bars->setPen(QPen(color, 1));
            bars->setWhiskerWidth(6);
        }
        if (recipe == "mle") {  // the reference every other recipe is read against
            addReference(plot, true, mine.front()->perplexity.mean, "MLE");
            addReference(plot, false, mine.front()->agility.mean, "MLE");
        }
    }
    fitRanges(plot, bounds, true);
    plot->replot();
}

CsvTable studyLandscapeCsv(const StudyAggregate& aggregate, const QString& task) {
    CsvTable t;
    t.columns = {"task",       "recipe",        "beta",          "finished",   "planned",
                 "perplexity", "perplexity_lo", "perplexity_hi", "agility",    "agility_lo",
                 "agility_hi", "pos_prob",      "pos_prob_lo",   "pos_prob_hi"};
    for (const AggregatePoint* p : pointsOf(aggregate, task)) {
        t.rows.push_back({csvText(task), csvText(plotText(p->recipe)), csvNumber(p->beta),
                          QString::number(p->finished), QString::number(p->planned),
                          csvNumber(p->perplexity.mean), csvNumber(p->perplexity.lo),
                          csvNumber(p->perplexity.hi), csvNumber(p->agility.mean),
                          csvNumber(p->agility.lo), csvNumber(p->agility.hi),
                          csvNumber(p->pos_prob.mean), csvNumber(p->pos_prob.lo),
                          csvNumber(p->pos_prob.hi)});
    }
    return t;
}

void drawBetaSensitivity(QCustomPlot* plot, const StudyAggregate& aggregate, const QString& task,
                         BetaMetric metric) {
    clearDrawing(plot);
    setReadableLogScale(plot->xAxis);
    plot->xAxis->setLabel("β (log scale)");
    plot->yAxis->setLabel(metric == BetaMetric::PosProb ? "positive-example probability"
                                                        : "agility");
    auto value = [metric](const AggregatePoint* p) -> const MeanInterval& {
        return metric == BetaMetric::PosProb ? p->pos_prob : p->agility;
    };
    const auto points = pointsOf(aggregate, task);
    Bounds bounds;
    for (const QString& recipe : recipesOf(points)) {
        std::vector<const AggregatePoint*> mine;
        for (const AggregatePoint* p : points)
            if (plotText(p->recipe) == recipe && usable(value(p)))
                mine.push_back(p);
        if (mine.empty())
            continue;
        const QColor color = studyRecipeColor(recipe);
        if (mine.front()->beta <= 0) {  // no beta: a reference level
            addReference(plot, false, value(mine.front()).mean, recipeLabel(recipe));
            bounds.add(std::numeric_limits<double>::quiet_NaN(), value(mine.front()).mean);
            continue;
        }
        std::sort(mine.begin(), mine.end(), [](const AggregatePoint* a, const AggregatePoint* b) {
            return a->beta < b->beta;
        });
        QVector<double> x, y, lo, hi;
        for (const AggregatePoint* p : mine) {
            x << p->beta;
            y << value(p).mean;
            lo << value(p).lo;
            hi << value(p).hi;
            bounds.add(p->beta, value(p).lo);
            bounds.add(p->beta, value(p).hi);
        }
        addBand(plot, x, lo, hi, color);
        auto* graph = plot->addGraph();
        graph->setName(recipe);
        graph->setPen(QPen(color, 2));
        graph->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, color, color, 6));
        graph->setData(x, y, true);
    }
    fitRanges(plot, bounds, true);
    plot->replot();
}

QStringList studyCurveMetrics(const StudyAggregate& aggregate) {
    QStringList out;
    for (const AggregateCurve& c : aggregate.curves)
        if (!out.contains(plotText(c.metric)))
            out << plotText(c.metric);
    return out;
}

void drawStudyCurves(QCustomPlot* plot, const StudyAggregate& aggregate, const QString& task,
                     const QString& metric, double beta) {
    clearDrawing(plot);
    plot->xAxis->setLabel("step (over the recipe's stages)");
    plot->yAxis->setLabel(metric);
    const bool log_y = metric.contains("perplexity");
    if (log_y)
        setReadableLogScale(plot->yAxis);
    Bounds bounds;
    for (const AggregateCurve& c : aggregate.curves) {
        if (plotText(c.task) != task || plotText(c.metric) != metric ||
            (c.beta > 0 && c.beta != beta))
            continue;
        QVector<double> x, y, lo, hi;
        for (std::size_t i = 0; i < c.step.size() && i < c.value.size(); ++i) {
            if (!usable(c.value[i]))
                continue;
            x << double(c.step[i]);
            y << c.value[i].mean;
            lo << c.value[i].lo;
            hi << c.value[i].hi;
            bounds.add(x.back(), log_y && lo.back() <= 0 ? y.back() : lo.back());
            bounds.add(x.back(), hi.back());
        }
        if (x.isEmpty())
            continue;
        const QColor color = studyRecipeColor(plotText(c.recipe));
        addBand(plot, x, lo, hi, color);
        auto* graph = plot->addGraph();
        graph->setName(c.beta > 0 ? runDetail(plotText(c.recipe), c.beta)
                                  : recipeLabel(plotText(c.recipe)));
        graph->setPen(QPen(color, 2));
        graph->setData(x, y, true);
    }
    fitRanges(plot, bounds, false, log_y);
    plot->replot();
}

CsvTable studyCurvesCsv(const StudyAggregate& aggregate, const QString& task,
                        const QString& metric) {
    CsvTable t;
    t.columns = {"task", "recipe", "beta", "metric", "step", "mean", "lo", "hi", "n"};
    for (const AggregateCurve& c : aggregate.curves) {
        if (plotText(c.task) != task || plotText(c.metric) != metric)
            continue;
        for (std::size_t i = 0; i < c.step.size() && i < c.value.size(); ++i)
            t.rows.push_back({csvText(task), csvText(plotText(c.recipe)), csvNumber(c.beta), metric,
                              QString::number(c.step[i]), csvNumber(c.value[i].mean),
                              csvNumber(c.value[i].lo), csvNumber(c.value[i].hi),
                              QString::number(c.value[i].n)});
    }
    return t;
}

void drawInfoDifference(QCustomPlot* plot, const std::vector<StudyTaskMeasure>& measures) {
    clearDrawing(plot);
    plot->xAxis->setLabel("task");
    plot->yAxis->setLabel("log10 |f+ - f-|  (mean; median marked)");
    auto ticker = QSharedPointer<QCPAxisTickerText>(new QCPAxisTickerText);
    auto* bars = new QCPBars(plot->xAxis, plot->yAxis);
    bars->setName("mean");
    bars->setWidth(0.5);
    bars->setBrush(QColor(31, 119, 180, 160));
    bars->setPen(QPen(QColor(31, 119, 180)));
    auto* median = plot->addGraph();
    median->setName("median");
    median->setLineStyle(QCPGraph::lsNone);
    median->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDiamond, Qt::black, Qt::white, 9));
    Bounds bounds;
    for (std::size_t i = 0; i < measures.size(); ++i) {
        const StudyTaskMeasure& m = measures[i];
        const double x = double(i + 1);
        ticker->addTick(x, QString("%1\n(%2)")
                               .arg(plotText(m.task),
                                    m.regime == InfoRegime::Low ? "low regime" : "high regime"));
        bars->addData(x, m.info_diff_log10_mean);
        median->addData(x, m.info_diff_log10_median);
        bounds.add(x, m.info_diff_log10_mean);
        bounds.add(x, m.info_diff_log10_median);
    }
    plot->xAxis->setTicker(ticker);
    bounds.add(0.4, 0.0);  // bars grow from 0
    bounds.add(double(measures.size()) + 0.6, 0.0);
    fitRanges(plot, bounds, false);
    plot->xAxis->setRange(0.4, double(measures.size()) + 0.6);
    plot->replot();
}

void drawGradDifference(QCustomPlot* plot, const std::vector<StudyTaskMeasure>& measures) {
    clearDrawing(plot);
    plot->xAxis->setLabel("response step t");
    plot->yAxis->setLabel("gradient difference (log scale)");
    setReadableLogScale(plot->yAxis);
    auto steps = QSharedPointer<QCPAxisTickerFixed>(new QCPAxisTickerFixed);
    steps->setTickStep(1.0);  // whole response steps
    steps->setScaleStrategy(QCPAxisTickerFixed::ssMultiples);
    plot->xAxis->setTicker(steps);
    Bounds bounds;
    const char* const colors[] = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e"};
    for (std::size_t i = 0; i < measures.size(); ++i) {
        const StudyTaskMeasure& m = measures[i];
        const QColor color(colors[i % std::size(colors)]);
        for (bool l2 : {true, false}) {
            const std::vector<double>& v = l2 ? m.grad_diff_l2 : m.grad_diff_l1;
            auto* graph = plot->addGraph();
            graph->setName(QString("%1 %2").arg(plotText(m.task), l2 ? "L2" : "L1"));
            graph->setPen(QPen(color, 2, l2 ? Qt::SolidLine : Qt::DashLine));
            graph->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, 5));
            for (std::size_t t = 0; t < v.size(); ++t) {
                if (!(v[t] > 0))
                    continue;  // no place on a log axis
                graph->addData(double(t + 1), v[t]);
                bounds.add(double(t + 1), v[t]);
            }
        }
    }
    fitRanges(plot, bounds, false, true);
    plot->replot();
}

CsvTable studyMeasuresCsv(const std::vector<StudyTaskMeasure>& measures) {
    CsvTable t;
    t.columns = {"task", "regime",       "info_diff_log10_mean", "info_diff_log10_median",
                 "t",    "grad_diff_l1", "grad_diff_l2"};
    for (const StudyTaskMeasure& m : measures) {
        const std::size_t steps = std::max(m.grad_diff_l1.size(), m.grad_diff_l2.size());
        const QString regime = m.regime == InfoRegime::Low ? "low" : "high";
        for (std::size_t k = 0; k < std::max<std::size_t>(steps, 1); ++k) {
            auto at = [k](const std::vector<double>& v) {
                return k < v.size() ? csvNumber(v[k]) : QString();
            };
            t.rows.push_back({csvText(plotText(m.task)), regime, csvNumber(m.info_diff_log10_mean),
                              csvNumber(m.info_diff_log10_median),
                              steps ? QString::number(k + 1) : QString(), at(m.grad_diff_l1),
                              at(m.grad_diff_l2)});
        }
    }
    return t;
}

}  // namespace rgpb::widgets
