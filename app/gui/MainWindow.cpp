#include "app/gui/MainWindow.h"

#include <QApplication>
#include <QDateTime>
#include <QDesktopServices>
#include <QDir>
#include <QDockWidget>
#include <QFileInfo>
#include <QLabel>
#include <QMenuBar>
#include <QSpinBox>
#include <QSplitter>
#include <QStatusBar>
#include <QTabWidget>
#include <QToolBar>
#include <QUrl>
#include <filesystem>

#include "app/gui/CoreBindings.h"
#include "app/gui/GradientMeasureSession.h"
#include "app/gui/LandscapeUpdater.h"
#include "app/gui/RunIdentityWiring.h"
#include "core/config/SweepGrid.h"
#include "core/util/Devices.h"
#include "core/util/Error.h"
#include "core/util/Log.h"
#include "widgets/ConfigEditor.h"
#include "widgets/DiagnosticsView.h"
#include "widgets/GradientLab.h"
#include "widgets/GradientLabMeasured.h"
#include "widgets/GradientLabReplay.h"
#include "widgets/JudgingView.h"
#include "widgets/LandscapeView.h"
#include "widgets/LogView.h"
#include "widgets/MetricsDashboard.h"
#include "widgets/RunCurves.h"
#include "widgets/SamplesView.h"

