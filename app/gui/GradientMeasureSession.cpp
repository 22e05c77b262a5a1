#include "app/gui/GradientMeasureSession.h"

#include <functional>

namespace rgpb::app {
namespace {

// The core's (done, total) progress as the job's feedback.
std::function<void(std::size_t, std::size_t)> reporter(WorkerJob::Feedback& feedback) {
    return [&feedback](std::size_t done, std::size_t total) {
        feedback.setProgress(static_cast<qint64>(done), static_cast<qint64>(total));
    };
}

}  // namespace

GradientMeasureSession::GradientMeasureSession(QObject* parent)
    : QObject(parent), job_(new WorkerJob(this)) {
    connect(job_, &WorkerJob::progress, this, [this](qint64 done, qint64 total) {
        if (replaying_)
            Q_EMIT replayProgress(done, total);
        else
            Q_EMIT progress(done, total);
    });
    connect(job_, &WorkerJob::failed, this, [this](const QString& message) {
        if (replaying_)
            Q_EMIT replayFailed(message);
        else
            Q_EMIT failed(message);
    });
}

bool GradientMeasureSession::start(const GradientMeasureRequest& request) {
    if (job_->isRunning())
        return false;
    replaying_ = false;
    return job_->start([this, request](WorkerJob::Feedback& feedback) -> WorkerJob::Completion {
        GradientMeasureResult result =
            measureGradients(request, reporter(feedback), feedback.cancelFlag());
        return [this, result] { Q_EMIT finished(result); };
    });
}

bool GradientMeasureSession::startReplay(const GradientReplayRequest& request) {
    if (job_->isRunning())
        return false;
    replaying_ = true;
    return job_->start([this, request](WorkerJob::Feedback& feedback) -> WorkerJob::Completion {
        GradientReplayResult result =
            replayGradients(request, reporter(feedback), feedback.cancelFlag());
        return [this, result] { Q_EMIT replayFinished(result); };
    });
}

}  // namespace rgpb::app
