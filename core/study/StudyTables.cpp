#include "core/study/StudyTables.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>

namespace rgpb {

std::string tableNumber(double value, int digits) {
    if (std::isnan(value))
        return "";
    if (std::isinf(value))
        return value > 0 ? "inf" : "-inf";
    if (value == 0.0)
        value = 0.0;  // -0 (a flipped zero difference) prints as 0
    char buf[48];
    std::snprintf(buf, sizeof buf, "%.*g", digits, value);
    return buf;
}

std::string tableCsv(const StudyTable& table) {
    auto field = [](const std::string& f) {
        if (f.find_first_of(",\"\r\n") == std::string::npos)
            return f;
        std::string q = "\"";
        for (char ch : f)
            q += ch == '"' ? std::string("\"\"") : std::string(1, ch);
        return q + "\"";
    };
    auto line = [&](const std::vector<std::string>& cells) {
        std::string out;
        for (std::size_t i = 0; i < cells.size(); ++i)
            out += (i ? "," : "") + field(cells[i]);
        return out + "\n";
    };
    std::string out = line(table.columns);
    for (const auto& row : table.rows)
        out += line(row);
    return out;
}

std::string latexEscape(const std::string& text) {
    std::string out;
    for (char ch : text) {
        switch (ch) {
            case '\\':
                out += "\\textbackslash{}";
                break;
            case '&':
            case '%':
            case '$':
            case '#':
            case '_':
            case '{':
            case '}':
                out += '\\';
                out += ch;
                break;
            case '~':
                out += "\\textasciitilde{}";
                break;
            case '^':
                out += "\\textasciicircum{}";
                break;
            case '\n':
                out += ' ';
                break;
            default:
                out += ch;
        }
    }
    return out;
}

std::string tableLatex(const StudyTable& table) {
    auto line = [](const std::vector<std::string>& cells) {
        std::string out;
        for (std::size_t i = 0; i < cells.size(); ++i)
            out += (i ? " & " : "") + latexEscape(cells[i]);
        return out + " \\\\\n";
    };
    std::string out = "% " + latexEscape(table.title) + "\n% needs \\usepackage{booktabs}\n";
    // Columns of long text (statements, reasons) wrap in a paragraph column instead of running
    // off the page.
    std::string spec;
    for (std::size_t c = 0; c < table.columns.size(); ++c) {
        std::size_t longest = 0;
        for (const auto& row : table.rows)
            longest = std::max(longest, c < row.size() ? row[c].size() : 0);
        spec += longest > 40 ? "p{5cm}" : "l";
    }
    out += "\\begin{tabular}{" + spec + "}\n\\toprule\n";
    out += line(table.columns) + "\\midrule\n";
    for (const auto& row : table.rows)
        out += line(row);
    return out + "\\bottomrule\n\\end{tabular}\n";
}

namespace {

std::string cellMetricText(const StudyCellResult& c, const char* metric) {
    auto v = cellMetric(c, metric);
    return v ? tableNumber(*v) : "";
}

std::string betaColumn(const std::string& recipe, double beta) {
    return recipeUsesBeta(recipe) ? tableNumber(beta) : "";
}

StudyTable claimsTable(const std::vector<ClaimResult>& claims) {
    StudyTable t{"claims",
                 "The paper's findings (spec.md section 5) tested on this study: the effect is the "
                 "paired difference over seeds, oriented so that the claim predicts it above 0, "
                 "with its 95% Student-t interval and the paired t-test's p-value",
                 {"claim", "statement", "task", "beta", "effect", "lo", "hi", "seeds", "p",
                  "verdict", "how"},
                 {}};
    for (const ClaimResult& c : claims)
        t.rows.push_back({c.id, c.statement, c.task, c.beta > 0 ? tableNumber(c.beta) : "",
                          tableNumber(c.effect.mean, 4), tableNumber(c.effect.lo, 4),
                          tableNumber(c.effect.hi, 4),
                          c.effect.n > 0 ? std::to_string(c.effect.n) : "",
                          tableNumber(c.p_value, 3), claimVerdictName(c.verdict), c.why});
    return t;
}

StudyTable pointsTable(const StudyAggregate& a) {
    StudyTable t{"points",
                 "Final eval metrics per task, recipe and beta: mean over the finished seeds with "
                 "its 95% Student-t interval",
                 {"task", "recipe", "beta", "finished", "planned", "perplexity", "ppl_lo", "ppl_hi",
                  "agility", "agility_lo", "agility_hi", "pos_prob", "pos_prob_lo", "pos_prob_hi"},
                 {}};
    for (const AggregatePoint& p : a.points)
        t.rows.push_back(
            {p.task, p.recipe, betaColumn(p.recipe, p.beta), std::to_string(p.finished),
             std::to_string(p.planned), tableNumber(p.perplexity.mean),
             tableNumber(p.perplexity.lo), tableNumber(p.perplexity.hi),
             tableNumber(p.agility.mean), tableNumber(p.agility.lo), tableNumber(p.agility.hi),
             tableNumber(p.pos_prob.mean), tableNumber(p.pos_prob.lo), tableNumber(p.pos_prob.hi)});
    return t;
}

StudyTable comparisonsTable(const StudyAggregate& a) {
    StudyTable t{
        "comparisons",
        "Paired comparisons a - b over the seeds both finished (same seed: same base "
        "weights and data order): mean difference, 95% interval, paired t-test p-value",
        {"task", "metric", "a", "beta_a", "b", "beta_b", "seeds", "difference", "lo", "hi", "p"},
        {}};
    for (const PairedComparison& c : a.comparisons)
        t.rows.push_back({c.task, c.metric, c.recipe_a, betaColumn(c.recipe_a, c.beta_a),
                          c.recipe_b, betaColumn(c.recipe_b, c.beta_b), std::to_string(c.diff.n),
                          tableNumber(c.diff.mean), tableNumber(c.diff.lo), tableNumber(c.diff.hi),
                          tableNumber(c.p_value, 3)});
    return t;
}

StudyTable cellsTable(const StudyResults& r) {
    StudyTable t{"cells",
                 "Every cell of the study (task x recipe x beta x seed): its state, final eval "
                 "metrics, learning rate per stage, wall time and runs",
                 {"task", "regime", "recipe", "beta", "seed", "status", "reason", "perplexity",
                  "agility", "pos_prob", "logp_margin", "lr", "wall_time_s", "runs"},
                 {}};
    for (const StudyCellResult& c : r.cells) {
        std::string lrs, runs;
        for (double lr : c.stage_lr)
            lrs += (lrs.empty() ? "" : " / ") + tableNumber(lr, 3);
        for (const std::string& d : c.run_dirs)
            runs += (runs.empty() ? "" : " ; ") + std::filesystem::path(d).filename().string();
        t.rows.push_back({c.task, infoRegimeName(c.regime), c.recipe, betaColumn(c.recipe, c.beta),
                          std::to_string(c.seed), runStatusName(c.status), c.reason,
                          cellMetricText(c, "perplexity"), cellMetricText(c, "agility"),
                          cellMetricText(c, "pos_prob"), cellMetricText(c, "logp_margin"), lrs,
                          tableNumber(c.wall_time_s, 4), runs});
    }
    return t;
}

StudyTable selectionsTable(const StudyResults& r) {
    StudyTable t{"selections",
                 "Learning rates chosen per task and method on the validation split (never the "
                 "eval split), with every candidate's score",
                 {"task", "method", "lr", "select_by", "candidates (lr: score)"},
                 {}};
    for (const StudySelection& s : r.selections) {
        std::string scores;
        for (const auto& [lr, score] : s.scores)
            scores +=
                (scores.empty() ? "" : "; ") + tableNumber(lr, 3) + ": " + tableNumber(score, 4);
        t.rows.push_back({s.task, s.method, tableNumber(s.lr, 3), s.select_by, scores});
    }
    return t;
}

StudyTable measuresTable(const StudyResults& r) {
    StudyTable t{"measures",
                 "Information difference (log10 |f+ - f-|) and gradient difference ||P+ - P-|| per "
                 "response step of each task's eval pairs under the base model (paper Fig. 3)",
                 {"task", "regime", "info_diff_log10_mean", "info_diff_log10_median",
                  "grad_diff_l1 (t = 1..K)", "grad_diff_l2 (t = 1..K)"},
                 {}};
    auto list = [](const std::vector<double>& v) {
        std::string s;
        for (double x : v)
            s += (s.empty() ? "" : " ") + tableNumber(x, 4);
        return s;
    };
    for (const StudyTaskMeasure& m : r.measures)
        t.rows.push_back({m.task, infoRegimeName(m.regime), tableNumber(m.info_diff_log10_mean, 4),
                          tableNumber(m.info_diff_log10_median, 4), list(m.grad_diff_l1),
                          list(m.grad_diff_l2)});
    return t;
}

StudyTable provenanceTable(const StudyResults& r) {
    const StudyProvenance& p = r.provenance;
    StudyTable t{"provenance", "Where these numbers come from", {"item", "value"}, {}};
    std::string seeds;
    for (uint64_t s : r.spec.seeds)
        seeds += (seeds.empty() ? "" : ", ") + std::to_string(s);
    double wall = 0.0;
    for (const StudyCellResult& c : r.cells)
        wall += c.wall_time_s;
    t.rows = {{"commit", p.commit},
              {"study file", p.study_file.empty() ? r.spec.source : p.study_file},
              {"study file hash", p.study_hash.empty() ? r.spec.source_hash : p.study_hash}};
    for (const auto& [task, hash] : p.data_hashes)
        t.rows.push_back({"data hash (" + task + ")", hash});
    t.rows.insert(t.rows.end(), {{"training seeds", seeds},
                                 {"data seed", std::to_string(r.spec.data_seed)},
                                 {"LibTorch", p.torch_version},
                                 {"device", p.device},
                                 {"threads", std::to_string(p.threads)},
                                 {"started", p.started_at},
                                 {"finished", p.finished_at},
                                 {"wall time of all cells (s; per cell in the cells table)",
                                  tableNumber(wall, 6)}});
    return t;
}

}  // namespace

std::vector<StudyTable> studyTables(const StudyResults& results, const StudyAggregate& aggregate,
                                    const std::vector<ClaimResult>& claims) {
    return {claimsTable(claims),     pointsTable(aggregate),   comparisonsTable(aggregate),
            cellsTable(results),     selectionsTable(results), measuresTable(results),
            provenanceTable(results)};
}

}  // namespace rgpb
