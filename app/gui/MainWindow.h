// The workbench window: configure a run (preset, YAML with live validation, the paper's recipes
// one click away), launch it or a beta sweep into a queue with a configurable number of
// concurrent runs, watch live curves, manage runs (cancel, pause, delete, open folder), and read
// the log. Earlier runs in the runs folder, from the GUI or the CLI, are listed with their
// curves at start and when refreshed.
//
// The run lifecycle (MainWindowLifecycle.cpp): the queue is kept in <runs dir>/queue.json and
// re-queued by the next window; closing with active or queued runs asks first; a stopped run
// with a checkpoint can be resumed. The frame (MainWindowFrame.cpp): the menu bar, the settings
// a window remembers (QSettings, only when the application has an organization name), and the
// runs folder watched for runs started elsewhere (the CLI).
#pragma once

#include <QHash>
#include <QMainWindow>
#include <QPointer>
#include <QStringList>
#include <functional>
#include <memory>

#include "app/gui/ComparisonJob.h"
#include "app/gui/RunQueue.h"
#include "app/gui/TrainingSession.h"
#include "core/util/Log.h"
#include "store/ModelJudgeRunner.h"
#include "widgets/ComparisonDialog.h"  // RunChoice
#include "widgets/RunCurves.h"
#include "widgets/RunTable.h"

class QSpinBox;
class QLabel;
class QTabWidget;
class QFileSystemWatcher;
class QTimer;

namespace rgpb::widgets {
class ConfigEditor;
class MetricsDashboard;
class LandscapeView;
class LogView;
class SamplesView;
class DiagnosticsView;
class ChatView;
class ModelJudgeDialog;
class JudgingView;
class GradientLab;
}  // namespace rgpb::widgets

namespace rgpb::app {

class ChatSession;
class ModelJudgeJob;
class GradientMeasureSession;
class LandscapeUpdater;
class StudyTab;

// Optimizer steps a config plans when every stage gives `steps`; 0 when one counts epochs (the
// data size decides, known once the run starts).
qint64 plannedSteps(const RunConfig& config);

class MainWindow : public QMainWindow {
    Q_OBJECT

public:
    MainWindow(const QString& runs_dir, const QString& preset_dir, QWidget* parent = nullptr);
    ~MainWindow() override;

    // Queues a run of `yaml` (source names it in errors); returns the run folder, or an empty
    // string with the error shown when the YAML is invalid.
    QString launch(const QString& yaml, const QString& source, const QStringList& overrides = {});
    // Queues a run of a parsed config; returns its folder (empty when it cannot be created).
    QString launchConfig(RunConfig config);
    // Queues a run of `config` in `run_dir` (a study's content-addressed folder, created when
    // absent). A folder holding a failed or interrupted run is resumed from its checkpoint, or
    // cleared and started again without one; a run already queued or running is left as it is.
    // Returns the run's id (its absolute folder), empty when it cannot be queued.
    QString launchInFolder(RunConfig config, const QString& run_dir);
    // Shows the run on the Train tab, selected (listed from its folder when not shown yet).
    void openRun(const QString& run_dir);
    // One run per method x beta (methods empty: the preset's own), queued; returns their folders.
    QStringList launchSweep(const QString& yaml, const QString& source, const QStringList& betas,
                            const QStringList& methods = {});
    void loadPreset(const QString& path);
    void refreshRuns();  // lists runs on disk that are not already shown
    int maxConcurrent() const;
    void setMaxConcurrent(int n);

    widgets::ConfigEditor* editor() const { return editor_; }
    widgets::MetricsDashboard* dashboard() const { return dashboard_; }
    widgets::RunTable* runTable() const { return runs_; }
    widgets::LogView* logView() const { return log_; }
    widgets::LandscapeView* landscape() const { return landscape_; }
    QTabWidget* views() const { return views_; }
    widgets::SamplesView* samplesView() const { return samples_; }
    widgets::DiagnosticsView* diagnosticsView() const { return diagnostics_; }
    TrainingSession* session(const QString& id) const { return sessions_.value(id); }
    widgets::JudgingView* judgingView() const { return judging_; }
    // Generates a comparison set in the background and imports it into the Judge tab when done
    // (the "New comparison..." dialog ends here). `typed` prompts, when given, are written to
    // the set's folder as its prompts file. nullptr while another comparison is generating.
    ComparisonJob* startComparison(ComparisonRequest request, const QStringList& typed = {});
    widgets::ChatView* chatView() const { return chat_; }
    ChatSession* chatSession() const { return chat_session_; }
    // The model judge's dialog for the Judge tab's current set (opened, or raised), and its batch
    // with the dialog's settings (nullptr while one runs or with no dialog). MainWindowJudge.cpp.
    void openModelJudge();
    ModelJudgeJob* startModelJudge(const judging::ModelJudgeSettings& settings);
    widgets::ModelJudgeDialog* modelJudgeDialog() const { return model_judge_dialog_; }
    widgets::GradientLab* gradientLab() const { return gradient_lab_; }
    GradientMeasureSession* gradientMeasureSession() const { return lab_session_; }

    LandscapeUpdater* landscapeUpdater() const { return landscape_jobs_; }
    StudyTab* studyTab() const { return study_; }
    const RunQueue& queue() const { return queue_; }

