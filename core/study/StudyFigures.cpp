#include "core/study/StudyFigures.h"

#include <algorithm>
#include <cmath>

#include "core/config/SweepGrid.h"
#include "core/study/StudyTables.h"

namespace rgpb {

std::string recipeColor(const std::string& recipe, std::size_t index) {
    static const std::vector<std::pair<std::string, std::string>> fixed = {
        {"mle", "#4c4c4c"},          {"ul", "#1f77b4"},         {"dpo", "#d62728"},
        {"exmate", "#2ca02c"},       {"mle -> dpo", "#ff7f0e"}, {"mle -> exmate", "#17becf"},
        {"exmate -> dpo", "#9467bd"}};
    for (const auto& [name, color] : fixed) {
        if (recipeMethods(name) == recipeMethods(recipe))
            return color;
    }
    static const std::vector<std::string> others = {"#8c564b", "#e377c2", "#bcbd22",
                                                    "#7f7f7f", "#aec7e8", "#ffbb78"};
    return others[index % others.size()];
}

namespace {

// Tasks and recipes in the order the aggregate first names them.
std::vector<std::string> figureTasks(const StudyAggregate& a) {
    std::vector<std::string> out;
    for (const AggregatePoint& p : a.points) {
        if (std::find(out.begin(), out.end(), p.task) == out.end())
            out.push_back(p.task);
    }
    return out;
}

std::vector<std::string> figureRecipes(const StudyAggregate& a, const std::string& task) {
    std::vector<std::string> out;
    for (const AggregatePoint& p : a.points) {
        if (p.task == task && std::find(out.begin(), out.end(), p.recipe) == out.end())
            out.push_back(p.recipe);
    }
    return out;
}

std::string figureSlug(const std::string& text) {
    return runNameSlug(text);
}

FigureAxis figureAxis(const std::string& label, bool log10) {
    FigureAxis axis;
    axis.label = label;
    axis.log10 = log10;
    return axis;
}

StudyFigure landscapeFigure(const StudyAggregate& a, const std::string& task, bool many_betas) {
    StudyFigure f;
    f.name = "landscape-" + figureSlug(task);
    f.section = "Landscape";
    f.caption = "Task " + task +
                ": final eval perplexity (log scale) against agility, one point per recipe and "
                "beta, mean over seeds with 95% Student-t intervals over seeds in both directions; "
                "the grey lines mark MLE.";
    f.figure.title = "Landscape: " + task;
    f.figure.x = figureAxis("perplexity (eval, log scale)", true);
    f.figure.y = figureAxis("agility (eval)", false);
    const auto recipes = figureRecipes(a, task);
    for (std::size_t i = 0; i < recipes.size(); ++i) {
        FigureSeries s;
        s.name = recipes[i];
        s.color = recipeColor(recipes[i], i);
        for (const AggregatePoint& p : betaSeries(a, task, recipes[i])) {
            if (p.perplexity.n == 0 || p.agility.n == 0)
                continue;
            s.x.push_back(p.perplexity.mean);
            s.x_lo.push_back(p.perplexity.lo);
            s.x_hi.push_back(p.perplexity.hi);
            s.y.push_back(p.agility.mean);
            s.y_lo.push_back(p.agility.lo);
            s.y_hi.push_back(p.agility.hi);
            s.point_labels.push_back(
                many_betas && recipeUsesBeta(p.recipe) ? "b=" + tableNumber(p.beta, 3) : "");
        }
        if (recipeMethods(recipes[i]) == std::vector<std::string>{"mle"} && !s.x.empty()) {
            f.figure.references.push_back({false, s.x[0], "MLE perplexity"});
            f.figure.references.push_back({true, s.y[0], "MLE agility"});
        }
        if (!s.x.empty())
            f.figure.series.push_back(std::move(s));
    }
    return f;
}

StudyFigure betaFigure(const StudyAggregate& a, const std::string& task, const std::string& metric,
                       const std::string& label) {
    StudyFigure f;
    f.name = "beta-" + figureSlug(task) + "-" + metric;
    f.section = "Beta sensitivity";
    f.caption = "Task " + task + ": " + label +
                " against beta per recipe, mean over seeds with a 95% band over seeds.";
    f.figure.title = label + " vs beta: " + task;
    f.figure.x = figureAxis("beta (log scale)", true);
    f.figure.y = figureAxis(label, false);
    const auto recipes = figureRecipes(a, task);
    for (std::size_t i = 0; i < recipes.size(); ++i) {
        if (!recipeUsesBeta(recipes[i]))
            continue;
        FigureSeries s;
        s.name = recipes[i];
        s.color = recipeColor(recipes[i], i);
        s.style = FigureSeries::Style::Line;
        for (const AggregatePoint& p : betaSeries(a, task, recipes[i])) {
            const MeanInterval& m = metric == "agility" ? p.agility : p.pos_prob;
            if (m.n == 0)
                continue;
            s.x.push_back(p.beta);
            s.y.push_back(m.mean);
            s.y_lo.push_back(m.lo);
            s.y_hi.push_back(m.hi);
        }
        if (!s.x.empty())
            f.figure.series.push_back(std::move(s));
    }
    return f;
}

// Learning curves of one task and metric: one line per recipe at the study's middle beta (the
// beta the learning rates were selected at), so that the lines stay readable with many betas.
StudyFigure curvesFigure(const StudyAggregate& a, const std::string& task,
                         const std::string& metric, double beta) {
    StudyFigure f;
    f.name = "curves-" + figureSlug(task) + "-" + metric;
    f.section = "Learning curves";
    f.caption = "Task " + task + ": eval " + metric +
                " over training steps (a later stage continues the step count of the one before "
                "it), mean over seeds with a 95% band, each recipe at beta " +
                tableNumber(beta, 3) + " (MLE has none).";
    f.figure.title = metric + " during training: " + task;
    f.figure.x = figureAxis("step", false);
    f.figure.y =
        figureAxis(metric == "perplexity" ? "perplexity (eval, log scale)" : metric + " (eval)",
                   metric == "perplexity");
    const auto recipes = figureRecipes(a, task);
    for (std::size_t i = 0; i < recipes.size(); ++i) {
        for (const AggregateCurve& c : a.curves) {
            if (c.task != task || c.recipe != recipes[i] || c.metric != metric ||
                (recipeUsesBeta(c.recipe) && std::abs(c.beta - beta) > 1e-9 * std::abs(beta)))
                continue;
            FigureSeries s;
            s.name = recipes[i];
            s.color = recipeColor(recipes[i], i);
            s.style = FigureSeries::Style::Line;
            for (std::size_t k = 0; k < c.step.size(); ++k) {
                s.x.push_back(static_cast<double>(c.step[k]));
                s.y.push_back(c.value[k].mean);
                s.y_lo.push_back(c.value[k].lo);
                s.y_hi.push_back(c.value[k].hi);
            }
            f.figure.series.push_back(std::move(s));
        }
    }
    return f;
}

StudyFigure measureFigure(const StudyTaskMeasure& m) {
    StudyFigure f;
    f.name = "measures-" + figureSlug(m.task);
    f.section = "Information and gradient difference";
    f.caption = "Task " + m.task + " (" + infoRegimeName(m.regime) +
                " information difference) under the base model: gradient difference "
                "||P+ - P-|| per response step; information difference log10 |f+ - f-| mean " +
                tableNumber(m.info_diff_log10_mean, 4) + ", median " +
                tableNumber(m.info_diff_log10_median, 4) + ".";
    f.figure.title = "Gradient difference: " + m.task + " (mean log10 info diff " +
                     tableNumber(m.info_diff_log10_mean, 3) + ")";
    f.figure.x = figureAxis("response step t", false);
    f.figure.y = figureAxis("||P+ - P-||", false);
    const std::pair<const char*, const std::vector<double>*> norms[] = {{"L1", &m.grad_diff_l1},
                                                                        {"L2", &m.grad_diff_l2}};
    const char* colors[] = {"#1f77b4", "#ff7f0e"};
    for (std::size_t k = 0; k < 2; ++k) {
        FigureSeries s;
        s.name = norms[k].first;
        s.color = colors[k];
        s.style = FigureSeries::Style::Line;
        for (std::size_t t = 0; t < norms[k].second->size(); ++t) {
            s.x.push_back(static_cast<double>(t + 1));
            s.y.push_back((*norms[k].second)[t]);
        }
        if (!s.x.empty())
            f.figure.series.push_back(std::move(s));
    }
    return f;
}

}  // namespace

std::vector<StudyFigure> studyFigures(const StudyResults& results,
                                      const StudyAggregate& aggregate) {
    std::vector<StudyFigure> out;
    const std::vector<double> betas = studyBetas(results);
    const auto tasks = figureTasks(aggregate);
    for (const std::string& task : tasks)
        out.push_back(landscapeFigure(aggregate, task, betas.size() > 1));
    if (betas.size() > 1) {
        for (const std::string& task : tasks) {
            out.push_back(betaFigure(aggregate, task, "pos_prob", "positive-example probability"));
            out.push_back(betaFigure(aggregate, task, "agility", "agility"));
        }
    }
    const double middle = betas.empty() ? 0.0 : betas[betas.size() / 2];
    for (const std::string& task : tasks) {
        for (const char* metric : {"perplexity", "agility"}) {
            StudyFigure f = curvesFigure(aggregate, task, metric, middle);
            if (!f.figure.series.empty())
                out.push_back(std::move(f));
        }
    }
    for (const StudyTaskMeasure& m : results.measures)
        out.push_back(measureFigure(m));
    return out;
}

}  // namespace rgpb
