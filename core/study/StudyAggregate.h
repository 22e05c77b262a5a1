// Aggregates a study's cells over seeds: means with 95% Student-t intervals, paired recipe
// comparisons (same seed, same base), beta sensitivity and learning curves with bands. Plain
// numbers in, plain numbers out; the report and the Study tab draw from it. Torch-free.
#pragma once

#include <cstdint>
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
    std::vector<AggregateCurve> curves;          // eval/perplexity and eval/agility
    std::vector<PairedComparison> comparisons;   // the recipe pairs the claims use, per task/beta
};

StudyAggregate aggregateStudy(const StudyResults& results);

}  // namespace rgpb
