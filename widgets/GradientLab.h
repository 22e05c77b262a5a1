// The "Gradient lab" tab: the analytic view (the paper's closed forms, interactive) and the
// measured view (the same analysis checked on a trained model), as two sub-tabs.
#pragma once

#include <QTabWidget>

namespace rgpb::widgets {

class GradientLabAnalytic;
class GradientLabMeasured;

class GradientLab : public QTabWidget {
    Q_OBJECT

public:
    explicit GradientLab(QWidget* parent = nullptr);
    GradientLabAnalytic* analytic() const { return analytic_; }
    GradientLabMeasured* measured() const { return measured_; }

private:
    GradientLabAnalytic* analytic_;
    GradientLabMeasured* measured_;
};

}  // namespace rgpb::widgets
