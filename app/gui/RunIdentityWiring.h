// Which curve is which, wired into the window: one RunIdentities registry (widgets/RunIdentity.h)
// shared by the curves, the legend, the landscape, the samples view and the run table, its
// colours read from (or, for a run that has none yet, assigned into) each run's run.json.
#pragma once

namespace rgpb::widgets {
class RunIdentities;
}

namespace rgpb::app {

class MainWindow;

// Creates the window's registry (a child of `window`, object name "runIdentities") and hands it
// to every view; rows already in the run table are registered at once.
widgets::RunIdentities* installRunIdentities(MainWindow& window);

}  // namespace rgpb::app
