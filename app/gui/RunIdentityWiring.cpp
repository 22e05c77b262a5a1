#include "app/gui/RunIdentityWiring.h"

#include <QColor>

#include "app/gui/MainWindow.h"
#include "core/run/RunStore.h"
#include "widgets/DiagnosticsView.h"
#include "widgets/LandscapeView.h"
#include "widgets/MetricsDashboard.h"
#include "widgets/RunIdentity.h"
#include "widgets/RunTable.h"
#include "widgets/SamplesView.h"

namespace rgpb::app {

widgets::RunIdentities* installRunIdentities(MainWindow& window) {
    auto* identities = new widgets::RunIdentities(&window);
    identities->setObjectName("runIdentities");
    // The colour stored with the run; a run made before colours were stored gets one now.
    identities->setColorSource([](const QString& id) {
        try {
            return QColor(QString::fromStdString(assignRunColor(id.toStdString())));
        } catch (const std::exception&) {
            return QColor();  // unwritable folder: a colour for this session only
        }
    });
    window.dashboard()->setIdentities(identities);
    window.landscape()->setIdentities(identities);
    window.samplesView()->setIdentities(identities);
    window.diagnosticsView()->setIdentities(identities);
    window.runTable()->setIdentities(identities);
    return identities;
}

}  // namespace rgpb::app
