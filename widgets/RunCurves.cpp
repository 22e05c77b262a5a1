#include "widgets/RunCurves.h"

#include <algorithm>
#include <cmath>

namespace rgpb::widgets {

QHash<QString, QVector<CurvePoint>> curvesFromMetrics(const std::vector<MetricEvent>& events) {
    QHash<QString, QVector<CurvePoint>> curves;
    double tokens = 0, seconds = 0;
    for (const MetricEvent& e : events) {
        if (e.split == "train") {
            for (const auto& [k, v] : e.values) {
                if (k == "tokens" && std::isfinite(v))
                    tokens = v;
                if (k == "step_time_ms" && std::isfinite(v) && v > 0)
                    seconds += v / 1000.0;
            }
        }
        for (const auto& [k, v] : e.values)
            curves[QString::fromStdString(k)].append({double(e.step), tokens, seconds, v});
    }
    return curves;
}

QHash<QString, QVector<CurvePoint>> curvesFromDiagnostics(const std::vector<DiagnosticsRow>& rows,
                                                          const QVector<CurvePoint>& clock) {
    QHash<QString, QVector<CurvePoint>> curves;
    for (const DiagnosticsRow& row : rows) {
        CurvePoint p;
        p.step = double(row.step);
        // The clock's last point at or before this step (the evaluation the row belongs to).
        auto after = std::upper_bound(clock.begin(), clock.end(), p.step,
                                      [](double s, const CurvePoint& c) { return s < c.step; });
        if (after != clock.begin()) {
            p.tokens = (after - 1)->tokens;
            p.seconds = (after - 1)->seconds;
        }
        p.value = row.displacement.share;
        curves["displacement_share"].append(p);
        if (!row.weights.empty()) {
            p.value = row.weights.front().median;
            curves["neg_weight_median"].append(p);
        }
    }
    return curves;
}

QVector<DisplacementAlert> displacementAlerts(const std::vector<DiagnosticsRow>& rows) {
    QVector<DisplacementAlert> alerts;
    for (const DiagnosticsRow& row : rows) {
        const DisplacementInfo& d = row.displacement;
        if (!d.alert || (!alerts.isEmpty() && alerts.back().stage == row.stage))
            continue;
        alerts.append(
            {row.step, row.stage, d.share,
             QString("likelihood displacement: %1% of eval pairs (alert at %2%) at step %3")
                 .arg(100.0 * d.share, 0, 'f', 0)
                 .arg(100.0 * d.threshold, 0, 'f', 0)
                 .arg(row.step)});
    }
    return alerts;
}

}  // namespace rgpb::widgets
