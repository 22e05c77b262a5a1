// A run's curves as stored on disk (metrics.jsonl, core/run/RunStore.h) for the dashboard: one
// series per metric with its step, tokens seen and wall time. The store has no clock per event:
// the wall time is the running sum of the training steps' step_time_ms, so a run opened after a
// restart has a wall-time axis as a live run does (evaluation time is not in it).
#pragma once

#include <QHash>
#include <QString>
#include <QVector>

#include <vector>

#include "core/diagnostics/Diagnostics.h"
#include "core/run/RunStore.h"
#include "widgets/CurvePlot.h"

namespace rgpb::widgets {

// Metric name ("loss", "perplexity", ...) -> its points in file order. Bookkeeping columns
// (tokens, step_time_ms, skipped, ...) are curves too; the dashboard shows the ones it plots.
QHash<QString, QVector<CurvePoint>> curvesFromMetrics(const std::vector<MetricEvent>& events);

// The dashboard's two diagnostics curves from a run's diagnostics rows: "neg_weight_median" (the
// first penalising term's median weight; rows without one give no point) and
// "displacement_share". Tokens and wall time come from `clock`, points of the same run that
// carry them (its evaluation curve): the last one at or before each row's step.
QHash<QString, QVector<CurvePoint>> curvesFromDiagnostics(const std::vector<DiagnosticsRow>& rows,
                                                          const QVector<CurvePoint>& clock);

// A likelihood-displacement alert: the first evaluation of a stage whose displaced share reached
// the threshold.
struct DisplacementAlert {
    qint64 step = 0;
    int stage = 0;
    double share = 0;  // of eval pairs
    QString text;      // "likelihood displacement: 62% of eval pairs (alert at 50%) at step 40"
};
QVector<DisplacementAlert> displacementAlerts(const std::vector<DiagnosticsRow>& rows);

}  // namespace rgpb::widgets
