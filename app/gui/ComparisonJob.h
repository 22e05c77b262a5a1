// Generates a comparison set (two runs answering the same prompts, core/generate/Comparison.h)
// on a WorkerJob for the Judge tab: progress (fraction, text with ETA) and the end arrive as
// signals on the GUI thread; cancel() stops it between decoding steps.
#pragma once

#include <QObject>
#include <QString>

#include "app/gui/WorkerJob.h"
#include "core/generate/Comparison.h"

namespace rgpb::app {

class ComparisonJob : public QObject {
    Q_OBJECT

public:
    explicit ComparisonJob(QObject* parent = nullptr);

    // False (and nothing started) while another job runs.
    bool start(const ComparisonRequest& request);
    void cancel() { job_->cancel(); }
    bool isRunning() const { return job_->isRunning(); }

Q_SIGNALS:
    void progress(double fraction, const QString& text);
    void finished(const QString& out_dir, int items);
    void failed(const QString& reason);  // "cancelled by the user" when cancelled

private:
    WorkerJob* job_;  // a child: destroyed (cancelled, joined) with this
};

}  // namespace rgpb::app
