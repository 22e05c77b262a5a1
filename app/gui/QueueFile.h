// The workbench's queue on disk: <runs dir>/queue.json lists the runs waiting to start, oldest
// first, so that closing the window (or a crash) loses none of them: the next window re-queues
// them. A new run is written with its resolved config (its folder stays empty until it starts);
// a resumed run only with its folder (its config.yaml and checkpoint are there). Rewritten
// atomically (writeFileAtomic) whenever the queue changes, and removed when the queue is empty.
// Only the window that holds the folder's queue lock reads and writes it (MainWindow::claimQueue).
#pragma once

#include <QString>
#include <QVector>

namespace rgpb::app {

struct QueuedRun {
    QString dir;          // the run folder
    bool resume = false;  // continue from its last checkpoint (config_yaml unused)
    QString config_yaml;  // a new run's resolved config (toYaml)
};

QString queueFilePath(const QString& runs_dir);
// Throws rgpb::Error naming the file when it cannot be written.
void writeQueueFile(const QString& runs_dir, const QVector<QueuedRun>& runs);
// Empty when there is no queue file; rgpb::InputError naming the file when it is malformed.
QVector<QueuedRun> readQueueFile(const QString& runs_dir);

}  // namespace rgpb::app
