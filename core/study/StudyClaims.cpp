#include "core/study/StudyClaims.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

namespace rgpb {

const char* claimVerdictName(ClaimVerdict verdict) {
    switch (verdict) {
        case ClaimVerdict::Supported:
            return "supported";
        case ClaimVerdict::Contradicted:
            return "contradicted";
        case ClaimVerdict::Inconclusive:
            return "inconclusive";
        case ClaimVerdict::NotTested:
            return "not tested";
    }
    return "not tested";
}

ClaimVerdict intervalVerdict(const MeanInterval& effect) {
    if (effect.n == 0)
        return ClaimVerdict::NotTested;
    if (effect.n < 2)  // one seed has no spread to judge noise by
        return ClaimVerdict::Inconclusive;
    if (effect.lo > 0)
        return ClaimVerdict::Supported;
    if (effect.hi < 0)
        return ClaimVerdict::Contradicted;
    return ClaimVerdict::Inconclusive;
}

ClaimVerdict combineVerdicts(const std::vector<ClaimVerdict>& parts) {
    auto any = [&](ClaimVerdict v) {
        return std::find(parts.begin(), parts.end(), v) != parts.end();
    };
    if (parts.empty())
        return ClaimVerdict::NotTested;
    if (any(ClaimVerdict::Contradicted))
        return ClaimVerdict::Contradicted;
    if (any(ClaimVerdict::NotTested))
        return ClaimVerdict::NotTested;
    if (any(ClaimVerdict::Inconclusive))
        return ClaimVerdict::Inconclusive;
    return ClaimVerdict::Supported;
}

namespace {

constexpr double kClaimNaN = std::numeric_limits<double>::quiet_NaN();

// Where a side of a comparison takes its beta: the beta the claim is tested at, or the study's
// smallest / largest (claims about raising beta).
enum class ClaimBeta { Tested, Smallest, Largest };

// One comparison of a claim: it predicts metric(higher) > metric(lower).
struct ClaimPart {
    const char* metric;
    const char* higher;
    ClaimBeta higher_beta;
    const char* lower;
    ClaimBeta lower_beta;
};

enum class ClaimScope { Low, High, Both };

struct ClaimDefinition {
    const char* id;
    ClaimScope scope;
    const char* statement;
    std::vector<ClaimPart> parts;
    bool across_betas = false;  // compares a recipe's smallest beta with its largest
};

constexpr ClaimBeta kAt = ClaimBeta::Tested;

// spec.md section 5, one predicate per finding; compound findings ("the highest") are all of
// their pairwise parts.
const std::vector<ClaimDefinition>& claimDefinitions() {
    static const std::vector<ClaimDefinition> defs = {
        {"low.dpo_agility_near_zero",
         ClaimScope::Low,
         "At low information difference, DPO barely learns: its agility is below ExMATE's and UL's",
         {{"agility", "exmate", kAt, "dpo", kAt}, {"agility", "ul", kAt, "dpo", kAt}}},
        {"low.dpo_perplexity_gt_mle",
         ClaimScope::Low,
         "At low information difference, DPO's perplexity is higher than MLE's",
         {{"perplexity", "dpo", kAt, "mle", kAt}}},
        {"low.ul_agility_gt_mle",
         ClaimScope::Low,
         "At low information difference, UL raises agility above MLE's",
         {{"agility", "ul", kAt, "mle", kAt}}},
        {"low.ul_perplexity_gt_mle",
         ClaimScope::Low,
         "At low information difference, UL worsens perplexity: higher than MLE's",
         {{"perplexity", "ul", kAt, "mle", kAt}}},
        {"low.exmate_perplexity_lt_mle",
         ClaimScope::Low,
         "At low information difference, ExMATE's perplexity is below MLE's",
         {{"perplexity", "mle", kAt, "exmate", kAt}}},
        {"low.exmate_agility_gt_mle",
         ClaimScope::Low,
         "At low information difference, ExMATE's agility exceeds MLE's",
         {{"agility", "exmate", kAt, "mle", kAt}}},
        {"high.dpo_highest_agility",
         ClaimScope::High,
         "At higher information difference, DPO reaches the highest agility (above MLE, UL and "
         "ExMATE)",
         {{"agility", "dpo", kAt, "mle", kAt},
          {"agility", "dpo", kAt, "ul", kAt},
          {"agility", "dpo", kAt, "exmate", kAt}}},
        {"high.dpo_worst_perplexity",
         ClaimScope::High,
         "At higher information difference, DPO has the worst perplexity (above MLE, UL and "
         "ExMATE)",
         {{"perplexity", "dpo", kAt, "mle", kAt},
          {"perplexity", "dpo", kAt, "ul", kAt},
          {"perplexity", "dpo", kAt, "exmate", kAt}}},
        {"high.exmate_lowest_perplexity",
         ClaimScope::High,
         "At higher information difference, ExMATE has the lowest perplexity (below MLE, UL and "
         "DPO)",
         {{"perplexity", "mle", kAt, "exmate", kAt},
          {"perplexity", "ul", kAt, "exmate", kAt},
          {"perplexity", "dpo", kAt, "exmate", kAt}}},
        {"high.exmate_second_agility",
         ClaimScope::High,
         "At higher information difference, ExMATE has the second-best agility (above MLE and "
         "UL, below DPO)",
         {{"agility", "exmate", kAt, "mle", kAt},
          {"agility", "exmate", kAt, "ul", kAt},
          {"agility", "dpo", kAt, "exmate", kAt}}},
        {"both.exmate_dpo_perplexity_lt_mle_dpo",
         ClaimScope::Both,
         "ExMATE -> DPO beats MLE -> DPO on perplexity (lower)",
         {{"perplexity", "mle -> dpo", kAt, "exmate -> dpo", kAt}}},
        {"both.exmate_dpo_agility_gt_mle_dpo",
         ClaimScope::Both,
         "ExMATE -> DPO beats MLE -> DPO on agility (higher)",
         {{"agility", "exmate -> dpo", kAt, "mle -> dpo", kAt}}},
        {"both.beta_lowers_exmate_pos_prob",
         ClaimScope::Both,
         "Raising beta lowers ExMATE's positive-example probability",
         {{"pos_prob", "exmate", ClaimBeta::Smallest, "exmate", ClaimBeta::Largest}},
         true},
        {"both.beta_raises_exmate_agility",
         ClaimScope::Both,
         "Raising beta raises ExMATE's agility",
         {{"agility", "exmate", ClaimBeta::Largest, "exmate", ClaimBeta::Smallest}},
         true},
        {"both.beta_lowers_dpo_agility",
         ClaimScope::Both,
         "Raising beta lowers DPO's agility",
         {{"agility", "dpo", ClaimBeta::Smallest, "dpo", ClaimBeta::Largest}},
         true},
    };
    return defs;
}

std::string claimNumber(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.4g", v);
    return buf;
}

// The study's spelling of a recipe on a task ("mle->dpo" for "mle -> dpo"), if it has it.
std::optional<std::string> recipeInTask(const StudyResults& results, const std::string& task,
                                        const std::string& recipe) {
    for (const StudyCellResult& c : results.cells) {
        if (c.task == task && recipeMethods(c.recipe) == recipeMethods(recipe))
            return c.recipe;
    }
    return std::nullopt;
}

struct PartOutcome {
    ClaimVerdict verdict = ClaimVerdict::NotTested;
    MeanInterval effect;
    double p_value = kClaimNaN;
    std::string text;
};

double claimSideBeta(ClaimBeta kind, double tested, const std::vector<double>& betas) {
    if (kind == ClaimBeta::Smallest)
        return betas.front();
    if (kind == ClaimBeta::Largest)
        return betas.back();
    return tested;
}

std::string claimSideName(const std::string& recipe, ClaimBeta kind, double beta) {
    return kind == ClaimBeta::Tested ? recipe : recipe + " (beta " + claimNumber(beta) + ")";
}

PartOutcome evaluatePart(const StudyResults& results, const StudyAggregate& aggregate,
                         const std::string& task, double beta, const std::vector<double>& betas,
                         const ClaimPart& part) {
    PartOutcome out;
    out.effect.mean = out.effect.lo = out.effect.hi = out.effect.sd = kClaimNaN;
    auto higher = recipeInTask(results, task, part.higher);
    auto lower = recipeInTask(results, task, part.lower);
    for (const auto& [spelled, wanted] : {std::pair{higher, part.higher}, {lower, part.lower}}) {
        if (!spelled) {
            out.text = std::string("recipe '") + wanted + "' is not in the study for this task";
            return out;
        }
    }
    const double bh = claimSideBeta(part.higher_beta, beta, betas);
    const double bl = claimSideBeta(part.lower_beta, beta, betas);
    auto c = findComparison(aggregate, task, part.metric, *higher, bh, *lower, bl);
    PairedComparison pc =
        c ? *c : comparePaired(results, task, part.metric, *higher, bh, *lower, bl);
    out.effect = pc.diff;
    out.p_value = pc.p_value;
    out.verdict = intervalVerdict(pc.diff);
    const std::string what = std::string(part.metric) + " of " +
                             claimSideName(*higher, part.higher_beta, bh) + " - " +
                             claimSideName(*lower, part.lower_beta, bl);
    if (pc.diff.n == 0) {
        out.text = what + ": no seed where both finished";
        return out;
    }
    out.text = what + " = " + claimNumber(pc.diff.mean) + " [" + claimNumber(pc.diff.lo) + ", " +
               claimNumber(pc.diff.hi) + "] over " + std::to_string(pc.diff.n) + " seed" +
               (pc.diff.n == 1 ? " (no interval)" : "s, p = " + claimNumber(pc.p_value)) + ": " +
               claimVerdictName(out.verdict);
    return out;
}

// The part whose interval decided the claim: the most clearly contradicted part of a
// contradicted claim, otherwise the tested part whose interval reaches lowest (the weakest).
const PartOutcome* decidingPart(const std::vector<PartOutcome>& parts, ClaimVerdict verdict) {
    const PartOutcome* best = nullptr;
    for (const PartOutcome& p : parts) {
        if (p.effect.n == 0)
            continue;
        if (verdict == ClaimVerdict::Contradicted) {
            if (p.verdict == ClaimVerdict::Contradicted && (!best || p.effect.hi < best->effect.hi))
                best = &p;
        } else if (!best || p.effect.lo < best->effect.lo) {
            best = &p;
        }
    }
    return best;
}

ClaimResult evaluateClaimOn(const StudyResults& results, const StudyAggregate& aggregate,
                            const ClaimDefinition& def, const std::string& task, double beta,
                            const std::vector<double>& betas) {
    ClaimResult r;
    r.id = def.id;
    r.statement = def.statement;
    r.task = task;
    r.beta = def.across_betas ? 0.0 : beta;
    r.effect.mean = r.effect.lo = r.effect.hi = r.effect.sd = kClaimNaN;
    r.p_value = kClaimNaN;
    std::vector<PartOutcome> parts;
    std::vector<ClaimVerdict> verdicts;
    for (const ClaimPart& part : def.parts) {
        parts.push_back(evaluatePart(results, aggregate, task, beta, betas, part));
        verdicts.push_back(parts.back().verdict);
    }
    r.verdict = combineVerdicts(verdicts);
    if (const PartOutcome* p = decidingPart(parts, r.verdict)) {
        r.effect = p->effect;
        r.p_value = p->p_value;
    }
    for (const PartOutcome& p : parts)
        r.why += (r.why.empty() ? "" : "; ") + p.text;
    return r;
}

ClaimResult claimNotTested(const ClaimDefinition& def, const std::string& task,
                           const std::string& why) {
    ClaimResult r;
    r.id = def.id;
    r.statement = def.statement;
    r.task = task;
    r.effect.mean = r.effect.lo = r.effect.hi = r.effect.sd = kClaimNaN;
    r.p_value = kClaimNaN;
    r.why = why;
    return r;
}

bool scopeMatches(ClaimScope scope, InfoRegime regime) {
    return scope == ClaimScope::Both || (scope == ClaimScope::Low) == (regime == InfoRegime::Low);
}

// The tasks the study has cells for, with their regimes, in the order the cells name them (a task
// skipped for absent data has no cells and is listed in the notes instead).
std::vector<std::pair<std::string, InfoRegime>> claimTasks(const StudyResults& results) {
    std::vector<std::pair<std::string, InfoRegime>> tasks;
    auto add = [&](const std::string& name, InfoRegime regime) {
        for (const auto& t : tasks) {
            if (t.first == name)
                return;
        }
        tasks.emplace_back(name, regime);
    };
    for (const StudyCellResult& c : results.cells)
        add(c.task, c.regime);
    return tasks;
}

}  // namespace

std::vector<ClaimResult> evaluateClaims(const StudyResults& results,
                                        const StudyAggregate& aggregate) {
    std::vector<ClaimResult> out;
    const auto tasks = claimTasks(results);
    const std::vector<double> betas = studyBetas(results);
    for (const ClaimDefinition& def : claimDefinitions()) {
        bool any_task = false;
        for (const auto& [task, regime] : tasks) {
            if (!scopeMatches(def.scope, regime))
                continue;
            any_task = true;
            if (def.across_betas) {
                if (betas.size() < 2)
                    out.push_back(claimNotTested(def, task,
                                                 "the study has one beta: raising it cannot be "
                                                 "observed"));
                else
                    out.push_back(evaluateClaimOn(results, aggregate, def, task, 0.0, betas));
                continue;
            }
            for (double beta : betas)
                out.push_back(evaluateClaimOn(results, aggregate, def, task, beta, betas));
            if (betas.empty())
                out.push_back(claimNotTested(def, task, "the study has no beta"));
        }
        if (!any_task)
            out.push_back(claimNotTested(
                def, "",
                def.scope == ClaimScope::Low ? "the study has no task of low information difference"
                : def.scope == ClaimScope::High
                    ? "the study has no task of higher information difference"
                    : "the study has no finished or planned cell"));
    }
    ClaimDefinition judge{"both.gpt4_judgements",
                          ClaimScope::Both,
                          "GPT-4 pairwise judgements (win/lose): ExMATE vs DPO 0.47/0.40, ExMATE "
                          "vs SFT+DPO 0.32/0.36, ExMATE+DPO vs SFT+DPO 0.56/0.38; human-GPT-4 "
                          "agreement kappa 0.842",
                          {}};
    out.push_back(
        claimNotTested(judge, "",
                       "a study measures perplexity and agility, not pairwise preferences: judge "
                       "two of its runs with `rgpb compare` and the Judge tab (win "
                       "rates and Cohen's kappa, `rgpb judge-stats`), outside the study"));
    return out;
}

}  // namespace rgpb
