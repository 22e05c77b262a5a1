// The list of runs: name, recipe, beta, status, a progress bar, ETA, tokens/s and the latest
// eval perplexity and agility, with Cancel (confirmed), Pause/Resume, Resume from checkpoint,
// Delete (confirmed) and Open folder. The progress column says what a run does between steps
// ("caching reference log-probs 1200/4000") and its steps otherwise. With a RunIdentities
// registry each name carries the run's colour swatch and a checkbox that shows or hides it in
// every plot, and selecting one row highlights that run everywhere.
// The widget only asks (signals); the application does the work.
#pragma once

#include <QString>
#include <QWidget>

#include "core/run/RunStatus.h"

class QTableWidget;
class QPushButton;

namespace rgpb::widgets {

class RunIdentities;

struct RunRow {
    QString id;  // unique key (the run folder)
    QString name, recipe;
    double beta = 0;
    RunStatus status = RunStatus::Queued;
    QString reason;  // failure reason, shown as the status tooltip
    qint64 step = 0, total_steps = 0;
    double eta_s = -1, tokens_per_s = 0;
    double perplexity = qQNaN(), agility = qQNaN();
    QString activity;  // what it does between steps ("evaluating"); empty: its steps
    qint64 activity_done = 0, activity_total = 0;  // total 0: unknown
    bool resumable = false;                        // stopped with a checkpoint to continue from
    bool pausable = true;  // false: a data-parallel run (its other ranks would time out waiting)
    // A diagnostics alert ("likelihood displacement: 62% of eval pairs at step 40"); empty: none.
    // The status cell shows a warning sign and the alert in its tooltip.
    QString alert;
};

class RunTable : public QWidget {
    Q_OBJECT

public:
    explicit RunTable(QWidget* parent = nullptr);
    // Rows register their runs there (name, recipe, beta) and follow its colours, visibility
    // and highlight (not owned).
    void setIdentities(RunIdentities* identities);
    QTableWidget* table() const { return table_; }
    void upsert(const RunRow& row);
    void remove(const QString& id);
    int rowCount() const;
    RunRow rowAt(int r) const;
    QStringList selectedIds() const;
    void select(const QString& id);
    // Confirmation before deleting or cancelling; tests switch it off.
    void setConfirmDeletes(bool on) { confirm_ = on; }
    QPushButton* cancelButton() const { return cancel_; }
    QPushButton* resumeButton() const { return resume_; }
    QString progressText(int r) const;  // the progress column's text

Q_SIGNALS:
    void cancelRequested(const QString& id);
    void pauseToggled(const QString& id);
    void resumeRequested(const QString& id);  // continue from its last checkpoint
    void deleteRequested(const QString& id);
    void openFolderRequested(const QString& id);
    void selectionChanged(const QStringList& ids);

private:
    int find(const QString& id) const;
    void connectButtons();
    bool confirmed(const QString& title, const QString& question, const QStringList& ids);
    void updateButtons();
    void syncIdentity(int r);  // swatch and checkbox of row r from the registry
    RunIdentities* identities_ = nullptr;
    bool syncing_ = false;
    QTableWidget* table_;
    QPushButton *cancel_, *pause_, *resume_, *delete_, *open_;
    QList<RunRow> rows_;
    bool confirm_ = true;
};

QString formatEta(double seconds);

}  // namespace rgpb::widgets
