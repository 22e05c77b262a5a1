// The one adapter between the training core and Qt: runs a Trainer on a WorkerJob (which owns
// the thread, joins it and turns an escaping exception into a failed run) and turns its observer
// callbacks into Qt signals on the GUI thread. The worker never waits for the GUI: callbacks
// append plain values to a locked queue, and a GUI-thread timer drains it about 30 times a
// second, so a fast run cannot flood the event loop. Only plain values cross threads.
#pragma once

#include <QList>
#include <QObject>
#include <QProcess>
#include <QString>
#include <QTemporaryDir>
#include <QTimer>
#include <QVector>
#include <memory>
#include <mutex>

#include "app/gui/WorkerJob.h"

#include "core/config/RunConfig.h"
#include "core/diagnostics/Diagnostics.h"
#include "core/generate/SampleLog.h"
#include "core/run/RunStore.h"
#include "widgets/SamplesView.h"

namespace rgpb {
class RunControl;
struct TrainerOptions;
}  // namespace rgpb

namespace rgpb::app {

using Values = QVector<QPair<QString, double>>;

struct StepPoint {
    qint64 step = 0, total_steps = 0;
    int stage = 0;
    double tokens = 0, seconds = 0, eta_s = 0;
    double loss = 0, grad_norm = 0, lr = 0, tokens_per_s = 0;
    bool skipped = false;
    Values stats;
};

struct EvalPoint {
    qint64 step = 0;
    double tokens = 0, seconds = 0;
    Values metrics;  // PairMetrics::named()
};

// A run's short label: its recipe, and its beta when it has one ("exmate -> dpo b=0.5").
QString recipeLabel(const QString& recipe, double beta);
QString recipeLabel(const RunSummary& run);  // a run listed from disk

// One evaluation's samples (core) as the samples view shows them.
widgets::SampleSet sampleSetFrom(const SamplesReport& report);

class TrainingSession : public QObject {
    Q_OBJECT

public:
    // A new run of `config`; its folder is created under runs_dir at once (id() is known).
    TrainingSession(RunConfig config, const QString& runs_dir, QObject* parent = nullptr);
    // A new run of `config` in `run_dir`, a folder made earlier and never started (a queued run
    // restored from the queue file).
    static TrainingSession* inFolder(RunConfig config, const QString& run_dir,
                                     QObject* parent = nullptr);
    // Continues an existing run folder from its last checkpoint (Trainer::resume, as `rgpb
    // resume` does).
    static TrainingSession* resume(const QString& run_dir, QObject* parent = nullptr);
    ~TrainingSession() override;  // cancels and waits for the worker

    void start();
    void cancel();
    void setPaused(bool paused);
    bool isPaused() const;
    bool isRunning() const { return job_.isRunning(); }
    QString id() const { return run_dir_; }
    bool isResume() const { return resume_; }
    QString label() const;
    const RunConfig& config() const { return config_; }
    // A data-parallel run's other ranks (1..N-1), as processes; empty for a run of one process.
    QList<qint64> otherRankPids() const;

Q_SIGNALS:
    void started(const QString& id, qint64 total_steps, qint64 parameters, const QString& device);
    void steps(const QString& id, const QVector<rgpb::app::StepPoint>& batch);
    // What the run does between steps: `activity` ("caching reference log-probs", "evaluating",
    // "preparing") with done of total units (total 0: unknown); an empty activity when it trains
    // again (its steps say how far it is).
    void phaseChanged(const QString& id, const QString& activity, qint64 done, qint64 total);
    void evaluated(const QString& id, const rgpb::app::EvalPoint& eval);
    void sampled(const QString& id, const rgpb::widgets::SampleSet& samples);
    // One evaluation's gradient diagnostics (diagnostics.jsonl's row), after its evaluation.
    void diagnosed(const QString& id, const rgpb::DiagnosticsRow& row);
    void ended(const QString& id, rgpb::RunStatus status, const QString& reason);

private:
    struct Inbox;
    class Observer;
    TrainingSession(RunConfig config, QString run_dir, bool resume, QObject* parent);
    void drain();
    void onJobFailed(const QString& message);
    // A data-parallel run (distributed.nproc > 1): this process trains rank 0 (the curves come
    // from it as from any run) and starts ranks 1..N-1 as `rgpb` processes beside the
    // workbench, which meet it at a free loopback port.
    void startOtherRanks(TrainerOptions& o);
    // The reason a data-parallel run failed when one of the other ranks died first ("rank 1
    // exited with signal 9 (SIGKILL) at step 130"), recorded in summary.json; empty when none.
    QString otherRankFailure();

    RunConfig config_;
    QString run_dir_;
    bool resume_ = false;
    std::unique_ptr<Inbox> inbox_;
    std::unique_ptr<RunControl> control_;
    QTimer timer_;
    bool ended_ = false;  // ended() was emitted
    qint64 last_step_ = 0;
    QList<QProcess*> ranks_;                      // ranks 1..N-1 of a data-parallel run
    std::unique_ptr<QTemporaryDir> rank_config_;  // the config they read
    WorkerJob job_;  // last: joined before the inbox and the control go
};

}  // namespace rgpb::app

Q_DECLARE_METATYPE(rgpb::RunStatus)
Q_DECLARE_METATYPE(rgpb::app::StepPoint)
Q_DECLARE_METATYPE(rgpb::app::EvalPoint)
Q_DECLARE_METATYPE(rgpb::widgets::SampleSet)
Q_DECLARE_METATYPE(rgpb::DiagnosticsRow)
