// Generates a comparison set (two runs answering the same prompts, core/generate/Comparison.h)
// on a worker thread for the Judge tab: progress (fraction, text with ETA) and the end arrive as
// queued signals on the GUI thread; cancel() stops it between decoding steps.
#pragma once

#include <QObject>
#include <QString>
#include <atomic>
#include <memory>
#include <thread>

#include "core/generate/Comparison.h"

namespace rgpb::app {

class ComparisonJob : public QObject {
    Q_OBJECT

public:
    explicit ComparisonJob(QObject* parent = nullptr);
    ~ComparisonJob() override;  // cancels and joins

    // False (and nothing started) while another job runs.
    bool start(const ComparisonRequest& request);
    void cancel() { cancel_.store(true); }
    bool isRunning() const { return running_; }

Q_SIGNALS:
    void progress(double fraction, const QString& text);
    void finished(const QString& out_dir, int items);
    void failed(const QString& reason);  // "cancelled by the user" when cancelled

private:
    std::thread worker_;
    std::atomic<bool> cancel_{false};
    bool running_ = false;
};

}  // namespace rgpb::app
