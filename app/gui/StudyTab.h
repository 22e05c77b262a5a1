// The workbench's Study tab: open a study file (presets/studies/*.yaml) or a study folder, edit
// the file with its parse errors shown (parseStudySpec, file:line:col), Run it, watch the
// progress grid fill, read the aggregated views, and export the report.
//
// Run uses the study runner of the CLI (core/study/StudyRunner.h: the same scheduling, the same
// study.json) on a WorkerJob, with an executor that hands every run that can start to the
// window, which queues it like any other run (MainWindow::launchInFolder, its RunQueue and
// concurrency); when the window says a run ended the runner re-plans and the next runs are
// queued. Runs already finished are reused, failed or interrupted ones are rerun (resumed from
// their checkpoint where they have one). The information and gradient difference of each task
// under the base (a gradient-lab measurement of the task's eval pairs, as `rgpb study` takes it)
// is measured on a WorkerJob of its own. The views are refreshed from loadStudyResults +
// aggregateStudy + evaluateClaims, read on a WorkerJob, whenever a run of the study ends.
#pragma once

#include <QHash>
#include <QObject>
#include <QString>
#include <deque>
#include <memory>

#include "app/gui/WorkerJob.h"
#include "core/run/RunStatus.h"
#include "core/study/StudyPlan.h"

namespace rgpb::widgets {
class StudyView;
}

namespace rgpb::app {

class MainWindow;

class StudyTab : public QObject {
    Q_OBJECT

public:
    StudyTab(MainWindow* window, const QString& studies_dir);
    ~StudyTab() override;  // stops the runner (queued runs stay in the window's queue)

    widgets::StudyView* view() const { return view_; }
    // Where studies are run: <studies>/<name>/ and the shared <studies>/.runs/.
    QString studiesDir() const { return studies_dir_; }
    void setStudiesDir(const QString& dir);

    // Opens a study file in the editor and shows what the study has produced so far (its
    // folder under the studies folder, if it has run). False with the reason shown when the
    // file cannot be read.
    bool openFile(const QString& path);
    // Opens a study folder (its study.json and study.yaml): the file it ran from in the editor,
    // its progress and results in the views.
    bool openFolder(const QString& dir);
    // Saves the editor's file, parses it and starts the runner; false (reason shown) when the
    // study is invalid or a runner is already going.
    bool run();
    bool isRunning() const;
    // Stops queueing new runs of the study; the runs queued or running go on.
    void stop();
    // Writes the report (writeStudyReport) of the open study into `out_dir` on a WorkerJob.
    bool exportReport(const QString& out_dir);
    // Rereads the open study (plan, results, aggregate, claims) in the background.
    void refresh();
    // The open study's folder (<studies>/<name>), empty when none.
    QString studyDir() const { return study_dir_; }
    QString statusText() const;
    // What a refresh reads in the background (StudyTab.cpp).
    struct Snapshot;

Q_SIGNALS:
    void refreshed();  // the views show the study as it is on disk now
    void exported(const QString& out_dir, bool ok);
    void finished();  // the runner ended (every run that could run has ended, or stopped)

private:
    struct Execution;
    class Executor;
    void startPlannedRun(const PlannedRun& run);
    void startNextMeasure();                    // one measurement at a time, on measurer_
    void endedNow(const std::string& run_dir);  // tells the runner that a run ended
    void apply(const Snapshot& snapshot);
    void onRunEnded(const QString& id, RunStatus status, const QString& reason);
    void showStatus(const QString& text, bool error = false);
    void openSpec(const StudySpec& spec, const QString& plan_root);

    MainWindow* window_;
    widgets::StudyView* view_;
    QString studies_dir_, study_dir_;
    StudySpec spec_;  // the open study (valid when has_spec_)
    bool has_spec_ = false;
    QString plan_root_;                     // the studies folder the open study is planned under
    std::shared_ptr<Execution> execution_;  // shared with the runner's thread
    // Runs this tab handed to the window: the window's id -> the plan's run folder.
    QHash<QString, std::string> study_runs_;
    int runs_done_ = 0, runs_total_ = 0;
    WorkerJob* runner_;
    WorkerJob* loader_;
    WorkerJob* exporter_;
    WorkerJob* measurer_;
    std::deque<PlannedRun> measures_;  // waiting for measurer_
    bool refresh_again_ = false;
    QString status_;
    QString runner_error_;  // why the last Run's runner stopped early (shown with the progress)
};

}  // namespace rgpb::app
