// The study's tables: paired recipe comparisons (same seed, same base: the mean difference a - b
// with its 95% interval over seeds and the paired test's p-value) and the claims of spec.md
// section 5 (statement, task, the beta it was tested at, the oriented effect with its interval, p, and the verdict,
// coloured: green supported, red contradicted, amber inconclusive, grey not tested; the reason
// as the verdict's tooltip). Plain values in (StudyAggregate.h, StudyClaims.h); each table has
// the CSV of what it shows (PlotExport.h).
#pragma once

#include <QColor>
#include <QString>
#include <vector>

#include "core/study/StudyClaims.h"
#include "widgets/PlotExport.h"

class QTableWidget;

namespace rgpb::widgets {

QColor claimVerdictColor(ClaimVerdict verdict);
// "0.123 [0.045, 0.201]" (3 significant digits).
QString intervalText(const MeanInterval& m);

// Fills `table` with the comparisons of `task` (every task when empty).
void fillComparisonsTable(QTableWidget* table, const std::vector<PairedComparison>& comparisons,
                          const QString& task = {});
CsvTable comparisonsCsv(const std::vector<PairedComparison>& comparisons);

// Fills `table` with one row per claim result: statement, task, beta, effect, p, verdict.
void fillClaimsTable(QTableWidget* table, const std::vector<ClaimResult>& claims);
CsvTable claimsCsv(const std::vector<ClaimResult>& claims);

}  // namespace rgpb::widgets