    // Continues a cancelled, failed or interrupted run from its last checkpoint (queued like a
    // new run); false, with the reason logged, when it has no checkpoint or is active.
    bool resumeRun(const QString& id);
    // Asked when the window closes with runs active or queued: true = cancel the running runs
    // (their checkpoints are kept; the queued ones stay queued for the next start) and quit,
    // false = keep the window open. The default asks with a message box.
    using CloseDecision = std::function<bool(int running, int queued)>;
    void setCloseDecision(CloseDecision decide) { close_decision_ = std::move(decide); }
    static QString closeQuestion(int running, int queued);  // the message box's text
    // The preset the last window had open (QSettings); empty when none or settings are off.
    static QString lastPreset();
    // Opens `asked` (--preset), even when missing, so the editor says it cannot open it rather
    // than showing another preset as if it were the one asked for; `asked` empty: the last
    // preset, else <preset_dir>/demo.yaml. Returns the path opened (or tried).
    QString openPresetAtStart(const QString& asked, const QString& preset_dir);
    // How often the runs folder is rescanned besides the file watcher (runs' own files change
    // inside their folders, which a folder watch does not see).
    void setRescanInterval(int ms);

Q_SIGNALS:
    // A run this window trained ended (after the queue freed its slot).
    void runEnded(const QString& id, rgpb::RunStatus status, const QString& reason);

protected:
    void closeEvent(QCloseEvent* event) override;

private:
    // The constructor's steps, in order.
    void buildViews(const QString& preset_dir);
    void buildGradientLab();
    void buildJudgeTab();
    void buildChatTab();   // MainWindowChat.cpp
    void buildStudyTab();  // MainWindowStudy.cpp
    void buildLogDock();
    void buildToolbar();
    void connectEditor();
    void connectRunTable();
    void connectCoreLog();
    // MainWindowFrame.cpp
    void buildMenuBar();
    void restoreSettings();
    void saveSettings() const;
    void watchRunsFolder();
    // MainWindowLifecycle.cpp
    void connectSession(TrainingSession* s);
    void saveQueue();
    bool claimQueue();
    void restoreQueue();
    void removeNeverStartedFolders();
    bool confirmClose(int running, int queued);
    void onPhase(const QString& id, const QString& activity, qint64 done, qint64 total);
    void markResumable(widgets::RunRow& r) const;
    void reloadResumedRun(const QString& id);  // its curves as the checkpoint left them

    QString queueSession(TrainingSession* s);  // lists it, then queues it; returns its id
    bool startRun(const QString& id);          // the queue's starter
    void showQueueStatus();
    void cancelRun(const QString& id);
    void togglePause(const QString& id);
    void deleteRun(const QString& id);
    void onStarted(const QString& id, qint64 total, qint64 params, const QString& device);
    void onSteps(const QString& id, const QVector<StepPoint>& batch);
    void onEval(const QString& id, const EvalPoint& e);
    // MainWindowDiagnostics.cpp: a run's gradient diagnostics in the Diagnostics tab, the
    // dashboard's diagnostics curves, and a likelihood-displacement alert (run table, log,
    // a marker on the curves).
    void onDiagnostics(const QString& id, const DiagnosticsRow& row);
    void showDiagnosticsFromDisk(const RunSummary& s,
                                 const QHash<QString, QVector<widgets::CurvePoint>>& curves);
    void showAlert(const QString& id, const widgets::DisplacementAlert& alert, bool live);
    void onEnded(const QString& id, RunStatus status, const QString& reason);
    void showRunFromDisk(const RunSummary& s);
    void updateLandscape(const QString& id);  // from the run's latest eval_pairs.csv
    void newComparison();                     // the dialog, then startComparison()
    // The runs with final weights (finished), labelled for a run picker.
    QVector<widgets::RunChoice> finishedRuns() const;
    void logLine(log::Level level, const QString& source, const QString& message);
    widgets::RunRow& row(const QString& id);

    QString runs_dir_;
    widgets::ConfigEditor* editor_ = nullptr;
    widgets::MetricsDashboard* dashboard_ = nullptr;
    widgets::LandscapeView* landscape_ = nullptr;
    QTabWidget* views_ = nullptr;
    widgets::RunTable* runs_ = nullptr;
    widgets::LogView* log_ = nullptr;
    widgets::SamplesView* samples_ = nullptr;
    widgets::DiagnosticsView* diagnostics_ = nullptr;
    // Each live run's evaluations (step, tokens, wall time): the x of its diagnostics points.
    QHash<QString, QVector<widgets::CurvePoint>> eval_clock_;
    widgets::JudgingView* judging_ = nullptr;
    ComparisonJob* comparison_ = nullptr;
    widgets::ModelJudgeDialog* model_judge_dialog_ = nullptr;  // a child, made on first use
    ModelJudgeJob* model_judge_ = nullptr;
    QTimer* judge_reload_ = nullptr;     // coalesces the Judge tab's reloads while it runs
    widgets::ChatView* chat_ = nullptr;  // the Chat tab and its engine
    ChatSession* chat_session_ = nullptr;
    LandscapeUpdater* landscape_jobs_ = nullptr;
    QSpinBox* concurrent_ = nullptr;
    QLabel* status_ = nullptr;
    QHash<QString, QPointer<TrainingSession>> sessions_;
    RunQueue queue_;
    QHash<QString, widgets::RunRow> rows_;
    int log_listener_ = -1;
    // The "Gradient lab" tab and the adapter that runs its measurements.
    widgets::GradientLab* gradient_lab_ = nullptr;
    GradientMeasureSession* lab_session_ = nullptr;
    StudyTab* study_ = nullptr;  // the Study tab
    // The lifecycle and the frame.
    CloseDecision close_decision_;
    QFileSystemWatcher* watcher_ = nullptr;
    QTimer* rescan_ = nullptr;
    bool restoring_queue_ = false;  // no queue file writes while it is read back
    // Held while this window owns the runs folder's queue file (<runs dir>/.workbench/run.lock):
    // a second window on the same folder neither restores, rewrites nor cleans up after it.
    std::unique_ptr<RunLock> queue_lock_;
};

}  // namespace rgpb::app
