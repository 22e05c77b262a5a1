#include "app/gui/TrainingSession.h"

#include <QCoreApplication>
#include <QMetaType>
#include <QProcessEnvironment>

#include "core/config/RunConfig.h"
#include "core/train/Trainer.h"
#include "core/train/WorkerLauncher.h"
#include "core/util/SafeFile.h"

namespace rgpb::app {

// What the worker hands over; guarded by `mutex`.
struct TrainingSession::Inbox {
    std::mutex mutex;
    bool started = false;
    qint64 total_steps = 0, parameters = 0;
    QString device;
    QVector<StepPoint> steps;
    bool phase_changed = false;  // the latest phase only: a display needs no history
    QString activity;            // empty: training
    qint64 phase_done = 0, phase_total = 0;
    QVector<EvalPoint> evals;
    QVector<widgets::SampleSet> samples;
    QVector<DiagnosticsRow> diagnostics;
    bool ended = false;
    RunStatus status = RunStatus::Failed;
    QString reason;
    double last_tokens = 0, last_seconds = 0;
};

class TrainingSession::Observer : public TrainingObserver {
public:
    explicit Observer(Inbox& inbox) : inbox_(inbox) {}
    void onStart(const RunStartInfo& i) override {
        std::lock_guard<std::mutex> lock(inbox_.mutex);
        inbox_.started = true;
        inbox_.total_steps = i.total_steps;
        inbox_.parameters = i.parameters;
        inbox_.device = QString::fromStdString(i.device);
    }
    void onStep(const StepMetrics& m) override {
        StepPoint p;
        p.step = m.step;
        p.total_steps = m.total_steps;
        p.stage = m.stage;
        p.tokens = static_cast<double>(m.tokens);
        p.seconds = m.elapsed_s;
        p.eta_s = m.eta_s;
        p.loss = m.loss;
        p.grad_norm = m.grad_norm;
        p.lr = m.lr;
        p.tokens_per_s = m.tokens_per_s;
        p.skipped = m.skipped;
        for (const auto& [k, v] : m.stats)
            p.stats.append({QString::fromStdString(k), v});
        std::lock_guard<std::mutex> lock(inbox_.mutex);
        if (!inbox_.activity.isEmpty()) {
            inbox_.activity.clear();
            inbox_.phase_changed = true;
        }
        inbox_.last_tokens = p.tokens;
        inbox_.last_seconds = p.seconds;
        inbox_.steps.append(std::move(p));
    }
    void onPhase(const PhaseProgress& p) override {
        std::lock_guard<std::mutex> lock(inbox_.mutex);
        inbox_.phase_changed = true;
        inbox_.activity =
            p.phase == RunPhase::Training ? QString() : QString::fromUtf8(runPhaseName(p.phase));
        inbox_.phase_done = p.done;
        inbox_.phase_total = p.total;
    }
    void onEval(const EvalReport& r) override {
        EvalPoint e;
        e.step = r.step;
        for (const auto& [k, v] : r.metrics.named())
            e.metrics.append({QString::fromStdString(k), v});
        std::lock_guard<std::mutex> lock(inbox_.mutex);
        e.tokens = inbox_.last_tokens;
        e.seconds = inbox_.last_seconds;
        inbox_.evals.append(std::move(e));
    }
    void onSamples(const SamplesReport& r) override {
        widgets::SampleSet set = sampleSetFrom(r);
        std::lock_guard<std::mutex> lock(inbox_.mutex);
        inbox_.samples.append(std::move(set));
    }
    void onDiagnostics(const DiagnosticsRow& row) override {
        std::lock_guard<std::mutex> lock(inbox_.mutex);
        inbox_.diagnostics.append(row);
    }
    void onFinished(const RunSummary& s) override { end(s); }
    void onFailed(const RunSummary& s) override { end(s); }

private:
    void end(const RunSummary& s) {
        std::lock_guard<std::mutex> lock(inbox_.mutex);
        inbox_.ended = true;
        inbox_.status = s.status;
        inbox_.reason = QString::fromStdString(s.reason);
    }
    Inbox& inbox_;
};

widgets::SampleSet sampleSetFrom(const SamplesReport& report) {
    widgets::SampleSet set;
    set.step = report.step;
    set.stage = report.stage;
    for (const GenerationSample& g : report.samples) {
        widgets::SampleRow row;
        row.prompt = QString::fromStdString(g.prompt);
        row.response = QString::fromStdString(g.response);
        row.correct = g.correct ? (*g.correct ? 1 : 0) : -1;
        set.samples.append(row);
    }
    return set;
}

TrainingSession::TrainingSession(RunConfig config, QString run_dir, bool resume, QObject* parent)
    : QObject(parent),
      config_(std::move(config)),
      run_dir_(std::move(run_dir)),
      resume_(resume),
      inbox_(std::make_unique<Inbox>()),
      control_(std::make_unique<RunControl>()) {
    qRegisterMetaType<rgpb::app::StepPoint>();
    qRegisterMetaType<rgpb::app::EvalPoint>();
    qRegisterMetaType<rgpb::widgets::SampleSet>();
    qRegisterMetaType<rgpb::DiagnosticsRow>();
    qRegisterMetaType<QVector<rgpb::app::StepPoint>>();
    timer_.setInterval(WorkerJob::kProgressIntervalMs);
    connect(&timer_, &QTimer::timeout, this, &TrainingSession::drain);
    connect(&job_, &WorkerJob::succeeded, this, &TrainingSession::drain);
    connect(&job_, &WorkerJob::failed, this, &TrainingSession::onJobFailed);
}

TrainingSession::TrainingSession(RunConfig config, const QString& runs_dir, QObject* parent)
    : TrainingSession(config,
                      QString::fromStdString(createRunDir(runs_dir.toStdString(), config.name)),
                      false, parent) {}

TrainingSession* TrainingSession::inFolder(RunConfig config, const QString& run_dir,
                                           QObject* parent) {
    return new TrainingSession(std::move(config), run_dir, false, parent);
}

TrainingSession* TrainingSession::resume(const QString& run_dir, QObject* parent) {
    RunConfig config = loadRunConfig(run_dir.toStdString() + "/config.yaml");
    return new TrainingSession(std::move(config), run_dir, true, parent);
}

TrainingSession::~TrainingSession() {
    control_->requestCancel();
    job_.cancel();
    job_.wait();
    for (QProcess* p : ranks_) {
        if (p->state() != QProcess::NotRunning && !p->waitForFinished(3000))
            p->kill();
        p->waitForFinished(1000);
    }
}

QString recipeLabel(const QString& recipe, double beta) {
    return beta > 0 ? QString("%1 b=%2").arg(recipe).arg(beta) : recipe;
}

QString recipeLabel(const RunSummary& run) {
    return recipeLabel(QString::fromStdString(run.recipe), run.beta);
}

QString TrainingSession::label() const {
    return recipeLabel(QString::fromStdString(config_.recipe()), config_.beta());
}

void TrainingSession::start() {
    if (job_.isRunning())
        return;
    TrainerOptions o;
    o.run_dir = run_dir_.toStdString();
    if (config_.distributed.nproc > 1) {
        try {
            startOtherRanks(o);
        } catch (const std::exception& e) {
            onJobFailed(QString::fromStdString(e.what()));
            return;
        }
    }
    // The worker owns its Trainer. Trainer::run turns failures into a failed summary; what
    // escapes (a Trainer that cannot be built) the job reports to onJobFailed().
    job_.start([this, o, config = config_,
                resume = resume_](WorkerJob::Feedback&) -> WorkerJob::Completion {
        Observer observer(*inbox_);
        std::unique_ptr<Trainer> trainer =
            resume ? Trainer::resume(o.run_dir) : std::make_unique<Trainer>(config, o);
        trainer->run(observer, *control_);
        return {};
    });
    timer_.start();
}

void TrainingSession::startOtherRanks(TrainerOptions& o) {
    const int n = static_cast<int>(config_.distributed.nproc);
    DistributedEnv env;
    env.world_size = n;
    env.local_world_size = n;
    env.master_port = freeLoopbackPort();
    o.distributed = env;
    rank_config_ = std::make_unique<QTemporaryDir>();
    const QString config_path = rank_config_->filePath("config.yaml");
    writeFileAtomic(config_path.toStdString(), toYaml(config_));
    // The command-line tool installed (or built) beside the workbench; $RGPB_CLI overrides it.
    const QString rgpb = qEnvironmentVariableIsSet("RGPB_CLI")
                             ? qEnvironmentVariable("RGPB_CLI")
                             : QCoreApplication::applicationDirPath() + "/rgpb";
    for (int rank = 1; rank < n; ++rank) {
        auto* p = new QProcess(this);
        QProcessEnvironment e = QProcessEnvironment::systemEnvironment();
        e.insert("RANK", QString::number(rank));
        e.insert("LOCAL_RANK", QString::number(rank));
        e.insert("WORLD_SIZE", QString::number(n));
        e.insert("LOCAL_WORLD_SIZE", QString::number(n));
        e.insert("MASTER_ADDR", "127.0.0.1");
        e.insert("MASTER_PORT", QString::number(env.master_port));
        e.remove("TORCHELASTIC_USE_AGENT_STORE");  // rank 0 (this process) hosts the store
        p->setProcessEnvironment(e);
        p->setProcessChannelMode(QProcess::ForwardedErrorChannel);
        p->setStandardOutputFile(QProcess::nullDevice());
        p->start(rgpb, resume_
                           ? QStringList{"resume", run_dir_, "--plain"}
                           : QStringList{"train", config_path, "--run-dir", run_dir_, "--plain"});
        ranks_ << p;
    }
}

QList<qint64> TrainingSession::otherRankPids() const {
    QList<qint64> pids;
    for (const QProcess* p : ranks_)
        pids << p->processId();
    return pids;
}

QString TrainingSession::otherRankFailure() {
    const QProcess* first = nullptr;
    for (QProcess* p : ranks_) {
        p->waitForFinished(3000);  // they end with rank 0 (or died before it)
        // A rank that died of a signal is the cause; one that exited with an error followed
        // rank 0's failure, whose own reason stands.
        const bool failed =
            p->state() == QProcess::NotRunning && p->exitStatus() == QProcess::CrashExit;
        if (failed && first == nullptr)
            first = p;
        if (p->state() != QProcess::NotRunning)
            p->kill();
    }
    if (first == nullptr)
        return {};
    const int rank = static_cast<int>(ranks_.indexOf(const_cast<QProcess*>(first))) + 1;
    const std::string reason =
        rankExitReason(rank, first->exitStatus() == QProcess::CrashExit, first->exitCode(),
                       last_step_ > 0 ? std::to_string(last_step_) : std::string());
    recordRankFailure(run_dir_.toStdString(), reason, /*keep_failed=*/false);
    return QString::fromStdString(reason);
}

void TrainingSession::onJobFailed(const QString& message) {
    {
        std::lock_guard<std::mutex> lock(inbox_->mutex);
        if (!inbox_->ended) {
            inbox_->ended = true;
            inbox_->status = RunStatus::Failed;
            inbox_->reason = message;
        }
    }
    drain();
}

void TrainingSession::cancel() {
    control_->requestCancel();
}
void TrainingSession::setPaused(bool paused) {
    control_->setPaused(paused);
}
bool TrainingSession::isPaused() const {
    return control_->paused();
}

void TrainingSession::drain() {
    bool started = false, ended = false;
    qint64 total = 0, params = 0;
    QString device, reason;
    RunStatus status = RunStatus::Failed;
    QVector<StepPoint> steps;
    QVector<EvalPoint> evals;
    QVector<widgets::SampleSet> samples;
    QVector<DiagnosticsRow> diagnostics;
    bool phase_changed = false;
    QString activity;
    qint64 phase_done = 0, phase_total = 0;
    {
        std::lock_guard<std::mutex> lock(inbox_->mutex);
        if (inbox_->started) {
            started = true;
            inbox_->started = false;
            total = inbox_->total_steps;
            params = inbox_->parameters;
            device = inbox_->device;
        }
        steps.swap(inbox_->steps);
        if (inbox_->phase_changed) {
            phase_changed = true;
            inbox_->phase_changed = false;
            activity = inbox_->activity;
            phase_done = inbox_->phase_done;
            phase_total = inbox_->phase_total;
        }
        evals.swap(inbox_->evals);
        samples.swap(inbox_->samples);
        diagnostics.swap(inbox_->diagnostics);
        if (inbox_->ended) {
            ended = true;
            inbox_->ended = false;
            status = inbox_->status;
            reason = inbox_->reason;
        }
    }
    if (started)
        Q_EMIT this->started(run_dir_, total, params, device);
    if (phase_changed)
        Q_EMIT phaseChanged(run_dir_, activity, phase_done, phase_total);
    if (!steps.isEmpty()) {
        last_step_ = steps.back().step;
        Q_EMIT this->steps(run_dir_, steps);
    }
    for (const EvalPoint& e : evals)
        Q_EMIT evaluated(run_dir_, e);
    for (const widgets::SampleSet& set : samples)
        Q_EMIT sampled(run_dir_, set);
    for (const DiagnosticsRow& row : diagnostics)
        Q_EMIT diagnosed(run_dir_, row);
    if (ended && !ended_) {
        ended_ = true;
        timer_.stop();
        job_.wait();  // the trainer has returned: isRunning() is false from here on
        if (status == RunStatus::Failed && !ranks_.isEmpty())
            if (const QString other = otherRankFailure(); !other.isEmpty())
                reason = other;
        Q_EMIT this->ended(run_dir_, status, reason);
    }
}

}  // namespace rgpb::app
