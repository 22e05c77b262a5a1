#include "app/gui/ComparisonJob.h"

#include <QMetaObject>
#include <chrono>

#include "core/util/Error.h"

namespace rgpb::app {

ComparisonJob::ComparisonJob(QObject* parent) : QObject(parent) {}

ComparisonJob::~ComparisonJob() {
    cancel_.store(true);
    if (worker_.joinable())
        worker_.join();
}

bool ComparisonJob::start(const ComparisonRequest& request) {
    if (running_)
        return false;
    if (worker_.joinable())
        worker_.join();
    cancel_.store(false);
    running_ = true;
    worker_ = std::thread([this, request] {
        using Clock = std::chrono::steady_clock;
        const auto t0 = Clock::now();
        auto last = t0 - std::chrono::seconds(1);
        auto report = [&](const ComparisonProgress& p) {
            const auto now = Clock::now();
            if (now - last < std::chrono::milliseconds(100))
                return;  // ~10 updates a second are plenty
            last = now;
            const auto& g = p.generation;
            double within = g.prompts_total > 0 ? double(g.prompts_done) / g.prompts_total : 0.0;
            double fraction = (p.model + within) / 2.0;
            double elapsed = std::chrono::duration<double>(now - t0).count();
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
            QMetaObject::invokeMethod(
                this, [this, fraction, text] { Q_EMIT progress(fraction, text); },
                Qt::QueuedConnection);
        };
        QString error;
        int items = 0;
        try {
            items = static_cast<int>(runComparison(request, report, &cancel_).items.size());
        } catch (const std::exception& e) {
            error = QString::fromStdString(e.what());
        }
        QMetaObject::invokeMethod(
            this,
            [this, error, items, dir = QString::fromStdString(request.out_dir)] {
                running_ = false;
                if (error.isEmpty())
                    Q_EMIT finished(dir, items);
                else
                    Q_EMIT failed(error);
            },
            Qt::QueuedConnection);
    });
    return true;
}

}  // namespace rgpb::app
