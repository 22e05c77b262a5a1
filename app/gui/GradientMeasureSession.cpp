#include "app/gui/GradientMeasureSession.h"

namespace rgpb::app {

GradientMeasureSession::GradientMeasureSession(QObject* parent)
    : QObject(parent), job_(new WorkerJob(this)) {
    connect(job_, &WorkerJob::progress, this,
            [this](qint64 done, qint64 total) { Q_EMIT progress(done, total); });
    connect(job_, &WorkerJob::failed, this, &GradientMeasureSession::failed);
}

bool GradientMeasureSession::start(const GradientMeasureRequest& request) {
    return job_->start([this, request](WorkerJob::Feedback& feedback) -> WorkerJob::Completion {
        GradientMeasureResult result = measureGradients(
            request,
            [&feedback](std::size_t done, std::size_t total) {
                feedback.setProgress(static_cast<qint64>(done), static_cast<qint64>(total));
            },
            feedback.cancelFlag());
        return [this, result] { Q_EMIT finished(result); };
    });
}

}  // namespace rgpb::app
