#include "core/study/StudyAggregate.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <tuple>

#include "core/util/Error.h"

namespace rgpb {

namespace {

constexpr double kAggregateNaN = std::numeric_limits<double>::quiet_NaN();

// Continued fraction of the incomplete beta function (modified Lentz's method), converging for
// x < (a + 1) / (a + b + 2); see regularizedIncompleteBeta for the other side.
double incompleteBetaFraction(double x, double a, double b) {
    constexpr double tiny = 1e-300;
    constexpr double eps = 1e-16;
    double c = 1.0;
    double d = 1.0 - (a + b) * x / (a + 1.0);
    d = 1.0 / (std::abs(d) < tiny ? tiny : d);
    double h = d;
    for (int m = 1; m <= 1000; ++m) {
        const double m2 = 2.0 * m;
        // Even step: d_{2m} = m (b - m) x / ((a + 2m - 1)(a + 2m)).
        double num = m * (b - m) * x / ((a + m2 - 1.0) * (a + m2));
        d = 1.0 + num * d;
        c = 1.0 + num / c;
        d = 1.0 / (std::abs(d) < tiny ? tiny : d);
        c = std::abs(c) < tiny ? tiny : c;
        h *= d * c;
        // Odd step: d_{2m+1} = -(a + m)(a + b + m) x / ((a + 2m)(a + 2m + 1)).
        num = -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1.0));
        d = 1.0 + num * d;
        c = 1.0 + num / c;
        d = 1.0 / (std::abs(d) < tiny ? tiny : d);
        c = std::abs(c) < tiny ? tiny : c;
        const double delta = d * c;
        h *= delta;
        if (std::abs(delta - 1.0) < eps)
            break;
    }
    return h;
}

bool sameStudyBeta(double a, double b) {
    return std::abs(a - b) <= 1e-9 * std::max(std::abs(a), std::abs(b));
}

}  // namespace

double regularizedIncompleteBeta(double x, double a, double b) {
    requireArgument(a > 0 && b > 0, "regularizedIncompleteBeta", "a, b", "> 0", a, ", ", b);
    requireArgument(x >= 0 && x <= 1, "regularizedIncompleteBeta", "x", "in [0, 1]", x);
    if (x == 0.0 || x == 1.0)
        return x;
    const double front = std::exp(std::lgamma(a + b) - std::lgamma(a) - std::lgamma(b) +
                                  a * std::log(x) + b * std::log1p(-x));
    // The fraction converges fast on the side of the distribution's bulk; use the symmetry
    // I_x(a, b) = 1 - I_{1-x}(b, a) on the other.
    if (x < (a + 1.0) / (a + b + 2.0))
        return front * incompleteBetaFraction(x, a, b) / a;
    return 1.0 - front * incompleteBetaFraction(1.0 - x, b, a) / b;
}

double studentTCdf(double t, double df) {
    requireArgument(df > 0, "studentTCdf", "df", "> 0", df);
    if (std::isnan(t))
        return kAggregateNaN;
    if (std::isinf(t))
        return t > 0 ? 1.0 : 0.0;
    // P(|T| > |t|) = I_{df / (df + t^2)}(df / 2, 1 / 2).
    const double tail = 0.5 * regularizedIncompleteBeta(df / (df + t * t), 0.5 * df, 0.5);
    return t > 0 ? 1.0 - tail : tail;
}

double studentTQuantile(double p, double df) {
    requireArgument(p > 0 && p < 1, "studentTQuantile", "p", "in (0, 1)", p);
    requireArgument(df >= 1, "studentTQuantile", "df", ">= 1", df);
    if (p == 0.5)
        return 0.0;
    if (p < 0.5)
        return -studentTQuantile(1.0 - p, df);
    // Bisection on the upper tail: it is monotone, and the tail (not the CDF) keeps its precision
    // far out, so the root is found to the last bits the tail allows.
    const double tail = 1.0 - p;
    auto upperTail = [df](double t) {
        return 0.5 * regularizedIncompleteBeta(df / (df + t * t), 0.5 * df, 0.5);
    };
    double lo = 0.0, hi = 1.0;
    while (upperTail(hi) > tail && hi < 1e300)
        hi *= 2.0;
    for (int i = 0; i < 2000 && hi - lo > 4 * std::numeric_limits<double>::epsilon() * hi; ++i) {
        const double mid = 0.5 * (lo + hi);
        (upperTail(mid) > tail ? lo : hi) = mid;
    }
    return 0.5 * (lo + hi);
}

