#include "widgets/GradientLab.h"

#include "widgets/GradientLabAnalytic.h"
#include "widgets/GradientLabMeasured.h"

namespace rgpb::widgets {

GradientLab::GradientLab(QWidget* parent)
    : QTabWidget(parent), analytic_(new GradientLabAnalytic), measured_(new GradientLabMeasured) {
    addTab(analytic_, "Analytic");
    addTab(measured_, "Measured");
}

}  // namespace rgpb::widgets
