#include "widgets/GradientLab.h"

#include <QScrollArea>

#include "widgets/GradientLabAnalytic.h"
#include "widgets/GradientLabMeasured.h"

namespace rgpb::widgets {
namespace {

// A page that scrolls rather than forcing its minimum size on the window (its plots side by side
// want ~1280 px; the workbench must fit 1024x700).
QScrollArea* scrolling(QWidget* page) {
    auto* area = new QScrollArea;
    area->setWidget(page);
    area->setWidgetResizable(true);
    area->setFrameShape(QFrame::NoFrame);
    return area;
}

}  // namespace

GradientLab::GradientLab(QWidget* parent)
    : QTabWidget(parent), analytic_(new GradientLabAnalytic), measured_(new GradientLabMeasured) {
    addTab(scrolling(analytic_), "Analytic");
    addTab(scrolling(measured_), "Measured");
}

}  // namespace rgpb::widgets
