// The live curves of the workbench: one CurvePlot per metric (perplexity on a log scale,
// agility, loss, positive-example probability, grad norm, DPO reward margin, and from the
// gradient diagnostics the median negative-example weight and likelihood displacement), with shared
// controls for smoothing and the x axis, one legend for all of them (RunLegend: show/hide and
// highlight per run, grouped by recipe or sweep), and PNG/SVG/CSV export of every plot. The
// plots reflow into as many columns as the width allows (one to three) and scroll vertically.
// Runs take colour and label from a RunIdentities registry shared with the other views.
#pragma once

#include <QList>
#include <QMap>
#include <QSet>
#include <QString>
#include <QVector>
#include <QWidget>

#include "widgets/CurvePlot.h"

class QComboBox;
class QGridLayout;
class QScrollArea;
class QSlider;
class QLabel;

namespace rgpb::widgets {

class RunIdentities;
class RunLegend;

class MetricsDashboard : public QWidget {
    Q_OBJECT

public:
    explicit MetricsDashboard(QWidget* parent = nullptr);

    // The registry every plot and the legend use (not owned). The dashboard has its own until
    // one is set.
    void setIdentities(RunIdentities* identities);
    RunIdentities* identities() const { return identities_; }

    // Metric names as in metrics.jsonl ("perplexity", "agility", "loss", ...). `metric` that no
    // plot shows is ignored.
    void appendPoints(const QString& metric, const QString& run, const QString& label,
                      const QVector<CurvePoint>& points);
    // An event of `run` at `step` (a likelihood-displacement alert) marked on every plot.
    void markEvent(const QString& run, double step, const QString& text);
    void removeRun(const QString& run);
    void clear();
    CurvePlot* plotFor(const QString& metric) const { return plots_.value(metric); }
    QStringList metrics() const { return plots_.keys(); }
    RunLegend* legend() const { return legend_; }
    int columns() const { return columns_; }
    QScrollArea* scrollArea() const { return scroll_; }
    // Writes <dir>/<metric>.png, .svg and .csv for every plot; returns the files written.
    QStringList exportAll(const QString& dir);

    static QString emptyText() { return "Press Run to train the demo"; }

protected:
    // Reflows when the scroll area's viewport changes width.
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    void reflow();
    void updateNotes();  // which runs a metric does not apply to

    RunIdentities* identities_ = nullptr;
    QMap<QString, CurvePlot*> plots_;
    QStringList order_;  // plots in display order
    QList<CurvePlot*> smoothed_;
    QSet<QString> evaluated_;  // runs with at least one evaluation point
    QSlider* smoothing_;
    QComboBox* x_axis_;
    QLabel* smoothing_label_;
    QScrollArea* scroll_;
    QWidget* grid_host_;
    QGridLayout* grid_;
    RunLegend* legend_ = nullptr;
    int columns_ = 0;
};

}  // namespace rgpb::widgets
