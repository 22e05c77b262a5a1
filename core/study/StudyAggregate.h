// Aggregates a study's cells over seeds: means with 95% Student-t intervals, paired recipe
// comparisons (same seed, same base), beta sensitivity and learning curves with bands. Plain
// numbers in, plain numbers out; the report and the Study tab draw from it. Torch-free.
//
// Which cells count: a cell counts for a metric when it finished (RunStatus::Finished) and its
// final eval metric is a finite number; failed, cancelled and pending cells never enter a mean
// (AggregatePoint::planned - finished says how many are missing). Intervals are over seeds, the
// unit that is replicated (the eval set is fixed by data_seed), with Student's t because a study
// has few seeds (3-5), where a normal quantile would understate the width by ~30% or more.
// Comparisons are paired by seed (each seed's difference a - b, then the interval and the paired
// t-test over those differences), which removes the seed-to-seed spread both recipes share.
// Perplexity is compared as a plain difference, as the issue asks ("difference in perplexity");
// its sign, which the claims use, is the same as that of the log-ratio.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/study/StudyResults.h"

namespace rgpb {

// Mean of `values` with a two-sided 95% interval over them: mean +- t(0.975, n-1) * sd / sqrt(n)
// (sd with n - 1). n = 1: the interval is the point itself and `n` says so; n = 0: NaN.
struct MeanInterval {
    double mean = 0.0;
    double lo = 0.0;
    double hi = 0.0;
    double sd = 0.0;
    int n = 0;
};
MeanInterval meanInterval(const std::vector<double>& values, double level = 0.95);
// Quantile of Student's t distribution with `df` degrees of freedom (df >= 1).
double studentTQuantile(double p, double df);
// Its distribution function P(T <= t), through the regularized incomplete beta function.
double studentTCdf(double t, double df);
// Regularized incomplete beta function I_x(a, b) (a, b > 0, 0 <= x <= 1).
double regularizedIncompleteBeta(double x, double a, double b);
// Two-sided p-value of a one-sample t-test of mean 0 on values summarized by `m` (the paired
// t-test when `m` summarizes paired differences). NaN when n < 2; with sd = 0 it is 0 for a
// non-zero mean and 1 for a zero mean.
double tTestPValue(const MeanInterval& m);

// A paired comparison a - b over seeds: the mean difference with its interval and the two-sided
// p-value of the paired t-test.
struct PairedComparison {
    std::string task, metric;
    std::string recipe_a, recipe_b;
    double beta_a = 0.0, beta_b = 0.0;
    MeanInterval diff;
    double p_value = 1.0;
    std::vector<uint64_t> seeds;  // the seeds both sides finished
};

// One point of the landscape: a (task, recipe, beta) over its finished seeds.
struct AggregatePoint {
    std::string task;
    std::string recipe;
    double beta = 0.0;
    MeanInterval perplexity, agility, pos_prob, logp_margin;
    int finished = 0, planned = 0;
};

// A learning curve of one (task, recipe, beta): steps counted over the cell's stages.
struct AggregateCurve {
    std::string task, recipe, metric;
    double beta = 0.0;
    std::vector<int64_t> step;
    std::vector<MeanInterval> value;
};

struct StudyAggregate {
    std::vector<AggregatePoint> points;
    std::vector<AggregateCurve> curves;         // "perplexity" and "agility" on the eval split
    std::vector<PairedComparison> comparisons;  // the recipe pairs the claims use, per task/beta
    std::vector<std::string> notes;             // runs whose metrics could not be read
};

StudyAggregate aggregateStudy(const StudyResults& results);

// The metrics aggregated and compared, by their short name ("perplexity", "agility", "pos_prob",
// "logp_margin"); a cell's value is its final_metrics["eval/<name>"].
std::optional<double> cellMetric(const StudyCellResult& cell, const std::string& metric);
// The methods of a recipe: recipeMethods() in StudySpec.h (the study file's parser uses it too).
// Whether any stage of the recipe takes a beta (everything but MLE); cells of a recipe that does
// not carry beta 0 (StudyCellResult::beta), so comparisons look them up at beta 0.
bool recipeUsesBeta(const std::string& recipe);

// The paired comparison of metric a - b on `task` over the seeds where both cells finished with a
// finite value. Betas of recipes without a beta are taken as 0. diff.n = 0 when no seed is common.
PairedComparison comparePaired(const StudyResults& results, const std::string& task,
                               const std::string& metric, const std::string& recipe_a,
                               double beta_a, const std::string& recipe_b, double beta_b);

// The betas of the study, ascending: the spec's, else those its beta-using cells carry.
std::vector<double> studyBetas(const StudyResults& results);

// Finds a point (beta ignored for recipes without one); nullptr when the study has none.
const AggregatePoint* findPoint(const StudyAggregate& aggregate, const std::string& task,
                                const std::string& recipe, double beta);
// Beta sensitivity: the points of one (task, recipe), sorted by beta (what Fig. 7 draws).
std::vector<AggregatePoint> betaSeries(const StudyAggregate& aggregate, const std::string& task,
                                       const std::string& recipe);
// Finds a comparison in either orientation; a b - a match is returned flipped to a - b.
std::optional<PairedComparison> findComparison(const StudyAggregate& aggregate,
                                               const std::string& task, const std::string& metric,
                                               const std::string& recipe_a, double beta_a,
                                               const std::string& recipe_b, double beta_b);

}  // namespace rgpb
