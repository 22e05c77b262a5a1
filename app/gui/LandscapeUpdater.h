// Landscape points (perplexity against agility with bootstrap intervals, CoreBindings.h's
// landscapePoint()) computed off the GUI thread: reading eval_pairs.csv and 1000 bootstrap
// resamples take long enough to freeze the window after every evaluation. Requests queue on one
// WorkerJob, one run at a time; the latest request per run wins (an older one still waiting is
// replaced, and the result of one computed while a newer is waiting is dropped), and results
// arrive as pointReady() on the GUI thread.
#pragma once

#include <QHash>
#include <QObject>
#include <QStringList>
#include <functional>
#include <optional>

#include "app/gui/WorkerJob.h"
#include "core/run/RunStore.h"
#include "widgets/LandscapeView.h"

namespace rgpb::app {

class LandscapeUpdater : public QObject {
    Q_OBJECT

public:
    // Runs on the worker thread; landscapePoint() unless a test gives another.
    using Compute = std::function<std::optional<widgets::LandscapePoint>(const RunSummary&)>;

    explicit LandscapeUpdater(QObject* parent = nullptr, Compute compute = {});

    // Asks for the point of `run` (summary.dir names it) from its files as they are now.
    void request(const RunSummary& run);
    // Drops what is pending or computing for the run (e.g. it was deleted).
    void forget(const QString& run_dir);
    bool isIdle() const { return !job_->isRunning() && order_.isEmpty(); }

Q_SIGNALS:
    void pointReady(const rgpb::widgets::LandscapePoint& point);

private:
    void startNext();

    Compute compute_;
    WorkerJob* job_;                      // a child: joined when the updater goes
    QStringList order_;                   // runs waiting, oldest request first
    QHash<QString, RunSummary> waiting_;  // the latest request per waiting run
    QString computing_;                   // the run being computed; empty when forgotten
};

}  // namespace rgpb::app

Q_DECLARE_METATYPE(rgpb::widgets::LandscapePoint)
