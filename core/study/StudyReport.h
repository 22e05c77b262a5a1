// The study report: a self-contained report.html (figures inline as SVG, opens offline), every
// figure also as SVG and PDF, every table as CSV and LaTeX, and a provenance block. Written by
// `rgpb study report` and the Study tab's Export through the one safe-write helper. Torch-free.
#pragma once

#include <string>
#include <vector>

#include "core/study/StudyClaims.h"

namespace rgpb {

// Writes into out_dir (created): report.html, figures/<name>.svg|pdf, tables/<name>.csv|tex.
// Returns the paths written. Error naming the path when it cannot write.
std::vector<std::string> writeStudyReport(const StudyResults& results, const std::string& out_dir);

}  // namespace rgpb
