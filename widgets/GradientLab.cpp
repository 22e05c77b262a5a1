#include "widgets/GradientLab.h"

#include <QScrollArea>

#include "widgets/GradientLabAnalytic.h"
#include "widgets/GradientLabMeasured.h"
#include "widgets/GradientLabReplay.h"

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
    : QTabWidget(parent),
      analytic_(new GradientLabAnalytic),
      measured_(new GradientLabMeasured),
      replay_(new GradientLabReplay) {
    addTab(scrolling(analytic_), "Analytic");
    auto* measured = new QTabWidget;
    measured->addTab(scrolling(measured_), "Measurement");
    measured->addTab(scrolling(replay_), "Replay");
    addTab(measured, "Measured");
}

}  // namespace rgpb::widgets
