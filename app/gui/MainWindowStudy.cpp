// MainWindow's side of studies: the Study tab, the runs a study hands over queued in their own
// (content-addressed) folders like any other run, and a study cell's run opened on the Train tab.
#include <QDir>
#include <QFileInfo>
#include <QLabel>
#include <QTabWidget>
#include <filesystem>

#include "app/gui/MainWindow.h"
#include "app/gui/StudyTab.h"
#include "core/train/Trainer.h"
#include "widgets/StudyView.h"

namespace rgpb::app {

void MainWindow::buildStudyTab() {
    study_ = new StudyTab(this, QDir(runs_dir_).filePath("studies"));
    auto* tabs = qobject_cast<QTabWidget*>(centralWidget());
    if (tabs)  // the Gradient lab and Judge tabs made the central widget a tab widget
        tabs->addTab(study_->view(), "Study");
}

QString MainWindow::launchInFolder(RunConfig config, const QString& run_dir) {
    const QString id = QDir(run_dir).absolutePath();
    if (queue_.isQueued(id) || queue_.isRunning(id))
        return id;  // handed over earlier: its end is still to come
    if (QFileInfo::exists(QDir(id).filePath("summary.json"))) {
        // A run that failed or was interrupted: continued from its checkpoint when it has one,
        // else started again from scratch in the same folder.
        if (resumeRun(id))
            return id;
        std::error_code ec;
        std::filesystem::remove_all(id.toStdString(), ec);
        if (ec) {
            logLine(log::Level::Error, "study",
                    QString("cannot clear %1 to rerun it: %2")
                        .arg(id, QString::fromStdString(ec.message())));
            return {};
        }
        rows_.remove(id);
        runs_->remove(id);
    }
    if (!QDir().mkpath(id)) {
        logLine(log::Level::Error, "study", "cannot create the run folder " + id);
        return {};
    }
    if (TrainingSession* old = sessions_.take(id))
        old->deleteLater();
    return queueSession(TrainingSession::inFolder(std::move(config), id, this));
}

void MainWindow::openRun(const QString& run_dir) {
    const QString id = QDir(run_dir).absolutePath();
    if (!rows_.contains(id) && QFileInfo::exists(QDir(id).filePath("summary.json"))) {
        try {
            showRunFromDisk(readSummary(id.toStdString()));
        } catch (const std::exception& e) {
            logLine(log::Level::Warn, "study", QString("%1: %2").arg(id, e.what()));
        }
    }
    if (!rows_.contains(id)) {
        status_->setText(QString("%1 has not started yet").arg(QFileInfo(id).fileName()));
        return;
    }
    if (auto* tabs = qobject_cast<QTabWidget*>(centralWidget()))
        tabs->setCurrentIndex(0);  // Train
    runs_->select(id);
}

}  // namespace rgpb::app
