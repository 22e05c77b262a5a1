// The list of runs: name, recipe, beta, status, a progress bar, ETA, tokens/s and the latest
// eval perplexity and agility, with Cancel, Pause/Resume, Delete (confirmed) and Open folder.
// The widget only asks (signals); the application does the work.
#pragma once

#include <QString>
#include <QWidget>

#include "core/run/RunStatus.h"

class QTableWidget;
class QPushButton;

namespace rgpb::widgets {

struct RunRow {
    QString id;  // unique key (the run folder)
    QString name, recipe;
    double beta = 0;
    RunStatus status = RunStatus::Queued;
    QString reason;  // failure reason, shown as the status tooltip
    qint64 step = 0, total_steps = 0;
    double eta_s = -1, tokens_per_s = 0;
    double perplexity = qQNaN(), agility = qQNaN();
};

class RunTable : public QWidget {
    Q_OBJECT

public:
    explicit RunTable(QWidget* parent = nullptr);
    void upsert(const RunRow& row);
    void remove(const QString& id);
    int rowCount() const;
    RunRow rowAt(int r) const;
    QStringList selectedIds() const;
    void select(const QString& id);
    // Confirmation before deleting; tests switch it off.
    void setConfirmDeletes(bool on) { confirm_ = on; }

Q_SIGNALS:
    void cancelRequested(const QString& id);
    void pauseToggled(const QString& id);
    void deleteRequested(const QString& id);
    void openFolderRequested(const QString& id);
    void selectionChanged(const QStringList& ids);

private:
    int find(const QString& id) const;
    void updateButtons();
    QTableWidget* table_;
    QPushButton *cancel_, *pause_, *delete_, *open_;
    QList<RunRow> rows_;
    bool confirm_ = true;
};

QString formatEta(double seconds);

}  // namespace rgpb::widgets
