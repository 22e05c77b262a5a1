// Why a run rewards, penalises or collapses (issue 15): the live gradient diagnostics the
// trainer writes at every evaluation (core/diagnostics/Diagnostics.h), for one run at a time.
// - the weight each penalising term puts on every eval pair's negative example (DPO's
//   beta*sigmoid(-h), UL's max P-/(1-P-), ExMATE's beta*exp(m-)) as a heat strip over the
//   evaluations, with its median;
// - likelihood displacement: the share of eval pairs whose chosen log-prob fell since the stage
//   began while their margin grew, with the alert threshold and the evaluations that crossed it;
// - the positive-side and negative-side gradient on the probe batch: their norms over the
//   evaluations, and per layer group at the picked evaluation with the cosine between them;
// - the pairs that lost the most at the picked evaluation, and the token view of a pair: chosen
//   and rejected responses, every token coloured by the change of its log-probability since the
//   stage began or since the previous evaluation.
// Every plot and table exports PNG/SVG/PDF and CSV. Live runs follow their newest evaluation
// while it is selected; runs opened from disk show what their files hold.
#pragma once

#include <QMap>
#include <QString>
#include <QVector>
#include <QWidget>

#include <vector>

#include "core/diagnostics/Diagnostics.h"
#include "widgets/PlotExport.h"
#include "widgets/TokenDeltaView.h"

class QComboBox;
class QCustomPlot;
class QCPColorMap;
class QLabel;
class QTableWidget;

namespace rgpb::widgets {

class RunIdentities;

class DiagnosticsView : public QWidget {
    Q_OBJECT

public:
    explicit DiagnosticsView(QWidget* parent = nullptr);

    // Run colours and labels for the run selector (not owned).
    void setIdentities(RunIdentities* identities);

    // `run` is the run's folder (token snapshots are read from it). A row for a step already
    // shown replaces it; `label` names the run in the selector.
    void addRow(const QString& run, const QString& label, const DiagnosticsRow& row);
    void setRunRows(const QString& run, const QString& label,
                    const std::vector<DiagnosticsRow>& rows);
    // A run whose diagnostics cannot be read (a malformed diagnostics.jsonl): listed, with
    // `problem` (the reader's message: file, line, key) where its diagnostics would be.
    void setRunProblem(const QString& run, const QString& label, const QString& problem);
    void removeRun(const QString& run);
    void clear();

    QStringList runs() const;
    const std::vector<DiagnosticsRow>* rowsOf(const QString& run) const;  // nullptr: unknown
    QString currentRun() const;
    void setCurrentRun(const QString& run);
    QVector<qint64> steps() const;  // the current run's evaluations
    qint64 currentStep() const;     // -1 when none
    void setCurrentStep(qint64 step);
    // The token view's pair (an index into the eval split) and reference. Until a pair is
    // picked (here, in the pair selector or by a click in the displaced pairs), the token view
    // follows the most displaced pair it has tokens for.
    void showPair(std::size_t pair);
    void setSinceStageStart(bool since_stage_start);

    // For tests and exports.
    QCustomPlot* weightPlot() const { return weight_plot_; }
    QCPColorMap* weightMap() const { return weight_map_; }
    QCustomPlot* displacementPlot() const { return displacement_plot_; }
    QCustomPlot* gradientPlot() const { return gradient_plot_; }
    QTableWidget* groupTable() const { return groups_; }
    QTableWidget* displacedTable() const { return displaced_; }
    QComboBox* termBox() const { return term_; }
    QComboBox* pairBox() const { return pair_; }
    TokenDeltaText* chosenText() const { return chosen_; }
    TokenDeltaText* rejectedText() const { return rejected_; }
    QString tokenStatus() const;       // what the token view says above the responses
    QString summaryText() const;       // the line under the selectors: the evaluation, or a problem
    CsvTable weightsCsv() const;       // step, term, pair, weight
    CsvTable displacementCsv() const;  // step, stage, share, threshold, alert, displaced pairs
    CsvTable gradientCsv() const;      // step, group, pos_norm, neg_norm, cosine
    CsvTable tokensCsv() const;        // the token view: side, index, piece, before, now, change

private:
    struct Run {
        QString label;
        std::vector<DiagnosticsRow> rows;  // by increasing step
        std::vector<TokenPieces> pieces;   // read on first use
        bool pieces_read = false;
        QString problem;  // why its diagnostics could not be read; empty: none
    };
    const Run* current() const;
    const DiagnosticsRow* currentRow() const;
    void buildLayout();
    void setUpPlots();  // axes, colour scale, legends (once)
    QWidget* buildTokenPanel();
    void restyleRuns();
    void showRun();
    void showStep();
    void drawWeights();
    void drawDisplacement();
    void drawGradients();
    void fillGroupTable();
    void fillDisplacedTable();
    void showTokens();
    void fillPairs();  // the token view's pair selector for the current run

    RunIdentities* identities_ = nullptr;
    QMap<QString, Run> runs_;
    QComboBox* run_;
    QComboBox* step_;
    QLabel* summary_;
    QComboBox* term_;
    QCustomPlot* weight_plot_;
    QCPColorMap* weight_map_;
    QCustomPlot* displacement_plot_;
    QCustomPlot* gradient_plot_;
    QTableWidget* groups_;
    QTableWidget* displaced_;
    QComboBox* pair_;
    QComboBox* reference_;
    QLabel* token_status_;
    QLabel* token_scale_;
    TokenDeltaText* chosen_;
    TokenDeltaText* rejected_;
    QVector<TokenChange> chosen_tokens_, rejected_tokens_;  // as shown
    QString pairs_of_;  // the run whose kept pairs the pair selector lists
    // Until the user picks a pair, the token view shows the most displaced kept pair of the
    // picked evaluation.
    bool pair_picked_ = false;
};

}  // namespace rgpb::widgets