MeanInterval meanInterval(const std::vector<double>& values, double level) {
    requireArgument(level > 0 && level < 1, "meanInterval", "level", "in (0, 1)", level);
    MeanInterval m;
    m.n = static_cast<int>(values.size());
    if (values.empty()) {
        m.mean = m.lo = m.hi = m.sd = kAggregateNaN;
        return m;
    }
    double sum = 0.0;
    for (double v : values)
        sum += v;
    m.mean = sum / m.n;
    if (m.n == 1) {  // no spread to estimate: the point itself, sd undefined
        m.lo = m.hi = m.mean;
        m.sd = kAggregateNaN;
        return m;
    }
    double squares = 0.0;  // two passes: no cancellation for values far from 0
    for (double v : values)
        squares += (v - m.mean) * (v - m.mean);
    m.sd = std::sqrt(squares / (m.n - 1));
    const double half =
        studentTQuantile(1.0 - (1.0 - level) / 2.0, m.n - 1.0) * m.sd / std::sqrt(m.n);
    m.lo = m.mean - half;
    m.hi = m.mean + half;
    return m;
}

double tTestPValue(const MeanInterval& m) {
    if (m.n < 2 || std::isnan(m.mean) || std::isnan(m.sd))
        return kAggregateNaN;
    if (m.sd == 0.0)
        return m.mean == 0.0 ? 1.0 : 0.0;
    const double t = m.mean / (m.sd / std::sqrt(m.n));
    const double df = m.n - 1.0;
    return regularizedIncompleteBeta(df / (df + t * t), 0.5 * df, 0.5);
}

std::optional<double> cellMetric(const StudyCellResult& cell, const std::string& metric) {
    const std::string key = "eval/" + metric;
    for (const auto& [name, value] : cell.final_metrics) {
        if (name == key && std::isfinite(value))
            return value;
    }
    return std::nullopt;
}

bool recipeUsesBeta(const std::string& recipe) {
    for (const std::string& m : recipeMethods(recipe)) {
        if (m != "mle")
            return true;
    }
    return false;
}

namespace {

bool sameStudyRecipe(const std::string& a, const std::string& b) {
    return a == b || recipeMethods(a) == recipeMethods(b);
}

// The finished cells of (task, recipe, beta) with a finite metric, by seed.
std::map<uint64_t, double> seedValuesOf(const StudyResults& results, const std::string& task,
                                        const std::string& recipe, double beta,
                                        const std::string& metric) {
    const bool uses_beta = recipeUsesBeta(recipe);
    std::map<uint64_t, double> out;
    for (const StudyCellResult& c : results.cells) {
        if (c.status != RunStatus::Finished || c.task != task ||
            !sameStudyRecipe(c.recipe, recipe) || (uses_beta && !sameStudyBeta(c.beta, beta)))
            continue;
        if (auto v = cellMetric(c, metric))
            out[c.seed] = *v;
    }
    return out;
}

}  // namespace

PairedComparison comparePaired(const StudyResults& results, const std::string& task,
                               const std::string& metric, const std::string& recipe_a,
                               double beta_a, const std::string& recipe_b, double beta_b) {
    PairedComparison pc;
    pc.task = task;
    pc.metric = metric;
    pc.recipe_a = recipe_a;
    pc.recipe_b = recipe_b;
    pc.beta_a = recipeUsesBeta(recipe_a) ? beta_a : 0.0;
    pc.beta_b = recipeUsesBeta(recipe_b) ? beta_b : 0.0;
    const auto a = seedValuesOf(results, task, recipe_a, pc.beta_a, metric);
    const auto b = seedValuesOf(results, task, recipe_b, pc.beta_b, metric);
    std::vector<double> diffs;
    for (const auto& [seed, va] : a) {
        auto it = b.find(seed);
        if (it == b.end())
            continue;
        pc.seeds.push_back(seed);
        diffs.push_back(va - it->second);
    }
    pc.diff = meanInterval(diffs);
    pc.p_value = tTestPValue(pc.diff);
    return pc;
}

const AggregatePoint* findPoint(const StudyAggregate& aggregate, const std::string& task,
                                const std::string& recipe, double beta) {
    const bool uses_beta = recipeUsesBeta(recipe);
    for (const AggregatePoint& p : aggregate.points) {
        if (p.task == task && sameStudyRecipe(p.recipe, recipe) &&
            (!uses_beta || sameStudyBeta(p.beta, beta)))
            return &p;
    }
    return nullptr;
}

std::vector<AggregatePoint> betaSeries(const StudyAggregate& aggregate, const std::string& task,
                                       const std::string& recipe) {
    std::vector<AggregatePoint> out;
    for (const AggregatePoint& p : aggregate.points) {
        if (p.task == task && sameStudyRecipe(p.recipe, recipe))
            out.push_back(p);
    }
    std::sort(out.begin(), out.end(),
              [](const AggregatePoint& x, const AggregatePoint& y) { return x.beta < y.beta; });
    return out;
}

