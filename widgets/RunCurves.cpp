#include "widgets/RunCurves.h"

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

}  // namespace rgpb::widgets
