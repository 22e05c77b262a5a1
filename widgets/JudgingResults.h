// The judging results as a table: per model pair and judge the win / lose / tie / both-bad
// rates with 95% bootstrap intervals, adjusted win rate, sign-test p-value and the length
// split (the same numbers as `rgpb judge-stats`, from core/judging/JudgeStats), or the paper's
// Table 1 layout (win / lose per judge) with a toggle; below it a line with the kappas between
// judges and each judge's position consistency (a kappa over fewer than kKappaMinItems common
// items, or an undefined one, reads "n/a", the reason in the line's tooltip); the pooled row of
// a pair says that it counts votes, not items. Every numeric cell keeps its exact value in
// Qt::UserRole (tests and copy-out read it), the text shows it rounded.
#pragma once

#include <QWidget>
#include <vector>

#include "core/judging/JudgeRatings.h"
#include "core/judging/JudgeStats.h"

class QCheckBox;
class QLabel;
class QTableWidget;

namespace rgpb::widgets {

class JudgingResults : public QWidget {
    Q_OBJECT

public:
    explicit JudgingResults(QWidget* parent = nullptr);

    // Below this many common items a kappa is noise: one item more or less moves it by 0.2 or
    // more (with 5 items, one disagreement out of 5 moves p_o by 0.2 alone).
    static constexpr std::size_t kKappaMinItems = 5;

    void setReport(const judging::JudgeStatsReport& report);
    // Beside the report: each pair's length-controlled win rate per judge (the "LC win"
    // column) and, for judges who rated three or more models, Bradley-Terry ratings (a line
    // under the table). Call after setReport().
    void setRatings(std::vector<judging::LengthControlledWinRate> lc,
                    std::vector<judging::JudgeRatings> ratings);
    // "Every set": the table pools all sets of the database (ratings need three or more
    // models, and one set has two). scopeChanged() asks the view to recompute.
    bool allSets() const;
    void setAllSets(bool on);
    QLabel* ratingsLabel() const { return ratings_label_; }
    const judging::JudgeStatsReport& report() const { return report_; }
    void setTable1Layout(bool on);
    bool table1Layout() const;

    QTableWidget* table() const { return table_; }
    QLabel* agreementLabel() const { return agreement_; }

    // Column of the full layout: pair, judge, n, win, lose, tie, both bad, adj. win, sign p,
    // len 1, len 2, win|1 longer, win|2 longer, length-controlled win. Model 1 and 2 are the set's
    // order (the rates are model 1's); A and B are only the screen sides.
    enum Column {
        Pair,
        Judge,
        Votes,
        Win,
        Lose,
        Tie,
        BothBad,
        AdjustedWin,
        SignP,
        LengthA,
        LengthB,
        WinALonger,
        WinBLonger,
        LcWin,
        ColumnCount
    };

Q_SIGNALS:
    void scopeChanged();

private:
    void rebuild();
    void showTable1();
    void showPairs();
    void setPairRow(int r, const judging::PairResult& p);

    judging::JudgeStatsReport report_;
    std::vector<judging::LengthControlledWinRate> lc_;
    std::vector<judging::JudgeRatings> ratings_;
    QTableWidget* table_;
    QCheckBox *table1_, *all_sets_;
    QLabel *agreement_, *ratings_label_;
};

}  // namespace rgpb::widgets