std::optional<PairedComparison> findComparison(const StudyAggregate& aggregate,
                                               const std::string& task, const std::string& metric,
                                               const std::string& recipe_a, double beta_a,
                                               const std::string& recipe_b, double beta_b) {
    const double ba = recipeUsesBeta(recipe_a) ? beta_a : 0.0;
    const double bb = recipeUsesBeta(recipe_b) ? beta_b : 0.0;
    for (const PairedComparison& c : aggregate.comparisons) {
        if (c.task != task || c.metric != metric)
            continue;
        if (sameStudyRecipe(c.recipe_a, recipe_a) && sameStudyBeta(c.beta_a, ba) &&
            sameStudyRecipe(c.recipe_b, recipe_b) && sameStudyBeta(c.beta_b, bb))
            return c;
        if (sameStudyRecipe(c.recipe_a, recipe_b) && sameStudyBeta(c.beta_a, bb) &&
            sameStudyRecipe(c.recipe_b, recipe_a) && sameStudyBeta(c.beta_b, ba)) {
            PairedComparison f = c;  // b - a flipped to a - b: the same seeds, the same p
            std::swap(f.recipe_a, f.recipe_b);
            std::swap(f.beta_a, f.beta_b);
            f.diff.mean = -c.diff.mean;
            f.diff.lo = -c.diff.hi;
            f.diff.hi = -c.diff.lo;
            return f;
        }
    }
    return std::nullopt;
}

