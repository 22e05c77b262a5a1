// The "Gradient lab" tab: the analytic view (the paper's closed forms, interactive) and the
// measured view (the same analysis checked on a trained model), as two sub-tabs; the measured
// one holds the measurement and the replay (every objective's gradient on one batch) as tabs.
#pragma once

#include <QTabWidget>

namespace rgpb::widgets {

class GradientLabAnalytic;
class GradientLabMeasured;
class GradientLabReplay;

class GradientLab : public QTabWidget {
    Q_OBJECT

public:
    explicit GradientLab(QWidget* parent = nullptr);
    GradientLabAnalytic* analytic() const { return analytic_; }
    GradientLabMeasured* measured() const { return measured_; }
    GradientLabReplay* replay() const { return replay_; }

private:
    GradientLabAnalytic* analytic_;
    GradientLabMeasured* measured_;
    GradientLabReplay* replay_;
};

}  // namespace rgpb::widgets
