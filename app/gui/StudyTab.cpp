#include "app/gui/StudyTab.h"

#include <QDir>
#include <QFileInfo>
#include <QTimer>
#include <algorithm>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <mutex>
#include <thread>

#include "app/gui/MainWindow.h"
#include "core/analytic/GradientMeasure.h"
#include "core/study/StudyClaims.h"
#include "core/study/StudyReport.h"
#include "core/study/StudyRunner.h"
#include "core/util/Devices.h"
#include "core/util/SafeFile.h"
#include "widgets/StudyView.h"

namespace rgpb::app {

namespace {

// How often the shown study is reread while its tab is visible.
constexpr int kRereadMs = 4000;

// Line of a core InputError "source:line:col: ..." (0 when absent); the source may hold ':'
// only as a Windows drive, which this workbench does not run on.
int studyErrorLine(const QString& message) {
    const QStringList parts = message.split(':');
    bool ok = false;
    const int line = parts.size() >= 3 ? parts[1].trimmed().toInt(&ok) : 0;
    return ok ? line : 0;
}

widgets::ValidationResult validateStudy(const QString& yaml, const QString& source) {
    widgets::ValidationResult r;
    try {
        const StudySpec spec = parseStudySpec(yaml.toStdString(), source.toStdString());
        r.message = QString(
                        "valid: study '%1', %2 task(s), %3 recipe(s), %4 beta(s), %5 seeds, "
                        "%6 steps per stage")
                        .arg(QString::fromStdString(spec.name))
                        .arg(spec.tasks.size())
                        .arg(spec.recipes.size())
                        .arg(spec.betas.size())
                        .arg(spec.seeds.size())
                        .arg(spec.steps);
    } catch (const std::exception& e) {
        r.ok = false;
        r.message = QString::fromStdString(e.what());
        r.line = studyErrorLine(r.message);
    }
    return r;
}

// The grid's cells from the plan's cell states, with the final metrics of finished cells.
QVector<widgets::StudyGridCell> gridCellsOf(const StudyPlan& plan, const StudyResults& results) {
    QVector<widgets::StudyGridCell> out;
    for (const StudyCellState& s : studyCellStates(plan)) {
        widgets::StudyGridCell c;
        c.task = QString::fromStdString(s.cell->task);
        c.recipe = QString::fromStdString(s.cell->recipe);
        c.beta = s.cell->beta;
        c.seed = s.cell->seed;
        c.state = s.state;
        c.reason = QString::fromStdString(s.reason);
        for (std::size_t i : s.cell->runs)
            c.run_dirs << QString::fromStdString(plan.runs[i].run_dir);
        for (const StudyCellResult& r : results.cells) {
            if (r.task == s.cell->task && r.recipe == s.cell->recipe && r.beta == s.cell->beta &&
                r.seed == s.cell->seed && r.status == RunStatus::Finished)
                widgets::setFinalMetrics(c, r);
        }
        out << c;
    }
    return out;
}

}  // namespace

// What a refresh reads in the background: plain values for the GUI thread.
struct StudyTab::Snapshot {
    QVector<widgets::StudyGridCell> cells;
    StudyResults results;
    StudyAggregate aggregate;
    std::vector<ClaimResult> claims;
    std::size_t runs_total = 0, runs_finished = 0, runs_failed = 0, runs_running = 0;
};

namespace {

StudyTab::Snapshot readStudy(const StudySpec& spec, const std::string& studies_dir,
                             const std::string& study_dir) {
    StudyTab::Snapshot snap;
    const StudyPlan plan = planStudy(spec, studies_dir);
    snap.runs_total = plan.runs.size();
    for (std::size_t i = 0; i < plan.runs.size(); ++i) {
        const PlannedRunState s = plannedRunState(plan, i);
        snap.runs_finished += s == PlannedRunState::Finished;
        snap.runs_failed += s == PlannedRunState::Failed;
        snap.runs_running += s == PlannedRunState::Running;
    }
    if (std::filesystem::exists(std::filesystem::path(study_dir) / "study.json")) {
        snap.results = loadStudyResults(study_dir);
        snap.aggregate = aggregateStudy(snap.results);
        snap.claims = evaluateClaims(snap.results, snap.aggregate);
    }
    snap.cells = gridCellsOf(plan, snap.results);
    return snap;
}

}  // namespace

// Shared by the GUI thread and the runner's thread, guarded by `mutex`.
struct StudyTab::Execution {
    std::mutex mutex;
    std::condition_variable wake;
    std::vector<std::string> started;  // handed to the window, end not yet taken by waitAny
    std::deque<std::string> ended;     // ended, not yet taken by waitAny
    bool stop = false;
};

// The runner's executor (its thread): a run to start goes to the GUI thread, which queues it
// in the window; waitAny sleeps until the window reports an end. Stopped, it hands back the
// runs still out one by one, so the runner returns without waiting for them (they stay queued).
class StudyTab::Executor : public StudyExecutor {
public:
    Executor(StudyTab* tab, std::shared_ptr<Execution> execution)
        : tab_(tab), execution_(std::move(execution)) {}
    void start(const PlannedRun& run) override {
        {
            std::lock_guard<std::mutex> lock(execution_->mutex);
            execution_->started.push_back(run.run_dir);
        }
        // The tab joins this thread before it goes, so it is alive here; a call still queued
        // when it goes is dropped with it.
        StudyTab* tab = tab_;
        QMetaObject::invokeMethod(
            tab, [tab, run] { tab->startPlannedRun(run); }, Qt::QueuedConnection);
    }
    std::string waitAny() override {
        std::unique_lock<std::mutex> lock(execution_->mutex);
        execution_->wake.wait(lock,
                              [this] { return !execution_->ended.empty() || execution_->stop; });
        std::string dir;
        if (!execution_->ended.empty()) {
            dir = execution_->ended.front();
            execution_->ended.pop_front();
        } else if (!execution_->started.empty()) {
            dir = execution_->started.back();
        }
        auto& s = execution_->started;
        s.erase(std::remove(s.begin(), s.end(), dir), s.end());
        return dir;
    }
    bool stopRequested() const override {
        std::lock_guard<std::mutex> lock(execution_->mutex);
        return execution_->stop;
    }

private:
    StudyTab* tab_;
    std::shared_ptr<Execution> execution_;
};

StudyTab::StudyTab(MainWindow* window, const QString& studies_dir)
    : QObject(window),
      window_(window),
      view_(new widgets::StudyView(validateStudy)),
      studies_dir_(QDir(studies_dir).absolutePath()),
      runner_(new WorkerJob(this)),
      loader_(new WorkerJob(this)),
      exporter_(new WorkerJob(this)),
      measurer_(new WorkerJob(this)) {
    connect(view_, &widgets::StudyView::openFileRequested, this, &StudyTab::openFile);
    connect(view_, &widgets::StudyView::openFolderRequested, this, &StudyTab::openFolder);
    connect(view_, &widgets::StudyView::runRequested, this, &StudyTab::run);
    connect(view_, &widgets::StudyView::stopRequested, this, &StudyTab::stop);
    connect(view_, &widgets::StudyView::exportRequested, this, &StudyTab::exportReport);
    connect(view_, &widgets::StudyView::runActivated, window_, &MainWindow::openRun);
    connect(window_, &MainWindow::runEnded, this, &StudyTab::onRunEnded);
    connect(runner_, &WorkerJob::failed, this,
            [this](const QString& message) { runner_error_ = "the study stopped: " + message; });
    connect(runner_, &WorkerJob::ended, this, [this] {
        view_->setRunning(false);
        refresh();
        Q_EMIT finished();
    });
    connect(loader_, &WorkerJob::failed, this,
            [this](const QString& message) { showStatus(message, true); });
    connect(loader_, &WorkerJob::ended, this, [this] {
        if (refresh_again_) {
            refresh_again_ = false;
            refresh();
        }
    });
    // Runs start, and a study the CLI runs moves on, without this window hearing of it: the
    // shown study is reread now and then while the tab is visible.
    auto* poll = new QTimer(this);
    poll->setInterval(kRereadMs);
    connect(poll, &QTimer::timeout, this, [this] {
        if (view_->isVisible())
            refresh();
    });
    poll->start();
    showStatus("Open a study file (presets/studies/*.yaml) or a study folder.");
}

StudyTab::~StudyTab() {
    if (execution_) {
        std::lock_guard<std::mutex> lock(execution_->mutex);
        execution_->stop = true;
        execution_->wake.notify_all();
    }
    runner_->wait();  // the runner returns at once: stopped, it waits for nothing
}

void StudyTab::setStudiesDir(const QString& dir) {
    studies_dir_ = QDir(dir).absolutePath();
}

void StudyTab::showStatus(const QString& text, bool error) {
    status_ = text;
    view_->setProgress(
        error ? QString("<span style='color:#c81e1e'>%1</span>").arg(text.toHtmlEscaped())
              : text.toHtmlEscaped(),
        runs_done_, runs_total_);
}

QString StudyTab::statusText() const {
    return status_;
}

void StudyTab::openSpec(const StudySpec& spec, const QString& plan_root) {
    spec_ = spec;
    has_spec_ = true;
    plan_root_ = plan_root;
    study_dir_ = QDir(plan_root).filePath(QString::fromStdString(spec.name));
    view_->grid()->setCells({});
    view_->clearResults();
    refresh();
}

bool StudyTab::openFile(const QString& path) {
    if (!view_->editor()->loadFile(path)) {
        showStatus("cannot open " + path, true);
        return false;
    }
    try {
        openSpec(loadStudySpec(view_->editor()->path().toStdString()), studies_dir_);
        showStatus(QString("opened %1; its study folder: %2").arg(path, study_dir_));
    } catch (const std::exception& e) {
        has_spec_ = false;  // the editor marks the problem; no other study's views stay shown
        study_dir_.clear();
        view_->grid()->setCells({});
        view_->clearResults();
        showStatus(QString("the study file has a problem: %1").arg(e.what()), true);
    }
    return true;
}

bool StudyTab::openFolder(const QString& dir) {
    StudySpec spec;
    try {
        spec = loadStudyOfFolder(QDir(dir).absolutePath().toStdString());
    } catch (const std::exception& e) {
        showStatus(QString("cannot open the study folder: %1").arg(e.what()), true);
        return false;
    }
    // The file the study ran from when it is still there, else the folder's copy.
    const QString source = QString::fromStdString(spec.source);
    view_->editor()->loadFile(QFileInfo::exists(source) ? source
                                                        : QDir(dir).filePath("study.yaml"));
    const QString root = QFileInfo(QDir(dir).absolutePath()).absolutePath();
    openSpec(spec, root);
    showStatus("opened the study folder " + study_dir_);
    return true;
}

bool StudyTab::isRunning() const {
    return runner_->isRunning();
}

bool StudyTab::run() {
    if (isRunning()) {
        showStatus("the study is already running", true);
        return false;
    }
    widgets::StudyEditor* editor = view_->editor();
    if (editor->path().isEmpty() || (editor->hasUnsavedEdits() && !editor->save())) {
        showStatus("save the study file first (Save)", true);
        return false;
    }
    StudySpec spec;
    try {
        spec = loadStudySpec(editor->path().toStdString());
    } catch (const std::exception& e) {
        showStatus(QString("cannot run: %1").arg(e.what()), true);
        return false;
    }
    const QString root = plan_root_.isEmpty() ? studies_dir_ : plan_root_;
    if (!has_spec_ || spec.name != spec_.name)
        openSpec(spec, root);
    spec_ = spec;
    runner_error_.clear();
    execution_ = std::make_shared<Execution>();
    StudyProvenance provenance;
    provenance.commit = RGPB_VERSION;
    provenance.device = describeDevices();
    provenance.threads = static_cast<int64_t>(std::max(1u, std::thread::hardware_concurrency()));
    auto execution = execution_;
    // Every run that can start goes to the window's queue, which decides how many train at once.
    runner_->start([this, spec, execution, provenance,
                    root = root.toStdString()](WorkerJob::Feedback&) -> WorkerJob::Completion {
        Executor executor(this, execution);
        StudyRunOptions options;
        options.jobs = 1 << 20;
        options.retry_failed = true;  // Run also resumes an interrupted or failed study
        const StudyRunOutcome out = runStudy(spec, root, executor, options, provenance);
        return [this, out] {
            showStatus(out.stopped ? QString("stopped: %1 of %2 runs finished; Run continues it")
                                         .arg(out.runs_finished)
                                         .arg(out.runs_total)
                                   : QString("done: %1 of %2 cells finished%3")
                                         .arg(out.cells_finished)
                                         .arg(out.cells_total)
                                         .arg(out.failed_cells.empty()
                                                  ? QString()
                                                  : QString(", %1 failed (their tooltips say why)")
                                                        .arg(out.failed_cells.size())));
        };
    });
    view_->setRunning(true);
    showStatus(QString("running %1: its runs are queued as they can start")
                   .arg(QString::fromStdString(spec.name)));
    return true;
}

void StudyTab::stop() {
    if (!execution_)
        return;
    std::lock_guard<std::mutex> lock(execution_->mutex);
    execution_->stop = true;
    execution_->wake.notify_all();
}

void StudyTab::startPlannedRun(const PlannedRun& run) {
    if (run.kind == PlannedRunKind::Measure) {
        measures_.push_back(run);
        startNextMeasure();
        return;
    }
    const QString id = window_->launchInFolder(run.config, QString::fromStdString(run.run_dir));
    if (id.isEmpty()) {
        endedNow(run.run_dir);  // the window said why in its log
        return;
    }
    study_runs_.insert(QDir::cleanPath(id), run.run_dir);
}

// The task's eval pairs (its data config and data seed) measured under the base with the
// objective of the measurement's one stage, written where the study reads it (its summary.json),
// or the reason it failed in failed.txt.
void StudyTab::startNextMeasure() {
    if (measures_.empty() || measurer_->isRunning())
        return;
    const PlannedRun run = measures_.front();
    measures_.pop_front();
    GradientMeasureRequest request;
    request.model_path = run.config.model.from;
    request.data_config = run.config.data;
    request.data_seed = run.config.dataSeed();
    request.method = run.config.stages.at(0).objective.describe();
    request.beta = run.config.stages.at(0).beta().value_or(0.0);
    request.device = run.config.device;
    measurer_->start([this, request,
                      dir = run.run_dir](WorkerJob::Feedback& feedback) -> WorkerJob::Completion {
        std::filesystem::remove_all(dir);
        std::filesystem::create_directories(dir);
        try {
            writeGradientMeasure(measureGradients(request, {}, feedback.cancelFlag()), dir);
        } catch (const std::exception& e) {
            writeFileAtomic((std::filesystem::path(dir) / kMeasureFailedFile).string(), e.what());
        }
        return [this, dir] {
            endedNow(dir);
            refresh();
            startNextMeasure();
        };
    });
}

void StudyTab::endedNow(const std::string& run_dir) {
    if (!execution_)
        return;
    std::lock_guard<std::mutex> lock(execution_->mutex);
    execution_->ended.push_back(run_dir);
    execution_->wake.notify_all();
}

void StudyTab::onRunEnded(const QString& id, RunStatus, const QString&) {
    const auto it = study_runs_.find(QDir::cleanPath(id));
    if (it == study_runs_.end())
        return;
    const std::string run_dir = it.value();
    study_runs_.erase(it);
    endedNow(run_dir);
    refresh();
}

void StudyTab::refresh() {
    if (!has_spec_)
        return;
    if (loader_->isRunning()) {
        refresh_again_ = true;  // once this read is in
        return;
    }
    loader_->start([this, spec = spec_, root = plan_root_.toStdString(),
                    dir = study_dir_.toStdString()](WorkerJob::Feedback&) -> WorkerJob::Completion {
        auto snapshot = std::make_shared<Snapshot>(readStudy(spec, root, dir));
        return [this, snapshot] { apply(*snapshot); };
    });
}

void StudyTab::apply(const Snapshot& s) {
    view_->grid()->setCells(s.cells);
    view_->setResults(s.results, s.aggregate, s.claims);
    runs_done_ = static_cast<int>(s.runs_finished);
    runs_total_ = static_cast<int>(s.runs_total);
    QString text = QString("%1: %2 of %3 runs finished")
                       .arg(QString::fromStdString(spec_.name))
                       .arg(s.runs_finished)
                       .arg(s.runs_total);
    if (s.runs_running > 0)
        text += QString(", %1 running").arg(s.runs_running);
    if (s.runs_failed > 0)
        text += QString(", %1 failed").arg(s.runs_failed);
    if (isRunning())
        text += " (running)";
    if (!runner_error_.isEmpty()) {
        showStatus(text + "; " + runner_error_, true);
    } else {
        showStatus(text);
    }
    Q_EMIT refreshed();
}

bool StudyTab::exportReport(const QString& out_dir) {
    if (study_dir_.isEmpty() || !QFileInfo::exists(QDir(study_dir_).filePath("study.json"))) {
        showStatus("nothing to report yet: run the study first", true);
        return false;
    }
    if (exporter_->isRunning())
        return false;
    const QString out = QDir(out_dir).absolutePath();
    disconnect(exporter_, &WorkerJob::failed, this, nullptr);
    connect(exporter_, &WorkerJob::failed, this, [this, out](const QString& message) {
        showStatus("the report was not written: " + message, true);
        Q_EMIT exported(out, false);
    });
    exporter_->start(
        [this, dir = study_dir_.toStdString(), out](WorkerJob::Feedback&) -> WorkerJob::Completion {
            const std::vector<std::string> files =
                writeStudyReport(loadStudyResults(dir), out.toStdString());
            return [this, out, n = files.size()] {
                showStatus(QString("wrote %1/report.html (%2 files)").arg(out).arg(n));
                Q_EMIT exported(out, true);
            };
        });
    showStatus("writing the report into " + out + "...");
    return true;
}

}  // namespace rgpb::app
