// The study's figures as plain data (Figure.h), built from the aggregate: the landscape per task
// (paper Fig. 4-6), beta sensitivity (Fig. 7), learning curves with bands over seeds, and the
// information / gradient difference of each task (Fig. 3). The report renders them to SVG and
// PDF; the Study tab can draw the same data. Torch-free.
#pragma once

#include <string>
#include <vector>

#include "core/study/Figure.h"
#include "core/study/StudyAggregate.h"

namespace rgpb {

struct StudyFigure {
    std::string name;     // file stem: figures/<name>.svg|pdf (safe as a file name)
    std::string section;  // "Landscape", "Beta sensitivity", "Learning curves", "Measures"
    std::string caption;  // what is drawn, in a sentence or two
    Figure figure;
};

// A recipe's colour, the same in every figure ("#rrggbb"): fixed for the seven paper recipes,
// from a palette for others in order of `index`.
std::string recipeColor(const std::string& recipe, std::size_t index);

// Every figure of the report, in the order it shows them. Points and curves without a finished
// seed are left out; the beta figures need at least two betas.
std::vector<StudyFigure> studyFigures(const StudyResults& results, const StudyAggregate& aggregate);

}  // namespace rgpb
