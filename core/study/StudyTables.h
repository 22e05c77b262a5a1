// The study's tables as plain text cells (the report's per-cell results, aggregate points,
// paired comparisons, claims, learning-rate selections, measures and provenance), and their CSV
// and LaTeX forms. The report writes each as tables/<name>.csv|tex and shows it in report.html;
// the Study tab can show the same rows. Torch-free.
#pragma once

#include <string>
#include <vector>

#include "core/study/StudyClaims.h"

namespace rgpb {

struct StudyTable {
    std::string name;   // file stem: tables/<name>.csv
    std::string title;  // a sentence for the report
    std::vector<std::string> columns;
    std::vector<std::vector<std::string>> rows;  // each as long as columns; "" for no value
};

// A number as a table shows it: %.<digits>g, "" for NaN (no value), "inf"/"-inf".
std::string tableNumber(double value, int digits = 6);

// RFC 4180: a header line, then one line per row; fields with a comma, quote or line break are
// quoted, quotes doubled. Lines end with "\n".
std::string tableCsv(const StudyTable& table);
// A LaTeX tabular (booktabs rules) with every cell escaped; compiles with \usepackage{booktabs}.
// Columns holding text longer than 40 characters are paragraph columns (p{5cm}), so they wrap.
std::string tableLatex(const StudyTable& table);
// LaTeX's special characters (\ & % $ # _ { } ~ ^) written so that they print as themselves.
std::string latexEscape(const std::string& text);

// The report's tables, in the order report.html shows them: claims, points, comparisons, cells,
// selections, measures, provenance.
std::vector<StudyTable> studyTables(const StudyResults& results, const StudyAggregate& aggregate,
                                    const std::vector<ClaimResult>& claims);

}  // namespace rgpb
