// MainWindow's run lifecycle: the queue persisted in <runs dir>/queue.json and restored at start,
// never-started run folders cleaned up, the question before closing with active runs, resume
// from a checkpoint, and what a run is doing between steps in the progress column.
#include <QCloseEvent>
#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QMessageBox>
#include <QPushButton>
#include <filesystem>

#include "app/gui/MainWindow.h"
#include "app/gui/QueueFile.h"
#include "core/train/Trainer.h"
#include "widgets/MetricsDashboard.h"
#include "widgets/SamplesView.h"

namespace rgpb::app {

namespace {

// A run folder younger than this may be a run the CLI has just created and not yet written to.
constexpr qint64 kFreshFolderS = 30;

QString plural(int n, const char* one, const char* many) {
    return QString("%1 %2").arg(n).arg(n == 1 ? one : many);
}

}  // namespace

qint64 plannedSteps(const RunConfig& config) {
    qint64 total = 0;
    for (const StageConfig& s : config.stages) {
        if (s.steps <= 0)
            return 0;
        total += s.steps;
    }
    return total;
}

void MainWindow::connectSession(TrainingSession* s) {
    connect(s, &TrainingSession::started, this, &MainWindow::onStarted);
    connect(s, &TrainingSession::phaseChanged, this, &MainWindow::onPhase);
    connect(s, &TrainingSession::steps, this, &MainWindow::onSteps);
    connect(s, &TrainingSession::evaluated, this, &MainWindow::onEval);
    connect(s, &TrainingSession::sampled, this,
            [this, s](const QString& run, const widgets::SampleSet& set) {
                samples_->addSamples(run, QFileInfo(run).fileName() + " (" + s->label() + ")", set);
            });
    connect(s, &TrainingSession::diagnosed, this, &MainWindow::onDiagnostics);
    connect(s, &TrainingSession::ended, this, &MainWindow::onEnded);
}

void MainWindow::saveQueue() {
    if (restoring_queue_ || !queue_lock_)
        return;
    QVector<QueuedRun> runs;
    for (const QString& id : queue_.queued()) {
        TrainingSession* s = sessions_.value(id);
        if (!s)
            continue;
        QueuedRun r;
        r.dir = id;
        r.resume = s->isResume();
        if (!r.resume)
            r.config_yaml = QString::fromStdString(toYaml(s->config()));
        runs.append(r);
    }
    try {
        writeQueueFile(runs_dir_, runs);
    } catch (const std::exception& e) {
        logLine(log::Level::Error, "gui", QString("the queue is not saved: %1").arg(e.what()));
    }
}

// Re-queues what the last window left queued: new runs whose folder is still empty, and resumes
// that still have a checkpoint. The queue is held meanwhile, so the file is rewritten once.
bool MainWindow::claimQueue() {
    const QString dir = QDir(runs_dir_).filePath(".workbench");
    QDir().mkpath(dir);
    try {
        queue_lock_ = std::make_unique<RunLock>(dir.toStdString());
        return true;
    } catch (const std::exception& e) {
        logLine(log::Level::Warn, "gui",
                QString("another workbench has %1 open: this window does not save, restore or "
                        "clean up its queue (%2)")
                    .arg(runs_dir_, e.what()));
        return false;
    }
}

void MainWindow::restoreQueue() {
    if (!claimQueue())
        return;
    QVector<QueuedRun> runs;
    try {
        runs = readQueueFile(runs_dir_);
    } catch (const std::exception& e) {
        logLine(log::Level::Error, "gui", QString("queued runs not restored: %1").arg(e.what()));
        return;
    }
    restoring_queue_ = true;
    queue_.setHeld(true);
    for (const QueuedRun& q : runs) {
        const bool started = QFileInfo::exists(QDir(q.dir).filePath("summary.json"));
        if (!QFileInfo(q.dir).isDir() || sessions_.contains(q.dir) ||
            (q.resume ? !Trainer::canResume(q.dir.toStdString()) : started)) {
            logLine(log::Level::Warn, "gui", "not re-queued (gone or started elsewhere): " + q.dir);
            continue;
        }
        if (q.resume) {
            resumeRun(q.dir);
            continue;
        }
        try {
            RunConfig config = parseRunConfig(q.config_yaml.toStdString(),
                                              queueFilePath(runs_dir_).toStdString() + " (" +
                                                  QFileInfo(q.dir).fileName().toStdString() + ")");
            TrainingSession* s = TrainingSession::inFolder(std::move(config), q.dir, this);
            sessions_.insert(q.dir, s);
            connectSession(s);
            widgets::RunRow& r = row(q.dir);
            r.id = q.dir;
            r.name = QFileInfo(q.dir).fileName();
            r.recipe = QString::fromStdString(s->config().recipe());
            r.beta = s->config().beta();
            r.pausable = s->config().distributed.nproc <= 1;
            r.status = RunStatus::Queued;
            r.total_steps = plannedSteps(s->config());
            runs_->upsert(r);
            queue_.enqueue(q.dir);
            logLine(log::Level::Info, "gui", "re-queued " + q.dir);
        } catch (const std::exception& e) {
            logLine(log::Level::Error, "gui",
                    QString("cannot re-queue %1: %2").arg(q.dir, e.what()));
        }
    }
    restoring_queue_ = false;
    queue_.setHeld(false);
    saveQueue();
    showQueueStatus();
}

namespace {
// Nothing in it but the run.json that createRunDir writes (the run's colour): never started.
bool neverStarted(const QString& dir) {
    QStringList entries =
        QDir(dir).entryList(QDir::AllEntries | QDir::Hidden | QDir::System | QDir::NoDotAndDotDot);
    entries.removeAll("run.json");
    return entries.isEmpty();
}
}  // namespace

// A run folder that never started and is not queued (restoreQueue ran first) explains nothing,
// so it goes. A fresh one is left alone: the CLI may be about to fill it.
void MainWindow::removeNeverStartedFolders() {
    if (!queue_lock_)
        return;  // the queue's owner may have queued them
    const QDateTime now = QDateTime::currentDateTime();
    const QFileInfoList dirs = QDir(runs_dir_).entryInfoList(QDir::Dirs | QDir::NoDotAndDotDot);
    for (const QFileInfo& d : dirs) {
        const QString id = d.absoluteFilePath();
        if (sessions_.contains(d.filePath()) || sessions_.contains(id) || !neverStarted(id) ||
            d.lastModified().secsTo(now) < kFreshFolderS)
            continue;
        QFile::remove(QDir(id).filePath("run.json"));
        if (QDir().rmdir(id))  // only an empty folder: a run that just began writing stays
            logLine(log::Level::Info, "gui", "removed a never-started run folder: " + id);
    }
}

QString MainWindow::closeQuestion(int running, int queued) {
    QString text;
    if (running > 0)
        text = QString(
                   "%1 training. Quitting cancels them; their checkpoints are kept, so "
                   "Resume continues them later.")
                   .arg(plural(running, "run is", "runs are"));
    if (queued > 0)
        text += QString("%1%2 queued; they stay queued and start when the workbench opens again.")
                    .arg(text.isEmpty() ? "" : "\n\n")
                    .arg(plural(queued, "run is", "runs are"));
    return text;
}

bool MainWindow::confirmClose(int running, int queued) {
    if (close_decision_)
        return close_decision_(running, queued);
    QMessageBox box(QMessageBox::Question, "Quit the workbench?", closeQuestion(running, queued),
                    QMessageBox::NoButton, this);
    QPushButton* quit =
        box.addButton(running > 0 ? QString("Cancel %1 (their checkpoints are kept) and quit")
                                        .arg(plural(running, "running run", "running runs"))
                                  : QString("Quit"),
                      QMessageBox::DestructiveRole);
    QPushButton* keep = box.addButton("Keep the workbench open", QMessageBox::RejectRole);
    box.setDefaultButton(keep);
    box.setEscapeButton(keep);
    box.exec();
    return box.clickedButton() == quit;
}

void MainWindow::closeEvent(QCloseEvent* event) {
    int running = 0;
    for (const auto& s : sessions_)
        running += s && s->isRunning() ? 1 : 0;
    const int queued = queue_.queuedCount();
    if (running + queued > 0 && !confirmClose(running, queued)) {
        event->ignore();
        return;
    }
    saveSettings();
    // Nothing starts any more: the queued runs stay in the queue file for the next window, and
    // the running ones end as cancelled, with a checkpoint (the destructor waits for them).
    queue_.setHeld(true);
    for (const auto& s : sessions_) {
        if (s && s->isRunning())
            s->cancel();
    }
    event->accept();
}

// A queued run leaves the queue (a new one with its empty folder); a running one stops with a
// checkpoint.
void MainWindow::cancelRun(const QString& id) {
    if (sessions_.value(id) && sessions_.value(id)->isResume() && queue_.removeQueued(id)) {
        // A resume that had not started: the run is as it was, with its checkpoint.
        delete sessions_.take(id);
        try {
            RunSummary s = readSummary(id.toStdString());
            if (s.status == RunStatus::Running) {  // as listRuns reports an unfinished run
                s.status = RunStatus::Failed;
                s.reason = "interrupted: the process ended without finishing";
            }
            showRunFromDisk(s);
        } catch (const std::exception& e) {
            logLine(log::Level::Warn, "gui", QString("%1: %2").arg(id, e.what()));
        }
        showQueueStatus();
    } else if (queue_.removeQueued(id)) {
        // Never started: nothing to keep, so the empty run folder goes too.
        std::error_code ec;
        std::filesystem::remove_all(id.toStdString(), ec);
        runs_->remove(id);
        rows_.remove(id);
        if (auto s = sessions_.take(id))
            s->deleteLater();
        logLine(log::Level::Info, "gui", "removed queued run " + id);
        showQueueStatus();
    } else if (auto s = sessions_.value(id)) {
        s->cancel();
    }
}

bool MainWindow::resumeRun(const QString& id) {
    TrainingSession* old = sessions_.value(id);
    if ((old && old->isRunning()) || queue_.isQueued(id) || RunLock::isHeld(id.toStdString())) {
        logLine(log::Level::Warn, "gui", id + " is still active; it cannot be resumed");
        return false;
    }
    if (!Trainer::canResume(id.toStdString())) {
        logLine(log::Level::Warn, "gui", id + " has no checkpoint to resume from");
        return false;
    }
    TrainingSession* s = nullptr;
    try {
        s = TrainingSession::resume(id, this);
    } catch (const std::exception& e) {
        logLine(log::Level::Error, "gui", QString("cannot resume %1: %2").arg(id, e.what()));
        return false;
    }
    if (old)
        sessions_.take(id)->deleteLater();
    sessions_.insert(id, s);
    connectSession(s);
    widgets::RunRow& r = row(id);
    r.id = id;
    r.name = QFileInfo(id).fileName();
    r.status = RunStatus::Queued;
    r.reason.clear();
    r.activity.clear();
    r.resumable = false;
    runs_->upsert(r);
    logLine(log::Level::Info, "gui", QString("resuming %1 (%2)").arg(id, s->label()));
    queue_.enqueue(id);
    showQueueStatus();
    return true;
}

// A resumed run trains on from its checkpoint (the trainer has dropped the metrics after it):
// its curves are reread from disk before its new steps arrive.
void MainWindow::reloadResumedRun(const QString& id) {
    TrainingSession* s = sessions_.value(id);
    if (!s || !s->isResume())
        return;
    dashboard_->removeRun(id);
    try {
        // The summary is the resumed trainer's fresh "running" one: the row keeps where the run
        // stopped until its next steps arrive.
        const widgets::RunRow before = row(id);
        showRunFromDisk(readSummary(id.toStdString()));
        widgets::RunRow& r = row(id);
        r.status = RunStatus::Running;
        r.step = before.step;
        r.total_steps = before.total_steps;
        r.perplexity = before.perplexity;
        r.agility = before.agility;
        runs_->upsert(r);
    } catch (const std::exception& e) {
        logLine(log::Level::Warn, "gui", QString("%1: %2").arg(id, e.what()));
    }
}

void MainWindow::onPhase(const QString& id, const QString& activity, qint64 done, qint64 total) {
    widgets::RunRow& r = row(id);
    r.activity = activity;
    r.activity_done = done;
    r.activity_total = total;
    runs_->upsert(r);
}

void MainWindow::markResumable(widgets::RunRow& r) const {
    r.resumable = (r.status == RunStatus::Cancelled || r.status == RunStatus::Failed) &&
                  Trainer::canResume(r.id.toStdString());
}

}  // namespace rgpb::app
