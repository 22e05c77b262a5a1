#include "widgets/JudgingResults.h"

#include <QCheckBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QTableWidget>
#include <QVBoxLayout>
#include <cmath>

namespace rgpb::widgets {

namespace {

QString fixed(double x, int digits = 3) {
    return std::isnan(x) ? QString("-") : QString::number(x, 'f', digits);
}

QTableWidgetItem* textItem(const QString& text) {
    auto* item = new QTableWidgetItem(text);
    item->setFlags(Qt::ItemIsSelectable | Qt::ItemIsEnabled);
    return item;
}

QTableWidgetItem* numberItem(double value, const QString& text) {
    QTableWidgetItem* item = textItem(text);
    item->setData(Qt::UserRole, value);
    item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
    return item;
}

QTableWidgetItem* rateItem(double rate, const judging::Interval* ci = nullptr) {
    QString text = fixed(rate);
    if (ci && !std::isnan(rate))
        text += QString(" [%1, %2]").arg(fixed(ci->low), fixed(ci->high));
    return numberItem(rate, text);
}

// A kappa's text: "n/a" when it is undefined or rests on too few items, the reason in `why`.
QString kappaText(const QString& what, double k, std::size_t items, QStringList& why) {
    if (items < JudgingResults::kKappaMinItems) {
        why << QString("%1: n/a, %2 common item(s); a kappa needs at least %3 to say anything")
                   .arg(what)
                   .arg(items)
                   .arg(JudgingResults::kKappaMinItems);
        return "n/a";
    }
    if (std::isnan(k)) {
        why << QString(
                   "%1: n/a, undefined: chance agreement p_e is 1 (every vote the same "
                   "verdict)")
                   .arg(what);
        return "n/a";
    }
    return fixed(k);
}

// Cohen's kappa per judge pair, Fleiss' kappa, then each judge's position consistency; the
// reasons for any "n/a" go to `why`.
QStringList agreementParts(const judging::JudgeStatsReport& report, QStringList& why) {
    QStringList parts;
    for (const judging::CohenResult& c : report.cohen) {
        const QString what =
            QString("Cohen's kappa %1 vs %2")
                .arg(QString::fromStdString(c.judge_1), QString::fromStdString(c.judge_2));
        parts << QString("%1: %2 (%3 items)")
                     .arg(what, kappaText(what, c.kappa, c.items, why))
                     .arg(c.items);
    }
    if (report.fleiss) {
        const QString what = QString("Fleiss' kappa (%1 judges)").arg(report.fleiss->judges.size());
        parts << QString("%1: %2 (%3 items)")
                     .arg(what, kappaText(what, report.fleiss->kappa, report.fleiss->items, why))
                     .arg(report.fleiss->items);
    }
    for (const judging::PositionConsistency& c : report.consistency) {
        if (c.repeated > 0) {
            parts << QString("position consistency %1: %2/%3")
                         .arg(QString::fromStdString(c.judge))
                         .arg(c.consistent)
                         .arg(c.repeated);
        }
    }
    return parts;
}

bool isPooled(const judging::PairResult& p) {
    static const std::string pooled = judging::JudgeStatsOptions{}.pooled_judge;
    return !pooled.empty() && p.judge == pooled;
}

}  // namespace

JudgingResults::JudgingResults(QWidget* parent) : QWidget(parent) {
    table1_ = new QCheckBox("Table 1 layout (win / lose of model 1 vs model 2, per judge)");
    table1_->setObjectName("table1Toggle");
    table1_->setToolTip(
        "The paper's Table 1: one row per model pair, per judge the win and "
        "lose rates of the first model (ties and both-bad count in neither).");
    table_ = new QTableWidget;
    table_->setObjectName("results");
    table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    table_->verticalHeader()->hide();
    table_->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    all_sets_ = new QCheckBox("every set (ratings across all models)");
    all_sets_->setObjectName("allSets");
    all_sets_->setToolTip(
        "Pool the votes of every set in the database: Bradley-Terry ratings need three or more "
        "models judged by the same judge.");
    connect(all_sets_, &QCheckBox::toggled, this, &JudgingResults::scopeChanged);
    ratings_label_ = new QLabel;
    ratings_label_->setObjectName("ratings");
    ratings_label_->setWordWrap(true);
    ratings_label_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    agreement_ = new QLabel("no votes yet");
    agreement_->setObjectName("kappa");
    agreement_->setWordWrap(true);
    agreement_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    auto* toggles = new QHBoxLayout;
    toggles->addWidget(table1_);
    toggles->addWidget(all_sets_);
    toggles->addStretch();
    layout->addLayout(toggles);
    layout->addWidget(table_, 1);
    layout->addWidget(agreement_);
    layout->addWidget(ratings_label_);
    connect(table1_, &QCheckBox::toggled, this, [this] { rebuild(); });
    rebuild();
}

void JudgingResults::setReport(const judging::JudgeStatsReport& report) {
    report_ = report;
    lc_.clear();
    ratings_.clear();
    rebuild();
}

void JudgingResults::setRatings(std::vector<judging::LengthControlledWinRate> lc,
                                std::vector<judging::JudgeRatings> ratings) {
    lc_ = std::move(lc);
    ratings_ = std::move(ratings);
    rebuild();
}

bool JudgingResults::allSets() const {
    return all_sets_->isChecked();
}
void JudgingResults::setAllSets(bool on) {
    all_sets_->setChecked(on);
}

void JudgingResults::setTable1Layout(bool on) {
    table1_->setChecked(on);
}
bool JudgingResults::table1Layout() const {
    return table1_->isChecked();
}

void JudgingResults::rebuild() {
    table_->clear();
    if (table1_->isChecked())
        showTable1();
    else
        showPairs();
    QStringList why;
    const QStringList parts = agreementParts(report_, why);
    agreement_->setToolTip(why.join("\n"));
    if (report_.pairs.empty())
        agreement_->setText("no votes yet");
    else if (parts.isEmpty())
        agreement_->setText(
            "kappa: needs two judges on common items (the automatic judge "
            "'auto' counts on items with a known answer)");
    else
        agreement_->setText(parts.join("  ·  "));
    QStringList rated;
    for (const judging::JudgeRatings& j : ratings_) {
        QStringList models;
        for (const judging::BradleyTerryRating& m : j.ratings)
            models << QString("%1 %2 [%3, %4]")
                          .arg(QString::fromStdString(m.model), fixed(m.rating, 0),
                               fixed(m.ci.low, 0), fixed(m.ci.high, 0));
        rated << QString("Bradley-Terry ratings, %1 (Elo scale, 95%% bootstrap over battles): %2")
                     .arg(QString::fromStdString(j.judge), models.join(", "));
    }
    ratings_label_->setText(rated.join("\n"));
    ratings_label_->setVisible(!rated.isEmpty());
}

void JudgingResults::showTable1() {
    const judging::Table1 t = judging::table1(report_);
    QStringList headers = {"model 1 vs model 2"};
    for (const std::string& j : t.judges)
        headers << QString("%1 win").arg(QString::fromStdString(j))
                << QString("%1 lose").arg(QString::fromStdString(j));
    table_->setColumnCount(headers.size());
    table_->setHorizontalHeaderLabels(headers);
    table_->setRowCount(static_cast<int>(t.rows.size()));
    for (int r = 0; r < static_cast<int>(t.rows.size()); ++r) {
        const auto& row = t.rows[static_cast<std::size_t>(r)];
        table_->setItem(r, 0, textItem(QString::fromStdString(row.label)));
        for (int c = 0; c < static_cast<int>(row.cells.size()); ++c) {
            const auto& cell = row.cells[static_cast<std::size_t>(c)];
            const double win = cell ? cell->first : std::nan("");
            const double lose = cell ? cell->second : std::nan("");
            table_->setItem(r, 1 + 2 * c, numberItem(win, fixed(win, 2)));
            table_->setItem(r, 2 + 2 * c, numberItem(lose, fixed(lose, 2)));
        }
    }
}

void JudgingResults::showPairs() {
    table_->setColumnCount(ColumnCount);
    table_->setHorizontalHeaderLabels({"model 1 vs model 2", "judge", "n", "win [95% CI]",
                                       "lose [95% CI]", "tie", "both bad", "adj. win [95% CI]",
                                       "sign p", "len 1", "len 2", "win | 1 longer",
                                       "win | 2 longer", "LC win"});
    table_->horizontalHeaderItem(LcWin)->setToolTip(
        "length-controlled win rate of model 1 (AlpacaEval 2 style): a logistic fit of the "
        "preference on the length difference, read at equal lengths; ties count 1/2");
    table_->horizontalHeaderItem(Votes)->setToolTip(
        "non-skip votes: one per item for a judge; the pooled row counts every judge's votes");
    table_->horizontalHeaderItem(AdjustedWin)
        ->setToolTip("win + tie / 2, over the non-skipped votes");
    table_->horizontalHeaderItem(SignP)->setToolTip(
        "two-sided exact sign test of wins vs losses (ties and both-bad excluded)");
    table_->horizontalHeaderItem(LengthA)->setToolTip("mean response length (new tokens)");
    table_->horizontalHeaderItem(WinALonger)
        ->setToolTip("model 1's win rate on items where its response was longer (count)");
    table_->setRowCount(static_cast<int>(report_.pairs.size()));
    for (int r = 0; r < static_cast<int>(report_.pairs.size()); ++r)
        setPairRow(r, report_.pairs[static_cast<std::size_t>(r)]);
}

void JudgingResults::setPairRow(int r, const judging::PairResult& p) {
    table_->setItem(r, Pair, textItem(QString::fromStdString(p.model_a + " vs " + p.model_b)));
    const bool pooled = isPooled(p);
    QTableWidgetItem* judge = textItem(QString::fromStdString(p.judge) +
                                       (pooled ? QString(" (pooled votes)") : QString()));
    QTableWidgetItem* votes =
        numberItem(static_cast<double>(p.votes),
                   pooled ? QString("%1 votes").arg(p.votes) : QString::number(p.votes));
    if (pooled) {
        const QString tip = QString(
                                "Every judge's votes pooled: n counts votes (an item judged by "
                                "several judges counts once per judge), over %1 items; the "
                                "interval resamples items.")
                                .arg(p.items);
        judge->setToolTip(tip);
        votes->setToolTip(tip);
    }
    table_->setItem(r, Judge, judge);
    table_->setItem(r, Votes, votes);
    table_->setItem(r, Win, rateItem(p.win_rate, &p.win_ci));
    table_->setItem(r, Lose, rateItem(p.lose_rate, &p.lose_ci));
    table_->setItem(r, Tie, rateItem(p.tie_rate));
    table_->setItem(r, BothBad, rateItem(p.both_bad_rate));
    table_->setItem(r, AdjustedWin, rateItem(p.adjusted_win_rate, &p.adjusted_ci));
    table_->setItem(
        r, SignP,
        numberItem(p.sign_test_p, p.sign_test_p < 0.001 ? QString::number(p.sign_test_p, 'e', 1)
                                                        : fixed(p.sign_test_p)));
    table_->setItem(r, LengthA, numberItem(p.mean_length_a, fixed(p.mean_length_a, 1)));
    table_->setItem(r, LengthB, numberItem(p.mean_length_b, fixed(p.mean_length_b, 1)));
    table_->setItem(
        r, WinALonger,
        numberItem(p.win_rate_a_longer,
                   QString("%1 (%2)").arg(fixed(p.win_rate_a_longer)).arg(p.a_longer_votes)));
    table_->setItem(
        r, WinBLonger,
        numberItem(p.win_rate_b_longer,
                   QString("%1 (%2)").arg(fixed(p.win_rate_b_longer)).arg(p.b_longer_votes)));
    double lc = std::nan("");
    for (const judging::LengthControlledWinRate& l : lc_) {
        if (l.model_a == p.model_a && l.model_b == p.model_b && l.judge == p.judge)
            lc = l.lc;
    }
    table_->setItem(r, LcWin, rateItem(lc));
}

}  // namespace rgpb::widgets
