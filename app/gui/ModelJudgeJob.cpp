#include "app/gui/ModelJudgeJob.h"

#include "store/JudgmentStore.h"

namespace rgpb::app {

ModelJudgeJob::ModelJudgeJob(QObject* parent) : QObject(parent), job_(new WorkerJob(this)) {
    connect(job_, &WorkerJob::progress, this, [this] {
        judging::ModelJudgeProgress p;
        {
            std::lock_guard<std::mutex> lock(mutex_);
            p = latest_;
        }
        Q_EMIT progress(p);
    });
    connect(job_, &WorkerJob::failed, this, &ModelJudgeJob::failed);
}

bool ModelJudgeJob::start(const QString& db_path, const QString& set_name,
                          const judging::ModelJudgeSettings& settings) {
    return job_->start([this, db = db_path.toStdString(), name = set_name.toStdString(),
                        settings](WorkerJob::Feedback& feedback) -> WorkerJob::Completion {
        judging::JudgmentStore store(db);
        const int64_t set_id = store.set(name).id;
        judging::ModelJudgeCallbacks callbacks;
        callbacks.cancel = feedback.cancelFlag();
        callbacks.progress = [this, &feedback](const judging::ModelJudgeProgress& p) {
            {
                std::lock_guard<std::mutex> lock(mutex_);
                latest_ = p;
            }
            feedback.setProgress(p.done, p.total);
        };
        const judging::ModelJudgeSummary summary =
            judging::runModelJudge(store, set_id, settings, callbacks);
        return [this, summary] { Q_EMIT finished(summary); };
    });
}

}  // namespace rgpb::app
