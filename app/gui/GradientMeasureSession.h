// The gradient lab's adapter: runs core measureGradients() (core/analytic/GradientMeasure.h) on
// a WorkerJob and delivers progress, the result or the failure to the GUI thread. Only plain
// values cross threads. One measurement at a time per session; destroying the session cancels
// and joins a running one.
#pragma once

#include <QObject>
#include <QString>

#include "app/gui/WorkerJob.h"
#include "core/analytic/GradientMeasure.h"

namespace rgpb::app {

class GradientMeasureSession : public QObject {
    Q_OBJECT

public:
    explicit GradientMeasureSession(QObject* parent = nullptr);

    // Starts a measurement; false (and nothing started) while one is running.
    bool start(const GradientMeasureRequest& request);
    void cancel() { job_->cancel(); }
    bool running() const { return job_->isRunning(); }

Q_SIGNALS:
    void progress(qint64 done, qint64 total);
    void finished(const rgpb::GradientMeasureResult& result);
    void failed(const QString& message);  // also for a cancelled measurement ("cancelled ...")

private:
    WorkerJob* job_;  // a child: destroyed (cancelled, joined) with the session
};

}  // namespace rgpb::app
