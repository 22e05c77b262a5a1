// The gradient lab's adapter: runs core measureGradients() (core/analytic/GradientMeasure.h) on
// a worker thread and delivers progress, the result or the failure to the GUI thread through
// queued calls. Only plain values cross threads. One measurement at a time per session;
// destroying the session cancels and joins a running one.
#pragma once

#include <QObject>
#include <QString>

#include <atomic>
#include <thread>

#include "core/analytic/GradientMeasure.h"

namespace rgpb::app {

class GradientMeasureSession : public QObject {
    Q_OBJECT

public:
    explicit GradientMeasureSession(QObject* parent = nullptr);
    ~GradientMeasureSession() override;

    // Starts a measurement; false (and nothing started) while one is running.
    bool start(const GradientMeasureRequest& request);
    void cancel();
    bool running() const { return running_; }

Q_SIGNALS:
    void progress(qint64 done, qint64 total);
    void finished(const rgpb::GradientMeasureResult& result);
    void failed(const QString& message);  // also for a cancelled measurement ("cancelled ...")

private:
    void join();

    std::thread worker_;
    std::atomic<bool> cancel_{false};
    bool running_ = false;
};

}  // namespace rgpb::app
