#include "app/gui/ComparisonJob.h"

#include <chrono>

namespace rgpb::app {

namespace {
constexpr qint64 kPermille = 1000;  // progress travels as done / kPermille
}

ComparisonJob::ComparisonJob(QObject* parent) : QObject(parent), job_(new WorkerJob(this)) {
    connect(job_, &WorkerJob::progress, this, [this](qint64 done, qint64, const QString& text) {
        Q_EMIT progress(double(done) / kPermille, text);
    });
    connect(job_, &WorkerJob::failed, this, &ComparisonJob::failed);
}

bool ComparisonJob::start(const ComparisonRequest& request) {
    return job_->start([this, request](WorkerJob::Feedback& feedback) -> WorkerJob::Completion {
        using Clock = std::chrono::steady_clock;
        const auto t0 = Clock::now();
        auto report = [&](const ComparisonProgress& p) {
            const auto& g = p.generation;
            double within = g.prompts_total > 0 ? double(g.prompts_done) / g.prompts_total : 0.0;
            double fraction = (p.model + within) / 2.0;
            double elapsed = std::chrono::duration<double>(Clock::now() - t0).count();
            QString eta =
                fraction > 0.02
                    ? QString(", about %1 s left").arg(qRound(elapsed * (1 - fraction) / fraction))
                    : QString();
            QString text = QString("model %1: %2 / %3 prompts, %4 tokens%5")
                               .arg(p.model == 0 ? "A" : "B")
                               .arg(g.prompts_done)
                               .arg(g.prompts_total)
                               .arg(g.tokens_generated)
                               .arg(eta);
            feedback.setProgress(qRound64(fraction * kPermille), kPermille, text);
        };
        int items =
            static_cast<int>(runComparison(request, report, feedback.cancelFlag()).items.size());
        return [this, items, dir = QString::fromStdString(request.out_dir)] {
            Q_EMIT finished(dir, items);
        };
    });
}

}  // namespace rgpb::app
