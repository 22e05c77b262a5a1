// The progress grid of a study: one row per task x recipe x beta, one column per training seed,
// each cell showing the state of its chain of runs (pending, ready, running, finished, failed) as
// a colour and a word, the failure reason and the cell's runs as its tooltip. Activating a cell
// (double-click, Enter) asks the window to open the cell's run: the last of its stage runs whose
// folder exists (the stage furthest along), else its last stage. A line above the grid counts
// the cells in each state. Plain values in (core/study headers are plain structs): the
// application works out the states from the plan and the run folders.
#pragma once

#include <QString>
#include <QStringList>
#include <QVector>
#include <QWidget>

#include "core/study/StudyPlan.h"
#include "core/study/StudyResults.h"

class QLabel;
class QTableWidget;

namespace rgpb::widgets {

struct StudyGridCell {
    QString task;
    QString recipe;   // "mle -> dpo"
    double beta = 0;  // 0: the recipe takes no beta (MLE alone)
    quint64 seed = 0;
    PlannedRunState state = PlannedRunState::Pending;
    QString reason;        // why it failed (tooltip)
    QStringList run_dirs;  // one run per stage, first stage first
    // Final evaluation of a finished cell (NaN otherwise), shown in its tooltip.
    double perplexity = qQNaN(), agility = qQNaN();
};

// The grid's cells of a study's results: a finished cell is Finished, a failed or cancelled one
// Failed, any other Pending (the results know nothing of the queue; the application refines
// Pending into Ready or Running from the plan).
QVector<StudyGridCell> studyGridCells(const StudyResults& results);
// Sets the cell's perplexity and agility from a finished result's final evaluation.
void setFinalMetrics(StudyGridCell& cell, const StudyCellResult& result);

class StudyGrid : public QWidget {
    Q_OBJECT

public:
    explicit StudyGrid(QWidget* parent = nullptr);

    // Rows in first-seen order of (task, recipe, beta); columns the seeds in ascending order.
    void setCells(const QVector<StudyGridCell>& cells);
    QVector<StudyGridCell> cells() const { return cells_; }
    QTableWidget* table() const { return table_; }
    // Where a cell sits (row, column); (-1, -1) when it is not in the grid.
    QPair<int, int> positionOf(const QString& task, const QString& recipe, double beta,
                               quint64 seed) const;
    // The run folder activating the cell at (row, column) opens; empty for an empty position.
    QString runToOpen(int row, int column) const;
    // "42 cells: 30 finished, 2 running, 1 failed, ..." (the line above the grid).
    QString summaryText() const;

Q_SIGNALS:
    void runActivated(const QString& run_dir);

private:
    const StudyGridCell* cellAt(int row, int column) const;

    QLabel* summary_;
    QTableWidget* table_;
    QVector<StudyGridCell> cells_;
    QVector<QVector<int>> index_;  // [row][column] -> index in cells_, -1 when none
    QList<quint64> seeds_;
};

}  // namespace rgpb::widgets
