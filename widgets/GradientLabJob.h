// The run controls the gradient lab's measured views share (the measurement and the replay): a
// start button beside Cancel, a progress bar and a status line, and their states while a job
// runs, as it progresses, and when it fails.
#pragma once

#include <QString>

class QFormLayout;
class QLabel;
class QProgressBar;
class QPushButton;

namespace rgpb::widgets {

class GradientLabJob {
public:
    // `unit`: what the progress counts ("pairs", "steps").
    GradientLabJob(const QString& start_text, const QString& unit);

    // The buttons in a row, then the bar, then the status, as rows of `form`.
    void addRows(QFormLayout* form) const;
    void setRunning(bool running);
    void setProgress(qint64 done, qint64 total);
    void showError(const QString& message);
    void setStatus(const QString& text);
    void finished();  // the bar full, the start button back (then setStatus)

    bool running() const { return running_; }
    QPushButton* start() const { return start_; }
    QPushButton* cancel() const { return cancel_; }
    QProgressBar* progress() const { return progress_; }
    QLabel* status() const { return status_; }

private:
    QString unit_;
    QPushButton* start_;
    QPushButton* cancel_;
    QProgressBar* progress_;
    QLabel* status_;
    bool running_ = false;
};

}  // namespace rgpb::widgets