namespace {

const char* const kAggregatedPointMetrics[] = {"perplexity", "agility", "pos_prob", "logp_margin"};
const char* const kPairedMetrics[] = {"perplexity", "agility", "pos_prob"};
const char* const kAggregatedCurveMetrics[] = {"perplexity", "agility"};

// The recipe pairs a - b compared at each beta: every pair a claim of spec.md section 5 needs,
// and each recipe's stages against its parts. Pairs whose recipes the study lacks are skipped.
const std::pair<const char*, const char*> kPairedRecipes[] = {{"ul", "mle"},
                                                              {"dpo", "mle"},
                                                              {"exmate", "mle"},
                                                              {"dpo", "ul"},
                                                              {"dpo", "exmate"},
                                                              {"exmate", "ul"},
                                                              {"exmate -> dpo", "mle -> dpo"},
                                                              {"mle -> dpo", "mle"},
                                                              {"mle -> exmate", "mle"},
                                                              {"exmate -> dpo", "exmate"},
                                                              {"mle -> exmate", "exmate"}};

// A (task, recipe, beta) group, keyed by the study's spelling of the recipe; beta is 0 for a
// recipe without one.
struct StudyCellGroup {
    std::string task, recipe;
    double beta = 0.0;
    std::vector<const StudyCellResult*> cells;
};

std::vector<StudyCellGroup> groupStudyCells(const StudyResults& results) {
    std::vector<StudyCellGroup> groups;
    for (const StudyCellResult& c : results.cells) {
        const double beta = recipeUsesBeta(c.recipe) ? c.beta : 0.0;
        auto it = std::find_if(groups.begin(), groups.end(), [&](const StudyCellGroup& g) {
            return g.task == c.task && sameStudyRecipe(g.recipe, c.recipe) &&
                   sameStudyBeta(g.beta, beta);
        });
        if (it == groups.end()) {
            groups.push_back({c.task, c.recipe, beta, {}});
            it = groups.end() - 1;
        }
        it->cells.push_back(&c);
    }
    return groups;
}

AggregatePoint aggregateCellGroup(const StudyCellGroup& g) {
    AggregatePoint p;
    p.task = g.task;
    p.recipe = g.recipe;
    p.beta = g.beta;
    p.planned = static_cast<int>(g.cells.size());
    MeanInterval* slots[] = {&p.perplexity, &p.agility, &p.pos_prob, &p.logp_margin};
    for (std::size_t k = 0; k < std::size(kAggregatedPointMetrics); ++k) {
        std::vector<double> values;
        for (const StudyCellResult* c : g.cells) {
            if (c->status != RunStatus::Finished)
                continue;
            if (auto v = cellMetric(*c, kAggregatedPointMetrics[k]))
                values.push_back(*v);
        }
        *slots[k] = meanInterval(values);
    }
    for (const StudyCellResult* c : g.cells)
        p.finished += c->status == RunStatus::Finished ? 1 : 0;
    return p;
}

// The betas comparisons are made at: the spec's, else those the cells carry.
std::vector<double> sortedStudyBetas(const StudyResults& results) {
    std::vector<double> betas = results.spec.betas;
    if (betas.empty()) {
        for (const StudyCellResult& c : results.cells) {
            if (recipeUsesBeta(c.recipe) && std::none_of(betas.begin(), betas.end(), [&](double b) {
                    return sameStudyBeta(b, c.beta);
                }))
                betas.push_back(c.beta);
        }
    }
    std::sort(betas.begin(), betas.end());
    return betas;
}

void addPairedComparisons(const StudyResults& results, const std::vector<StudyCellGroup>& groups,
                          std::vector<PairedComparison>& out) {
    std::vector<std::string> tasks;
    for (const StudyCellGroup& g : groups) {
        if (std::find(tasks.begin(), tasks.end(), g.task) == tasks.end())
            tasks.push_back(g.task);
    }
    const std::vector<double> betas = sortedStudyBetas(results);
    for (const std::string& task : tasks) {
        auto spelled = [&](const std::string& recipe) -> std::optional<std::string> {
            for (const StudyCellGroup& g : groups) {
                if (g.task == task && sameStudyRecipe(g.recipe, recipe))
                    return g.recipe;
            }
            return std::nullopt;
        };
        for (double beta : betas) {
            for (const auto& [a, b] : kPairedRecipes) {
                auto ra = spelled(a), rb = spelled(b);
                if (!ra || !rb)
                    continue;
                for (const char* metric : kPairedMetrics)
                    out.push_back(comparePaired(results, task, metric, *ra, beta, *rb, beta));
            }
        }
        if (betas.size() < 2)
            continue;
        // Beta sensitivity: each recipe with a beta at its largest against its smallest beta.
        std::vector<std::string> done;
        for (const StudyCellGroup& g : groups) {
            if (g.task != task || !recipeUsesBeta(g.recipe) ||
                std::find(done.begin(), done.end(), g.recipe) != done.end())
                continue;
            done.push_back(g.recipe);
            for (const char* metric : kPairedMetrics)
                out.push_back(comparePaired(results, task, metric, g.recipe, betas.back(), g.recipe,
                                            betas.front()));
        }
    }
}

// One metric of one cell as a function of the step counted over its stages: a later stage's
// steps continue after the last step of the stage before it. Where a stage's first evaluation
// falls on the previous stage's last step (same weights), the later stage's value is kept.
std::map<int64_t, double> cellCurveOverStages(const StudyCellResult& cell,
                                              const std::string& metric,
                                              std::vector<std::string>& notes) {
    std::map<int64_t, double> out;
    int64_t offset = 0;
    for (const std::string& dir : cell.run_dirs) {
        std::vector<MetricEvent> events;
        try {
            events = readMetrics(dir);
        } catch (const Error& e) {
            notes.push_back("curve of " + cell.task + " / " + cell.recipe + " seed " +
                            std::to_string(cell.seed) + " left out: " + e.what());
            return {};
        }
        int64_t last = 0;
        for (const MetricEvent& e : events) {
            last = std::max(last, e.step);
            if (e.split != "eval")
                continue;
            for (const auto& [name, value] : e.values) {
                if (name == metric && std::isfinite(value))
                    out[offset + e.step] = value;
            }
        }
        offset += last;
    }
    return out;
}

void addAggregateCurves(const std::vector<StudyCellGroup>& groups, StudyAggregate& out) {
    for (const StudyCellGroup& g : groups) {
        for (const char* metric : kAggregatedCurveMetrics) {
            // Steps where some seed has a value; each step's interval is over the seeds that
            // have one there (the same steps for all seeds of a study, as they share configs).
            std::map<int64_t, std::vector<double>> by_step;
            for (const StudyCellResult* c : g.cells) {
                if (c->status != RunStatus::Finished)
                    continue;
                for (const auto& [step, value] : cellCurveOverStages(*c, metric, out.notes))
                    by_step[step].push_back(value);
            }
            if (by_step.empty())
                continue;
            AggregateCurve curve{g.task, g.recipe, metric, g.beta, {}, {}};
            for (const auto& [step, values] : by_step) {
                curve.step.push_back(step);
                curve.value.push_back(meanInterval(values));
            }
            out.curves.push_back(std::move(curve));
        }
    }
    // The same unreadable run is named once, not once per metric.
    std::sort(out.notes.begin(), out.notes.end());
    out.notes.erase(std::unique(out.notes.begin(), out.notes.end()), out.notes.end());
}

}  // namespace

std::vector<double> studyBetas(const StudyResults& results) {
    return sortedStudyBetas(results);
}

StudyAggregate aggregateStudy(const StudyResults& results) {
    StudyAggregate out;
    const std::vector<StudyCellGroup> groups = groupStudyCells(results);
    for (const StudyCellGroup& g : groups)
        out.points.push_back(aggregateCellGroup(g));
    addPairedComparisons(results, groups, out.comparisons);
    addAggregateCurves(groups, out);
    return out;
}

}  // namespace rgpb
