// A run's curves as stored on disk (metrics.jsonl, core/run/RunStore.h) for the dashboard: one
// series per metric with its step, tokens seen and wall time. The store has no clock per event:
// the wall time is the running sum of the training steps' step_time_ms, so a run opened after a
// restart has a wall-time axis as a live run does (evaluation time is not in it).
#pragma once

#include <QHash>
#include <QString>
#include <QVector>

#include <vector>

#include "core/run/RunStore.h"
#include "widgets/CurvePlot.h"

namespace rgpb::widgets {

// Metric name ("loss", "perplexity", ...) -> its points in file order. Bookkeeping columns
// (tokens, step_time_ms, skipped, ...) are curves too; the dashboard shows the ones it plots.
QHash<QString, QVector<CurvePoint>> curvesFromMetrics(const std::vector<MetricEvent>& events);

}  // namespace rgpb::widgets
