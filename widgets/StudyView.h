// The Study tab's content: a button row (open a study file or a study folder, save, Run, export
// the report) with the study's progress, the study file's editor on the left, and on the right
// the progress grid (StudyGrid) above the aggregated views of one task (chosen in a combo box):
// landscape, beta sensitivity, learning curves, information and gradient difference, paired
// comparisons and claims. Every figure exports PNG, SVG, PDF and CSV, every table CSV. The view
// only shows values and asks (signals); the application plans, queues, loads and aggregates.
#pragma once

#include <QString>
#include <QWidget>
#include <vector>

#include "core/study/StudyClaims.h"
#include "widgets/StudyEditor.h"
#include "widgets/StudyGrid.h"

class QComboBox;
class QCustomPlot;
class QLabel;
class QProgressBar;
class QPushButton;
class QTableWidget;
class QTabWidget;

namespace rgpb::widgets {

class StudyView : public QWidget {
    Q_OBJECT

public:
    explicit StudyView(StudyEditor::Validator validator, QWidget* parent = nullptr);

    StudyEditor* editor() const { return editor_; }
    StudyGrid* grid() const { return grid_; }
    QTabWidget* views() const { return views_; }

    // What the study produced: the views redraw (the chosen task is kept when it is still there).
    void setResults(const StudyResults& results, const StudyAggregate& aggregate,
                    const std::vector<ClaimResult>& claims);
    void clearResults();
    QStringList tasks() const;
    QString currentTask() const;
    void setCurrentTask(const QString& task);
    // The learning curves' metric and beta.
    void setCurveSelection(const QString& metric, double beta);
    // "12 of 42 runs finished, 2 running" beside the buttons; `done` of `total` in its bar.
    void setProgress(const QString& text, int done, int total);
    QString progressText() const;
    void setRunning(bool running);  // Run disabled and Stop enabled while the study runs

    QCustomPlot* landscapePlot() const { return landscape_; }
    QCustomPlot* posProbPlot() const { return pos_prob_; }
    QCustomPlot* agilityPlot() const { return agility_; }
    QCustomPlot* curvesPlot() const { return curves_; }
    QCustomPlot* infoPlot() const { return info_; }
    QCustomPlot* gradPlot() const { return grad_; }
    QTableWidget* comparisonsTable() const { return comparisons_; }
    QTableWidget* claimsTable() const { return claims_; }
    QPushButton* runButton() const { return run_; }
    QPushButton* stopButton() const { return stop_; }
    QPushButton* exportButton() const { return export_; }

Q_SIGNALS:
    void openFileRequested(const QString& path);
    void openFolderRequested(const QString& dir);
    void runRequested();
    void stopRequested();  // queue no more of the study's runs
    void exportRequested(const QString& out_dir);
    void runActivated(const QString& run_dir);

private:
    QWidget* buildButtons();
    QWidget* buildViews();
    QWidget* curvesPanel();
    void redraw();
    void redrawCurves();

    StudyEditor* editor_;
    StudyGrid* grid_;
    QTabWidget* views_ = nullptr;
    QComboBox* task_ = nullptr;
    QComboBox* metric_ = nullptr;
    QComboBox* beta_ = nullptr;
    QCustomPlot *landscape_ = nullptr, *pos_prob_ = nullptr, *agility_ = nullptr;
    QCustomPlot *curves_ = nullptr, *info_ = nullptr, *grad_ = nullptr;
    QTableWidget *comparisons_ = nullptr, *claims_ = nullptr;
    QPushButton *run_ = nullptr, *stop_ = nullptr, *export_ = nullptr;
    QLabel* progress_text_ = nullptr;
    QProgressBar* progress_ = nullptr;
    StudyResults results_;
    StudyAggregate aggregate_;
    std::vector<ClaimResult> claim_results_;
    bool running_ = false;
};

}  // namespace rgpb::widgets
