// The live curves of the workbench: one CurvePlot per metric (perplexity on a log scale,
// agility, loss, positive-example probability, grad norm, DPO reward margin), with shared
// controls for smoothing and the x axis, and PNG/CSV export of every plot.
#pragma once

#include <QList>
#include <QMap>
#include <QString>
#include <QVector>
#include <QWidget>

#include "widgets/CurvePlot.h"

class QComboBox;
class QSlider;
class QLabel;

namespace rgpb::widgets {

class MetricsDashboard : public QWidget {
    Q_OBJECT

public:
    explicit MetricsDashboard(QWidget* parent = nullptr);

    // Metric names as in metrics.jsonl ("perplexity", "agility", "loss", ...). `metric` that no
    // plot shows is ignored.
    void appendPoints(const QString& metric, const QString& run, const QString& label,
                      const QVector<CurvePoint>& points);
    void removeRun(const QString& run);
    void clear();
    CurvePlot* plotFor(const QString& metric) const { return plots_.value(metric); }
    QStringList metrics() const { return plots_.keys(); }
    // Writes <dir>/<metric>.png and .csv for every plot; returns the files written.
    QStringList exportAll(const QString& dir);

private:
    QMap<QString, CurvePlot*> plots_;
    QList<CurvePlot*> smoothed_;
    QSlider* smoothing_;
    QComboBox* x_axis_;
    QLabel* smoothing_label_;
};

}  // namespace rgpb::widgets