namespace rgpb::app {

namespace {

// Adds `page` as a tab of the central tab widget; the first time, the central widget becomes
// the first tab ("Train").
void addCentralTab(QMainWindow* window, QWidget* page, const QString& title) {
    auto* tabs = qobject_cast<QTabWidget*>(window->centralWidget());
    if (!tabs) {
        tabs = new QTabWidget;
        tabs->setObjectName("tabs");
        tabs->addTab(window->takeCentralWidget(), "Train");
        window->setCentralWidget(tabs);
    }
    tabs->addTab(page, title);
}

}  // namespace

MainWindow::MainWindow(const QString& runs_dir, const QString& preset_dir, QWidget* parent)
    : QMainWindow(parent),
      runs_dir_(runs_dir),
      queue_([this](const QString& id) { return startRun(id); }) {
    setWindowTitle("RGPB Workbench");
    buildViews(preset_dir);
    buildGradientLab();
    buildJudgeTab();
    buildChatTab();
    buildStudyTab();
    buildLogDock();
    buildToolbar();
    connectEditor();
    connectRunTable();
    connectCoreLog();
    buildMenuBar();
    installRunIdentities(*this);
    resize(1500, 950);
    restoreSettings();
    queue_.setQueuedChanged([this] { saveQueue(); });
    restoreQueue();
    removeNeverStartedFolders();
    refreshRuns();
    watchRunsFolder();
}

// The Train tab: the config editor on the left; curves, landscape and samples over the runs
// table on the right.
void MainWindow::buildViews(const QString& preset_dir) {
    editor_ = new widgets::ConfigEditor(validateYaml);
    editor_->setPresetDirectory(preset_dir);
    connectEditorToCore(editor_);
    dashboard_ = new widgets::MetricsDashboard;
    landscape_ = new widgets::LandscapeView;
    samples_ = new widgets::SamplesView;
    diagnostics_ = new widgets::DiagnosticsView;
    views_ = new QTabWidget;
    views_->addTab(dashboard_, "Curves");
    views_->addTab(landscape_, "Landscape");
    views_->addTab(samples_, "Samples");
    views_->addTab(diagnostics_, "Diagnostics");
    runs_ = new widgets::RunTable;
    landscape_jobs_ = new LandscapeUpdater(this);
    connect(landscape_jobs_, &LandscapeUpdater::pointReady, this,
            [this](const widgets::LandscapePoint& p) {
                if (rows_.contains(p.run))  // not deleted while it was computed
                    landscape_->setPoint(p);
            });

    auto* right = new QSplitter(Qt::Vertical);
    right->setObjectName("viewsSplitter");
    right->addWidget(views_);
    right->addWidget(runs_);
    right->setStretchFactor(0, 3);
    right->setStretchFactor(1, 1);
    auto* main = new QSplitter(Qt::Horizontal);
    main->setObjectName("trainSplitter");
    main->addWidget(editor_);
    main->addWidget(right);
    main->setStretchFactor(1, 3);
    main->setSizes({440, 1060});
    setCentralWidget(main);
}

void MainWindow::buildLogDock() {
    log_ = new widgets::LogView;
    auto* dock = new QDockWidget("Log", this);
    dock->setObjectName("log");
    dock->setWidget(log_);
    addDockWidget(Qt::BottomDockWidgetArea, dock);
    resizeDocks({dock}, {170}, Qt::Vertical);
    dock->hide();  // collapsed until asked for (View > Log); the status bar shows errors too
}

// The runs toolbar (concurrent runs, refresh, the runs folder) and the status bar.
void MainWindow::buildToolbar() {
    auto* tools = addToolBar("Runs");
    tools->setObjectName("runs");
    tools->addWidget(new QLabel(" concurrent runs: "));
    concurrent_ = new QSpinBox;
    concurrent_->setRange(1, 16);
    concurrent_->setValue(queue_.maxConcurrent());
    tools->addWidget(concurrent_);
    tools->addSeparator();
    QAction* refresh = tools->addAction("Refresh runs");
    tools->addWidget(new QLabel(QString("  runs folder: %1").arg(QDir(runs_dir_).absolutePath())));
    status_ = new QLabel;
    statusBar()->addWidget(status_, 1);
    statusBar()->addPermanentWidget(
        new QLabel(QString("devices: %1").arg(QString::fromStdString(describeDevices()))));
    connect(refresh, &QAction::triggered, this, &MainWindow::refreshRuns);
    connect(concurrent_, &QSpinBox::valueChanged, this, [this](int n) {
        queue_.setMaxConcurrent(n);
        showQueueStatus();
    });
}

void MainWindow::connectEditor() {
    connect(editor_, &widgets::ConfigEditor::runRequested, this,
            [this](const QString& yaml, const QString& source) { launch(yaml, source); });
    connect(editor_, &widgets::ConfigEditor::sweepRequested, this,
            [this](const QString& yaml, const QString& source, const QStringList& betas,
                   const QStringList& methods) { launchSweep(yaml, source, betas, methods); });
}

void MainWindow::connectRunTable() {
    connect(runs_, &widgets::RunTable::cancelRequested, this, &MainWindow::cancelRun);
    connect(runs_, &widgets::RunTable::pauseToggled, this, &MainWindow::togglePause);
    connect(runs_, &widgets::RunTable::deleteRequested, this, &MainWindow::deleteRun);
    connect(runs_, &widgets::RunTable::resumeRequested, this, &MainWindow::resumeRun);
    connect(runs_, &widgets::RunTable::openFolderRequested, this,
            [](const QString& id) { QDesktopServices::openUrl(QUrl::fromLocalFile(id)); });
}

// The core's log, from any thread, queued to the GUI thread.
void MainWindow::connectCoreLog() {
    log_listener_ = log::addListener([this](const log::Record& r) {
        QMetaObject::invokeMethod(
            this,
            // A run's records name the run (its folder), as the run's own lines do, so the
            // log view tells concurrent runs apart; other records name their logger.
            [this, level = r.level,
             src = r.run.empty() ? QString::fromStdString(r.logger)
                                 : QFileInfo(QString::fromStdString(r.run)).fileName(),
             msg = QString::fromStdString(r.message)] { logLine(level, src, msg); },
            Qt::QueuedConnection);
    });
}

// Judge tab: blinded side-by-side judging stored in <runs dir>/judgments.sqlite; the comparison
// generator and the model judge beside it (MainWindowJudge.cpp).
void MainWindow::buildJudgeTab() {
    judging_ = new widgets::JudgingView(QDir(runs_dir_).filePath("judgments.sqlite"));
    addCentralTab(this, judging_, "Judge");
    connect(judging_, &widgets::JudgingView::newComparisonRequested, this,
            &MainWindow::newComparison);
    connect(judging_, &widgets::JudgingView::modelJudgeRequested, this,
            &MainWindow::openModelJudge);
}

void MainWindow::togglePause(const QString& id) {
    auto s = sessions_.value(id);
    if (!s || !s->isRunning())
        return;
    s->setPaused(!s->isPaused());
    row(id).status = s->isPaused() ? RunStatus::Paused : RunStatus::Running;
    runs_->upsert(row(id));
}

void MainWindow::deleteRun(const QString& id) {
    if ((sessions_.value(id) && sessions_.value(id)->isRunning()) ||
        RunLock::isHeld(id.toStdString())) {
        logLine(log::Level::Warn, "gui",
                id + " is being written by a running process; cancel it first");
        return;
    }
    std::error_code ec;
    std::filesystem::remove_all(id.toStdString(), ec);
    if (ec) {
        logLine(log::Level::Error, "gui",
                QString("cannot delete %1: %2").arg(id, QString::fromStdString(ec.message())));
        return;
    }
    queue_.removeQueued(id);
    landscape_jobs_->forget(id);
    dashboard_->removeRun(id);
    landscape_->removeRun(id);
    samples_->removeRun(id);
    diagnostics_->removeRun(id);
    eval_clock_.remove(id);
    runs_->remove(id);
    rows_.remove(id);
    delete sessions_.take(id);
    logLine(log::Level::Info, "gui", "deleted " + id);
    showQueueStatus();
}

void MainWindow::buildGradientLab() {
    gradient_lab_ = new widgets::GradientLab;
    addCentralTab(this, gradient_lab_, "Gradient lab");
    lab_session_ = new GradientMeasureSession(this);
    widgets::GradientLabMeasured* view = gradient_lab_->measured();
    connect(view, &widgets::GradientLabMeasured::measureRequested, this,
            [this, view](const GradientMeasureRequest& r) {
                if (lab_session_->start(r))
                    view->setRunning(true);
            });
    connect(view, &widgets::GradientLabMeasured::cancelRequested, lab_session_,
            &GradientMeasureSession::cancel);
    connect(lab_session_, &GradientMeasureSession::progress, view,
            &widgets::GradientLabMeasured::setProgress);
    connect(lab_session_, &GradientMeasureSession::finished, view,
            &widgets::GradientLabMeasured::showResult);
    connect(lab_session_, &GradientMeasureSession::failed, view,
            &widgets::GradientLabMeasured::showError);
    // The replay tab shares the session (one gradient job at a time).
    widgets::GradientLabReplay* replay = gradient_lab_->replay();
    connect(replay, &widgets::GradientLabReplay::replayRequested, this,
            [this, replay](const GradientReplayRequest& r) {
                if (lab_session_->startReplay(r))
                    replay->setRunning(true);
                else
                    replay->showError("a measurement or replay is already running");
            });
    connect(replay, &widgets::GradientLabReplay::cancelRequested, lab_session_,
            &GradientMeasureSession::cancel);
    connect(lab_session_, &GradientMeasureSession::replayProgress, replay,
            &widgets::GradientLabReplay::setProgress);
    connect(lab_session_, &GradientMeasureSession::replayFinished, replay,
            &widgets::GradientLabReplay::showResult);
    connect(lab_session_, &GradientMeasureSession::replayFailed, replay,
            &widgets::GradientLabReplay::showError);
}

MainWindow::~MainWindow() {
    if (log_listener_ >= 0)
        log::removeListener(log_listener_);
    for (auto& s : sessions_) {
        if (s)
            s->cancel();
    }
    qDeleteAll(sessions_);  // each joins its worker after the cancel
    sessions_.clear();
}

widgets::RunRow& MainWindow::row(const QString& id) {
    return rows_[id];
}

void MainWindow::logLine(log::Level level, const QString& source, const QString& message) {
    widgets::LogRecord r;
    r.time_ms = QDateTime::currentMSecsSinceEpoch();
    r.level = level;
    r.source = source;
    r.message = message;
    log_->append(r);
}

int MainWindow::maxConcurrent() const {
    return queue_.maxConcurrent();
}
void MainWindow::setMaxConcurrent(int n) {
    concurrent_->setValue(n);
}
void MainWindow::loadPreset(const QString& path) {
    editor_->loadPreset(path);
}

QString MainWindow::launch(const QString& yaml, const QString& source,
                           const QStringList& overrides) {
    RunConfig config;
    try {
        std::vector<std::string> sets;
        for (const QString& o : overrides)
            sets.push_back(o.toStdString());
        config = parseRunConfig(yaml.toStdString(),
                                source.isEmpty() ? "config" : source.toStdString(), sets);
    } catch (const std::exception& e) {
        logLine(log::Level::Error, "gui", QString("cannot launch: %1").arg(e.what()));
        status_->setText(QString("cannot launch: %1").arg(e.what()));
        return {};
    }
    return launchConfig(std::move(config));
}

QString MainWindow::launchConfig(RunConfig config) {
    TrainingSession* s = nullptr;
    try {
        s = new TrainingSession(config, runs_dir_, this);
    } catch (const std::exception& e) {
        logLine(log::Level::Error, "gui",
                QString("cannot create a run folder under %1: %2").arg(runs_dir_, e.what()));
        return {};
    }
    return queueSession(s);
}

QString MainWindow::queueSession(TrainingSession* s) {
    const QString id = s->id();
    const RunConfig& config = s->config();
    sessions_.insert(id, s);
    connectSession(s);
    widgets::RunRow& r = row(id);
    r.id = id;
    r.name = QFileInfo(id).fileName();
    r.recipe = QString::fromStdString(config.recipe());
    r.beta = config.beta();
    r.pausable = config.distributed.nproc <= 1;
    r.status = RunStatus::Queued;
    r.total_steps = plannedSteps(config);  // "0/N" while it waits
    runs_->upsert(r);
    logLine(log::Level::Info, "gui", QString("queued %1 (%2)").arg(id, s->label()));
    queue_.enqueue(id);
    showQueueStatus();
    return id;
}

QStringList MainWindow::launchSweep(const QString& yaml, const QString& source,
                                    const QStringList& betas, const QStringList& methods) {
    std::vector<SweepCell> cells;
    try {
        RunConfig base = parseRunConfig(yaml.toStdString(), source.toStdString());
        std::vector<double> values;
        for (const QString& b : betas) {
            bool ok = false;
            values.push_back(b.trimmed().toDouble(&ok));
            if (!ok)
                throw ArgumentError("sweep", "beta", "a number > 0", "'" + b.toStdString() + "'");
        }
        std::vector<std::string> names;
        for (const QString& m : methods)
            names.push_back(m.trimmed().toStdString());
        cells = sweepGrid(base, names, values);
    } catch (const std::exception& e) {
        logLine(log::Level::Error, "gui", QString("cannot launch the sweep: %1").arg(e.what()));
        status_->setText(QString("cannot launch the sweep: %1").arg(e.what()));
        return {};
    }
    QStringList ids;
    for (SweepCell& cell : cells) {
        QString id = launchConfig(std::move(cell.config));
        if (!id.isEmpty())
            ids << id;
    }
    return ids;
}

bool MainWindow::startRun(const QString& id) {
    auto s = sessions_.value(id);
    if (!s)
        return false;
    s->start();
    row(id).status = RunStatus::Running;
    runs_->upsert(row(id));
    return true;
}

void MainWindow::showQueueStatus() {
    status_->setText(
        QString("%1 running, %2 queued").arg(queue_.runningCount()).arg(queue_.queuedCount()));
}

void MainWindow::onStarted(const QString& id, qint64 total, qint64 params, const QString& device) {
    reloadResumedRun(id);
    row(id).total_steps = total;
    runs_->upsert(row(id));
    logLine(log::Level::Info, QFileInfo(id).fileName(),
            QString("started on %1: %2 parameters, %3 steps").arg(device).arg(params).arg(total));
}

void MainWindow::onSteps(const QString& id, const QVector<StepPoint>& batch) {
    auto s = sessions_.value(id);
    const QString label = s ? s->label() : id;
    QVector<widgets::CurvePoint> loss, grad;
    loss.reserve(batch.size());
    grad.reserve(batch.size());
    for (const StepPoint& p : batch) {
        loss.append({double(p.step), p.tokens, p.seconds, p.loss});
        grad.append({double(p.step), p.tokens, p.seconds, p.grad_norm});
    }
    dashboard_->appendPoints("loss", id, label, loss);
    dashboard_->appendPoints("grad_norm", id, label, grad);
    const StepPoint& last = batch.back();
    widgets::RunRow& r = row(id);
    r.step = last.step;
    r.total_steps = last.total_steps;
    r.eta_s = last.eta_s;
    r.tokens_per_s = last.tokens_per_s;
    runs_->upsert(r);
}

void MainWindow::onEval(const QString& id, const EvalPoint& e) {
    auto s = sessions_.value(id);
    const QString label = s ? s->label() : id;
    widgets::RunRow& r = row(id);
    eval_clock_[id].append({double(e.step), e.tokens, e.seconds, 0.0});
    for (const auto& [name, value] : e.metrics) {
        dashboard_->appendPoints(name, id, label, {{double(e.step), e.tokens, e.seconds, value}});
        if (name == "perplexity")
            r.perplexity = value;
        if (name == "agility")
            r.agility = value;
    }
    runs_->upsert(r);
    updateLandscape(id);
}

void MainWindow::updateLandscape(const QString& id) {
    const widgets::RunRow& r = row(id);
    RunSummary s;
    s.dir = id.toStdString();
    s.id = QFileInfo(id).fileName().toStdString();
    s.name = r.name.toStdString();
    s.recipe = r.recipe.toStdString();
    s.beta = r.beta;
    s.status = r.status;
    landscape_jobs_->request(s);
}

void MainWindow::onEnded(const QString& id, RunStatus status, const QString& reason) {
    widgets::RunRow& r = row(id);
    r.status = status;
    r.reason = reason;
    r.activity.clear();
    markResumable(r);
    runs_->upsert(r);
    const QString name = runStatusName(status);
    logLine(status == RunStatus::Failed ? log::Level::Error : log::Level::Info,
            QFileInfo(id).fileName(),
            reason.isEmpty() ? name : QString("%1: %2").arg(name, reason));
    updateLandscape(id);
    queue_.markEnded(id);
    showQueueStatus();
    Q_EMIT runEnded(id, status, reason);
}

void MainWindow::showRunFromDisk(const RunSummary& s) {
    const QString id = QString::fromStdString(s.dir);
    widgets::RunRow& r = row(id);
    r.id = id;
    r.name = QString::fromStdString(s.id);
    r.recipe = QString::fromStdString(s.recipe);
    r.beta = s.beta;
    r.status = s.status;
    r.reason = QString::fromStdString(s.reason);
    r.step = s.step;
    r.total_steps = s.total_steps;
    r.perplexity = s.metric("eval/perplexity", qQNaN());
    r.agility = s.metric("eval/agility", qQNaN());
    markResumable(r);
    runs_->upsert(r);
    QHash<QString, QVector<widgets::CurvePoint>> curves;
    try {
        curves = widgets::curvesFromMetrics(readMetrics(s.dir));  // with tokens and wall time
    } catch (const std::exception& ex) {
        logLine(log::Level::Warn, "gui", QString("%1: %2").arg(id, ex.what()));
    }
    for (auto it = curves.begin(); it != curves.end(); ++it)
        dashboard_->appendPoints(it.key(), id, recipeLabel(s), it.value());
    showDiagnosticsFromDisk(s, curves);
    landscape_jobs_->request(s);
    try {
        QVector<widgets::SampleSet> sets;
        for (const SamplesReport& r : readSamples(s.dir))
            sets.append(sampleSetFrom(r));
        if (!sets.isEmpty())
            samples_->setRunSamples(id, QString::fromStdString(s.id) + " (" + recipeLabel(s) + ")",
                                    sets);
    } catch (const std::exception& ex) {
        logLine(log::Level::Warn, "gui", QString("%1: %2").arg(id, ex.what()));
    }
}

void MainWindow::refreshRuns() {
    for (const RunSummary& s : listRuns(runs_dir_.toStdString())) {
        const QString id = QString::fromStdString(s.dir);
        if (sessions_.value(id))
            continue;  // trained by this window: its curves are live
        if (rows_.contains(id)) {
            // Listed from disk earlier (e.g. a CLI run): show its current state.
            if (rows_[id].status == s.status && rows_[id].step == s.step)
                continue;
            dashboard_->removeRun(id);
        }
        showRunFromDisk(s);
    }
}

}  // namespace rgpb::app
