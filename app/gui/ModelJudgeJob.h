// Runs the model judge (store/ModelJudgeRunner.h) on a WorkerJob for the Judge tab: the worker
// opens its own connection to the judgments database (a store belongs to the thread that opened
// it; SQLite's WAL lets the tab keep reading), and the latest counts, the summary or the reason
// it could not run arrive as signals on the GUI thread. cancel() stops it soon; answers already
// in are kept, and the next start sends only what is missing.
#pragma once

#include <QObject>
#include <QString>
#include <mutex>

#include "app/gui/WorkerJob.h"
#include "store/ModelJudgeRunner.h"

namespace rgpb::app {

class ModelJudgeJob : public QObject {
    Q_OBJECT

public:
    explicit ModelJudgeJob(QObject* parent = nullptr);

    // False (and nothing started) while a batch runs.
    bool start(const QString& db_path, const QString& set_name,
               const judging::ModelJudgeSettings& settings);
    void cancel() { job_->cancel(); }
    bool isRunning() const { return job_->isRunning(); }

Q_SIGNALS:
    void progress(const rgpb::judging::ModelJudgeProgress& p);
    void finished(const rgpb::judging::ModelJudgeSummary& summary);
    void failed(const QString& reason);

private:
    WorkerJob* job_;  // a child: destroyed (cancelled, joined) with this
    std::mutex mutex_;
    judging::ModelJudgeProgress latest_;  // guarded by mutex_: the worker writes, the GUI reads
};

}  // namespace rgpb::app
