#include "widgets/StudyTables.h"

#include <QHeaderView>
#include <QTableWidget>
#include <cmath>

#include "widgets/RunIdentity.h"

namespace rgpb::widgets {

namespace {

QString stdText(const std::string& s) {
    return QString::fromStdString(s);
}

QString num3(double v) {
    return std::isfinite(v) ? QString::number(v, 'g', 3) : QString("–");
}

QString pText(double p) {
    if (!std::isfinite(p))
        return "–";
    return p < 0.001 ? QString("< 0.001") : QString::number(p, 'g', 2);
}

QString verdictText(ClaimVerdict verdict) {
    return QString::fromUtf8(claimVerdictName(verdict));
}

QTableWidgetItem* studyItem(const QString& text, const QString& tooltip = {}) {
    auto* i = new QTableWidgetItem(text);
    if (!tooltip.isEmpty())
        i->setToolTip(tooltip);
    return i;
}

void setColumns(QTableWidget* table, const QStringList& columns, int rows) {
    table->clear();
    table->setColumnCount(columns.size());
    table->setHorizontalHeaderLabels(columns);
    table->setRowCount(rows);
    table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    table->verticalHeader()->setVisible(false);
    table->setWordWrap(true);
}

}  // namespace

QColor claimVerdictColor(ClaimVerdict verdict) {
    switch (verdict) {
        case ClaimVerdict::Supported:
            return QColor(190, 235, 190);
        case ClaimVerdict::Contradicted:
            return QColor(250, 180, 180);
        case ClaimVerdict::Inconclusive:
            return QColor(252, 226, 160);
        case ClaimVerdict::NotTested:
            return QColor(225, 225, 225);
    }
    return QColor(225, 225, 225);
}

QString intervalText(const MeanInterval& m) {
    if (m.n == 0 || !std::isfinite(m.mean))
        return "–";
    return QString("%1 [%2, %3]").arg(num3(m.mean), num3(m.lo), num3(m.hi));
}

void fillComparisonsTable(QTableWidget* table, const std::vector<PairedComparison>& comparisons,
                          const QString& task) {
    std::vector<const PairedComparison*> shown;
    for (const PairedComparison& c : comparisons)
        if (task.isEmpty() || stdText(c.task) == task)
            shown.push_back(&c);
    setColumns(table, {"task", "metric", "a", "b", "a - b [95% interval]", "p (paired t)", "seeds"},
               int(shown.size()));
    for (int r = 0; r < int(shown.size()); ++r) {
        const PairedComparison& c = *shown[r];
        QStringList seeds;
        for (uint64_t s : c.seeds)
            seeds << QString::number(s);
        table->setItem(r, 0, studyItem(stdText(c.task)));
        table->setItem(r, 1, studyItem(stdText(c.metric)));
        table->setItem(r, 2, studyItem(runDetail(stdText(c.recipe_a), c.beta_a)));
        table->setItem(r, 3, studyItem(runDetail(stdText(c.recipe_b), c.beta_b)));
        table->setItem(r, 4, studyItem(intervalText(c.diff)));
        table->setItem(r, 5, studyItem(pText(c.p_value)));
        table->setItem(r, 6, studyItem(QString::number(c.seeds.size()), seeds.join(", ")));
    }
    table->resizeColumnsToContents();
    table->horizontalHeader()->setStretchLastSection(true);
}

CsvTable comparisonsCsv(const std::vector<PairedComparison>& comparisons) {
    CsvTable t;
    t.columns = {"task",    "metric",  "recipe_a", "beta_a", "recipe_b", "beta_b", "diff_mean",
                 "diff_lo", "diff_hi", "diff_sd",  "n",      "p_value",  "seeds"};
    for (const PairedComparison& c : comparisons) {
        QStringList seeds;
        for (uint64_t s : c.seeds)
            seeds << QString::number(s);
        t.rows.push_back({csvText(stdText(c.task)), csvText(stdText(c.metric)),
                          csvText(stdText(c.recipe_a)), csvNumber(c.beta_a),
                          csvText(stdText(c.recipe_b)), csvNumber(c.beta_b), csvNumber(c.diff.mean),
                          csvNumber(c.diff.lo), csvNumber(c.diff.hi), csvNumber(c.diff.sd),
                          QString::number(c.diff.n), csvNumber(c.p_value),
                          csvText(seeds.join(' '))});
    }
    return t;
}

void fillClaimsTable(QTableWidget* table, const std::vector<ClaimResult>& claims) {
    setColumns(table, {"claim", "task", "β", "effect [95% interval]", "p", "verdict"},
               int(claims.size()));
    for (int r = 0; r < int(claims.size()); ++r) {
        const ClaimResult& c = claims[r];
        const bool tested = c.verdict != ClaimVerdict::NotTested;
        table->setItem(r, 0, studyItem(stdText(c.statement), stdText(c.id)));
        table->setItem(r, 1, studyItem(stdText(c.task)));
        // 0: not compared at one beta (raising beta: smallest against largest).
        table->setItem(r, 2, studyItem(c.beta > 0 ? QString::number(c.beta) : QString("–")));
        table->setItem(r, 3, studyItem(tested ? intervalText(c.effect) : QString("–")));
        table->setItem(r, 4, studyItem(tested ? pText(c.p_value) : QString("–")));
        auto* verdict = studyItem(verdictText(c.verdict), stdText(c.why));
        verdict->setBackground(claimVerdictColor(c.verdict));
        verdict->setForeground(QColor(20, 20, 20));
        verdict->setTextAlignment(Qt::AlignCenter);
        table->setItem(r, 5, verdict);
    }
    table->horizontalHeader()->setSectionResizeMode(0, QHeaderView::Stretch);
    for (int c = 1; c < table->columnCount(); ++c)
        table->horizontalHeader()->setSectionResizeMode(c, QHeaderView::ResizeToContents);
    table->resizeRowsToContents();
}

CsvTable claimsCsv(const std::vector<ClaimResult>& claims) {
    CsvTable t;
    t.columns = {"id",        "statement", "task", "verdict", "effect",
                 "effect_lo", "effect_hi", "n",    "p_value", "why"};
    for (const ClaimResult& c : claims)
        t.rows.push_back(
            {csvText(stdText(c.id)), csvText(stdText(c.statement)), csvText(stdText(c.task)),
             csvNumber(c.beta), csvText(verdictText(c.verdict)), csvNumber(c.effect.mean),
             csvNumber(c.effect.lo), csvNumber(c.effect.hi), QString::number(c.effect.n),
             csvNumber(c.p_value), csvText(stdText(c.why))});
    return t;
}

}  // namespace rgpb::widgets
