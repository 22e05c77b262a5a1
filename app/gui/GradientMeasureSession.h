// The gradient lab's adapter: runs core measureGradients() (core/analytic/GradientMeasure.h) or
// replayGradients() (core/analytic/GradientReplay.h) on a WorkerJob and delivers progress, the
// result or the failure to the GUI thread, each on the signals of its kind. Only plain values
// cross threads. One job at a time per session (a measurement or a replay); destroying the
// session cancels and joins a running one.
#pragma once

#include <QObject>
#include <QString>

#include "app/gui/WorkerJob.h"
#include "core/analytic/GradientMeasure.h"
#include "core/analytic/GradientReplay.h"

namespace rgpb::app {

class GradientMeasureSession : public QObject {
    Q_OBJECT

public:
    explicit GradientMeasureSession(QObject* parent = nullptr);

    // Starts a measurement or a replay; false (and nothing started) while either is running.
    bool start(const GradientMeasureRequest& request);
    bool startReplay(const GradientReplayRequest& request);
    void cancel() { job_->cancel(); }
    bool running() const { return job_->isRunning(); }

Q_SIGNALS:
    void progress(qint64 done, qint64 total);
    void finished(const rgpb::GradientMeasureResult& result);
    void failed(const QString& message);  // also for a cancelled measurement ("cancelled ...")
    void replayProgress(qint64 done, qint64 total);
    void replayFinished(const rgpb::GradientReplayResult& result);
    void replayFailed(const QString& message);

private:
    WorkerJob* job_;          // a child: destroyed (cancelled, joined) with the session
    bool replaying_ = false;  // the kind of the running (or last) job
};

}  // namespace rgpb::app
