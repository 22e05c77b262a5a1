// The aggregated figures of a study, drawn with QCustomPlot from plain values (StudyAggregate.h,
// StudyResults.h): the landscape of one task (paper Fig. 4/5/6: one point per recipe and beta at
// the mean over seeds, 95% intervals over seeds as error bars in both directions, the MLE result
// as reference lines), beta sensitivity (Fig. 7: positive-example probability or agility against
// beta per recipe, mean line and a band over seeds, MLE as a reference line), learning curves
// (mean and band over seeds per recipe at one beta), and the information and gradient difference
// of each task under the base model (Fig. 3). Each draw function clears what it drew before and
// keeps the plot's title; each figure has a CSV of exactly what it draws (PlotExport.h).
#pragma once

#include <QColor>
#include <QString>
#include <QStringList>
#include <vector>

#include "core/study/StudyAggregate.h"
#include "widgets/PlotExport.h"

class QCustomPlot;

namespace rgpb::widgets {

// One colour per recipe in every study view: a fixed one for the paper's recipes, a stable hash
// of the name for others.
QColor studyRecipeColor(const QString& recipe);
// A title above the axes (kept by the draw functions, so exports carry it) and the legend's look.
void prepareStudyPlot(QCustomPlot* plot, const QString& title);
void setStudyPlotTitle(QCustomPlot* plot, const QString& title);
// The tasks of an aggregate and results, in first-seen order.
QStringList studyTasks(const StudyAggregate& aggregate, const std::vector<StudyTaskMeasure>& m);
// The betas > 0 of a task's points and curves, ascending.
QList<double> studyBetas(const StudyAggregate& aggregate, const QString& task);

// Perplexity (log x) against agility, one graph per recipe (named by it), its points sorted by
// perplexity with error bars [lo, hi] in both directions; the "mle" point as reference lines.
void drawStudyLandscape(QCustomPlot* plot, const StudyAggregate& aggregate, const QString& task);
// The task's points with every metric's mean and interval (the landscape's and beta
// sensitivity's CSV).
CsvTable studyLandscapeCsv(const StudyAggregate& aggregate, const QString& task);

enum class BetaMetric { PosProb, Agility };
// The metric against beta (log x) per recipe with a beta: mean line, band [lo, hi]; the recipes
// without a beta (MLE) as dashed horizontal reference lines.
void drawBetaSensitivity(QCustomPlot* plot, const StudyAggregate& aggregate, const QString& task,
                         BetaMetric metric);

// The curves of `metric` ("eval/perplexity") of the task's recipes at `beta` and of the
// recipes without a beta: mean line and band over seeds, against the step (counted over stages).
void drawStudyCurves(QCustomPlot* plot, const StudyAggregate& aggregate, const QString& task,
                     const QString& metric, double beta);
CsvTable studyCurvesCsv(const StudyAggregate& aggregate, const QString& task,
                        const QString& metric);
QStringList studyCurveMetrics(const StudyAggregate& aggregate);

// Mean log10 |f+ - f-| per task as bars, the median as a marker.
void drawInfoDifference(QCustomPlot* plot, const std::vector<StudyTaskMeasure>& measures);
// The gradient difference per response step t, L2 (solid) and L1 (dashed) per task, log y.
void drawGradDifference(QCustomPlot* plot, const std::vector<StudyTaskMeasure>& measures);
CsvTable studyMeasuresCsv(const std::vector<StudyTaskMeasure>& measures);

}  // namespace rgpb::widgets
