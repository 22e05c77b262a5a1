// The one way the workbench runs background work (compare QGIS's QgsTask/QgsFeedback): a job
// owns its std::thread and an atomic cancel flag, joins on destruction, coalesces progress to at
// most ~30 updates a second on the GUI thread (never losing the latest), turns any exception
// (std::exception, LibTorch's c10::Error included) into failed(message), and posts the work's
// result to the GUI thread behind a guard: a job is a QObject living on the GUI thread, usually
// a child of the object that wants the result, so a result arriving after its receiver (and
// with it the job) is gone is dropped, never delivered to a dead object. Nothing else in app/
// starts threads.
//
// The work runs on the worker thread and returns a Completion, a closure over plain values that
// runs on the GUI thread once the thread has been joined; then succeeded() and ended() are
// emitted. Only plain values cross threads.
#pragma once

#include <QObject>
#include <QString>
#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <thread>

namespace rgpb::app {

class WorkerJob : public QObject {
    Q_OBJECT

public:
    // What the work sees on the worker thread: the cancel flag and a progress reporter.
    class Feedback {
    public:
        bool isCancelled() const { return job_.cancel_.load(); }
        // For core functions that poll a flag between steps (measureGradients, runComparison).
        const std::atomic<bool>* cancelFlag() const { return &job_.cancel_; }
        // Cheap to call at every step: the GUI gets at most one update per kProgressIntervalMs.
        void setProgress(qint64 done, qint64 total, const QString& text = {});

    private:
        friend class WorkerJob;
        explicit Feedback(WorkerJob& job) : job_(job) {}
        WorkerJob& job_;
    };
    // Runs on the GUI thread after the work returned; empty for work without a result.
    using Completion = std::function<void()>;
    using Work = std::function<Completion(Feedback&)>;

    static constexpr int kProgressIntervalMs = 33;  // ~30 updates a second

    explicit WorkerJob(QObject* parent = nullptr);
    ~WorkerJob() override;  // cancels and joins; an undelivered result is dropped

    // Runs `work` on a new thread; false (and nothing started) while the job is running.
    bool start(Work work);
    void cancel() { cancel_.store(true); }
    bool isCancelled() const { return cancel_.load(); }
    // From start() until the thread is joined: when the end is delivered, or by wait().
    bool isRunning() const { return thread_.joinable(); }
    // Joins the thread now (GUI thread). The end (completion, signals) is still delivered later.
    void wait();

Q_SIGNALS:
    void progress(qint64 done, qint64 total, const QString& text);
    void succeeded();                     // after the completion ran
    void failed(const QString& message);  // the work (or its completion) threw
    void ended();                         // last, after succeeded() or failed()

private:
    using Clock = std::chrono::steady_clock;
    void reportProgress(qint64 done, qint64 total, const QString& text);           // worker thread
    void deliverProgress(int run);                                                 // GUI thread
    void deliverEnd(int run, const Completion& completion, const QString& error);  // GUI thread

    std::thread thread_;
    int run_ = 0;  // counts start()s, so a late end never joins a newer thread
    std::atomic<bool> cancel_{false};
    // Latest progress not yet shown, guarded by progress_mutex_.
    std::mutex progress_mutex_;
    qint64 done_ = 0, total_ = 0;
    QString text_;
    int progress_run_ = 0;  // the run the values below belong to
    bool has_progress_ = false, delivery_scheduled_ = false;
    Clock::time_point last_delivery_{};
};

}  // namespace rgpb::app
