#include "app/gui/WorkerJob.h"

#include <c10/util/Exception.h>

#include <QMetaObject>
#include <QPointer>
#include <QTimer>

namespace rgpb::app {

void WorkerJob::Feedback::setProgress(qint64 done, qint64 total, const QString& text) {
    job_.reportProgress(done, total, text);
}

WorkerJob::WorkerJob(QObject* parent) : QObject(parent) {}

WorkerJob::~WorkerJob() {
    cancel_.store(true);
    wait();
    // Events the worker posted to this job die with it: Qt drops them, nothing is delivered.
}

void WorkerJob::wait() {
    if (thread_.joinable())
        thread_.join();
}

bool WorkerJob::start(Work work) {
    if (thread_.joinable())
        return false;
    cancel_.store(false);
    const int run = ++run_;
    {
        // Each run is throttled on its own; a delivery still scheduled by the last one is void.
        std::lock_guard<std::mutex> lock(progress_mutex_);
        progress_run_ = run;
        has_progress_ = delivery_scheduled_ = false;
        last_delivery_ = {};
    }
    QPointer<WorkerJob> self(this);
    thread_ = std::thread([this, self, run, work = std::move(work)] {
        Completion completion;
        QString error;
        try {
            Feedback feedback(*this);
            completion = work(feedback);
        } catch (const c10::Error& e) {
            error = QString("LibTorch error: %1").arg(e.what_without_backtrace());
        } catch (const std::exception& e) {
            error = QString::fromStdString(e.what());
        } catch (...) {
            error = "unknown error";
        }
        // `this` outlives the thread (the destructor joins), and Qt drops the event if the job
        // is destroyed before it is delivered; the QPointer says so explicitly.
        QMetaObject::invokeMethod(
            this,
            [self, run, completion = std::move(completion), error] {
                if (self)
                    self->deliverEnd(run, completion, error);
            },
            Qt::QueuedConnection);
    });
    return true;
}

// A leading-and-trailing throttle: a report after a quiet interval goes out at once with its
// values; reports within the interval only update the latest values, which one delayed
// delivery shows at the end of the interval (or the end of the job flushes).
void WorkerJob::reportProgress(qint64 done, qint64 total, const QString& text) {
    const auto interval = std::chrono::milliseconds(kProgressIntervalMs);
    const auto now = Clock::now();
    QPointer<WorkerJob> self(this);
    std::lock_guard<std::mutex> lock(progress_mutex_);
    if (!delivery_scheduled_ && now - last_delivery_ >= interval) {
        last_delivery_ = now;
        QMetaObject::invokeMethod(
            this,
            [self, done, total, text] {
                if (self)
                    Q_EMIT self->progress(done, total, text);
            },
            Qt::QueuedConnection);
        return;
    }
    done_ = done;
    total_ = total;
    text_ = text;
    has_progress_ = true;
    if (delivery_scheduled_)
        return;  // the scheduled delivery shows the latest values
    delivery_scheduled_ = true;
    const auto delay =
        std::chrono::duration_cast<std::chrono::milliseconds>(last_delivery_ + interval - now);
    last_delivery_ += interval;
    QMetaObject::invokeMethod(
        this,
        [self, delay, run = progress_run_] {
            if (self)
                QTimer::singleShot(delay, self.data(), [self, run] {
                    if (self)
                        self->deliverProgress(run);
                });
        },
        Qt::QueuedConnection);
}

void WorkerJob::deliverProgress(int run) {
    qint64 done = 0, total = 0;
    QString text;
    {
        std::lock_guard<std::mutex> lock(progress_mutex_);
        if (run != progress_run_)
            return;  // scheduled by an earlier run
        delivery_scheduled_ = false;
        if (!has_progress_)
            return;  // flushed already by the end
        has_progress_ = false;
        done = done_;
        total = total_;
        text = text_;
    }
    Q_EMIT progress(done, total, text);
}

void WorkerJob::deliverEnd(int run, const Completion& completion, const QString& error) {
    if (run == run_) {
        wait();                // the work has returned: this join is immediate
        deliverProgress(run);  // the latest progress comes before the end
    }
    QString message = error;
    if (message.isEmpty() && completion) {
        // An exception must never escape into the event loop.
        try {
            completion();
        } catch (const std::exception& e) {
            message = QString::fromStdString(e.what());
        }
    }
    if (message.isEmpty())
        Q_EMIT succeeded();
    else
        Q_EMIT failed(message);
    Q_EMIT ended();
}

}  // namespace rgpb::app
