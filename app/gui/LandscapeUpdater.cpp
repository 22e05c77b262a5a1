#include "app/gui/LandscapeUpdater.h"

#include "app/gui/CoreBindings.h"

namespace rgpb::app {

LandscapeUpdater::LandscapeUpdater(QObject* parent, Compute compute)
    : QObject(parent),
      compute_(compute ? std::move(compute) : Compute(landscapePoint)),
      job_(new WorkerJob(this)) {
    qRegisterMetaType<rgpb::widgets::LandscapePoint>();
    connect(job_, &WorkerJob::ended, this, [this] {
        computing_.clear();
        startNext();
    });
}

void LandscapeUpdater::request(const RunSummary& run) {
    const QString id = QString::fromStdString(run.dir);
    if (!waiting_.contains(id))
        order_ << id;
    waiting_.insert(id, run);
    startNext();
}

void LandscapeUpdater::forget(const QString& run_dir) {
    order_.removeAll(run_dir);
    waiting_.remove(run_dir);
    if (computing_ == run_dir)
        computing_.clear();  // its result is dropped
}

void LandscapeUpdater::startNext() {
    if (job_->isRunning() || order_.isEmpty())
        return;
    computing_ = order_.takeFirst();
    RunSummary run = waiting_.take(computing_);
    job_->start([this, run, id = computing_](WorkerJob::Feedback&) -> WorkerJob::Completion {
        std::optional<widgets::LandscapePoint> point = compute_(run);
        return [this, point, id] {
            // Dropped when the run was forgotten or a newer request for it is waiting.
            if (point && computing_ == id && !waiting_.contains(id))
                Q_EMIT pointReady(*point);
        };
    });
}

}  // namespace rgpb::app
