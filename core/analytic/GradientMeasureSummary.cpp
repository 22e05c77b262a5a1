// Summaries and files of the gradient lab's measurement (GradientMeasure.h). Torch-free.
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <limits>
#include <sstream>

#include "core/analytic/GradientMeasure.h"
#include "core/analytic/GradlabText.h"
#include "core/run/RunStore.h"
#include "core/util/Error.h"
#include "core/util/SafeFile.h"

namespace rgpb {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

double median(std::vector<double> v) {
    return boxStats(std::move(v)).median;
}

GapSummary gapSummary(const std::string& name, const std::vector<double>& exact,
                      const std::vector<double>& approx) {
    GapSummary g;
    g.name = name;
    std::vector<double> ex, ap, abs_gap, rel_gap;
    for (std::size_t i = 0; i < exact.size(); ++i) {
        if (!std::isfinite(exact[i]) || !std::isfinite(approx[i]))
            continue;
        ex.push_back(exact[i]);
        ap.push_back(approx[i]);
        double gap = std::abs(exact[i] - approx[i]);
        abs_gap.push_back(gap);
        if (std::abs(exact[i]) > 1e-12)
            rel_gap.push_back(gap / std::abs(exact[i]));
    }
    g.count = ex.size();
    g.median_exact = median(ex);
    g.median_approx = median(ap);
    BoxStats a = boxStats(abs_gap);
    g.median_abs_gap = a.median;
    g.max_abs_gap = a.max;
    g.median_rel_gap = median(rel_gap);
    return g;
}

std::string num(double v) {
    return gradlabNumber(v);
}

nlohmann::ordered_json jnum(double v) {
    return gradlabJsonNumber(v);
}

nlohmann::ordered_json boxJson(const BoxStats& b) {
    nlohmann::ordered_json j;
    j["count"] = b.count;
    j["min"] = jnum(b.min);
    j["q1"] = jnum(b.q1);
    j["median"] = jnum(b.median);
    j["q3"] = jnum(b.q3);
    j["max"] = jnum(b.max);
    j["mean"] = jnum(b.mean);
    return j;
}

std::string infoDiffCsv(const GradientMeasureResult& r) {
    std::ostringstream info;
    info << "pair,t_pos,t_neg,s_pos,s_neg,mean_length,log10_info_diff\n";
    for (const InfoDiffRow& row : r.info) {
        info << row.pair << "," << num(row.t_pos) << "," << num(row.t_neg) << "," << num(row.s_pos)
             << "," << num(row.s_neg) << "," << num(0.5 * (row.t_pos + row.t_neg)) << ","
             << num(row.log10_info_diff) << "\n";
    }
    return info.str();
}

std::string gradDiffCsv(const GradientMeasureResult& r) {
    std::ostringstream grad;
    grad << "pair,step,norm,value\n";
    for (const GradDiffRow& g : r.grad) {
        grad << g.pair << "," << g.step << ",l1," << num(g.l1) << "\n";
        grad << g.pair << "," << g.step << ",l2," << num(g.l2) << "\n";
    }
    return grad.str();
}

std::string gradDiffSummaryCsv(const GradientMeasureResult& r) {
    std::ostringstream gs;
    gs << "step,norm,count,min,q1,median,q3,max,mean\n";
    for (std::size_t t = 0; t < r.grad_l1.size(); ++t) {
        for (int n = 0; n < 2; ++n) {
            const BoxStats& b = n == 0 ? r.grad_l1[t] : r.grad_l2[t];
            gs << t + 1 << "," << (n == 0 ? "l1" : "l2") << "," << b.count << "," << num(b.min)
               << "," << num(b.q1) << "," << num(b.median) << "," << num(b.q3) << "," << num(b.max)
               << "," << num(b.mean) << "\n";
        }
    }
    return gs.str();
}

std::string decompositionCsv(const GradientMeasureResult& r) {
    std::ostringstream dec;
    dec << "pair,step,case,y_pos,y_neg,p_pos_ypos,p_pos_yneg,p_neg_ypos,p_neg_yneg,u,e,"
           "exact_pos,approx_pos,gap_pos,exact_neg,approx_neg,gap_neg,exact_other,approx_other,"
           "gap_other\n";
    for (const DecompositionRow& d : r.decomposition) {
        dec << d.pair << "," << d.step << "," << (d.shared ? "shared" : "distinct") << ","
            << d.y_pos << "," << d.y_neg << "," << num(d.p_pos_ypos) << "," << num(d.p_pos_yneg)
            << "," << num(d.p_neg_ypos) << "," << num(d.p_neg_yneg) << "," << num(d.u) << ","
            << num(d.e) << "," << num(d.exact_pos) << "," << num(d.approx_pos) << ","
            << num(d.exact_pos - d.approx_pos) << "," << num(d.exact_neg) << ","
            << num(d.approx_neg) << "," << num(d.exact_neg - d.approx_neg) << ","
            << num(d.exact_other) << "," << num(d.approx_other) << ","
            << num(d.exact_other - d.approx_other) << "\n";
    }
    return dec.str();
}

nlohmann::ordered_json gapsJson(const std::vector<GapSummary>& gaps) {
    nlohmann::ordered_json out = nlohmann::ordered_json::array();
    for (const GapSummary& g : gaps) {
        nlohmann::ordered_json gj;
        gj["case"] = g.name;
        gj["count"] = g.count;
        gj["median_exact"] = jnum(g.median_exact);
        gj["median_approx"] = jnum(g.median_approx);
        gj["median_abs_gap"] = jnum(g.median_abs_gap);
        gj["max_abs_gap"] = jnum(g.max_abs_gap);
        gj["median_rel_gap"] = jnum(g.median_rel_gap);
        out.push_back(gj);
    }
    return out;
}

nlohmann::ordered_json summaryJson(const GradientMeasureResult& r) {
    nlohmann::ordered_json j;
    j["model"] = r.model;
    j["data"] = r.data;
    j["method"] = r.method;
    j["beta"] = r.beta;
    j["steps"] = r.steps;
    j["pairs"] = r.pairs;
    j["skipped"] = r.skipped;
    j["info_diff_log10_median"] = jnum(r.info_diff_log10_median);
    j["info_diff_identical"] = r.info_diff_identical;
    j["grad_diff_step1_l1_median"] =
        jnum(r.grad_l1.empty() ? std::numeric_limits<double>::quiet_NaN() : r.grad_l1[0].median);
    j["grad_diff_step1_l2_median"] =
        jnum(r.grad_l2.empty() ? std::numeric_limits<double>::quiet_NaN() : r.grad_l2[0].median);
    nlohmann::ordered_json steps = nlohmann::ordered_json::array();
    for (std::size_t t = 0; t < r.grad_l1.size(); ++t) {
        nlohmann::ordered_json s;
        s["step"] = t + 1;
        s["l1"] = boxJson(r.grad_l1[t]);
        s["l2"] = boxJson(r.grad_l2[t]);
        steps.push_back(s);
    }
    j["grad_diff"] = steps;
    j["distinct_steps"] = r.distinct_steps;
    j["shared_steps"] = r.shared_steps;
    j["gaps"] = gapsJson(r.gaps);
    j["approximation_holds"] = r.approximation_holds;
    j["verdict"] = r.verdict;
    return j;
}

}  // namespace

std::string gradlabNumber(double v) {
    if (std::isnan(v))
        return "nan";
    if (std::isinf(v))
        return v > 0 ? "inf" : "-inf";
    char buf[40];
    std::snprintf(buf, sizeof buf, "%.9g", v);
    return buf;
}

std::string gradlabOutputFile(const std::string& dir, const char* name) {
    namespace fs = std::filesystem;
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec)
        throw InputError(dir, "cannot create the output folder: " + ec.message());
    return (fs::path(dir) / name).string();
}

nlohmann::ordered_json gradlabJsonNumber(double v) {
    return std::isfinite(v) ? nlohmann::ordered_json(v) : nlohmann::ordered_json(nullptr);
}

BoxStats boxStats(std::vector<double> values) {
    values.erase(
        std::remove_if(values.begin(), values.end(), [](double v) { return std::isnan(v); }),
        values.end());
    BoxStats b;
    b.count = values.size();
    if (values.empty()) {
        b.min = b.q1 = b.median = b.q3 = b.max = b.mean = kNaN;
        return b;
    }
    std::sort(values.begin(), values.end());
    auto q = [&](double p) {
        double h = p * static_cast<double>(values.size() - 1);
        std::size_t lo = static_cast<std::size_t>(std::floor(h));
        std::size_t hi = std::min(lo + 1, values.size() - 1);
        double w = h - static_cast<double>(lo);
        return w == 0.0 ? values[lo] : values[lo] + w * (values[hi] - values[lo]);
    };
    b.min = values.front();
    b.max = values.back();
    b.q1 = q(0.25);
    b.median = q(0.5);
    b.q3 = q(0.75);
    double sum = 0;
    for (double v : values)
        sum += v;
    b.mean = sum / static_cast<double>(values.size());
    return b;
}

bool gapPasses(const GapSummary& g) {
    if (g.count == 0)
        return false;
    return g.median_abs_gap < kGapAbsTolerance ||
           (std::isfinite(g.median_rel_gap) && g.median_rel_gap < kGapRelTolerance);
}

void summarizeGradientMeasure(GradientMeasureResult& r) {
    std::vector<double> info;
    r.info_diff_identical = 0;
    for (const InfoDiffRow& row : r.info) {
        if (std::isinf(row.log10_info_diff) && row.log10_info_diff < 0)
            ++r.info_diff_identical;
        else
            info.push_back(row.log10_info_diff);
    }
    r.info_diff_log10_median = median(info);

    const std::size_t k = static_cast<std::size_t>(std::max(0, r.steps));
    std::vector<std::vector<double>> l1(k), l2(k);
    for (const GradDiffRow& g : r.grad) {
        if (g.step >= 1 && static_cast<std::size_t>(g.step) <= k) {
            l1[static_cast<std::size_t>(g.step - 1)].push_back(g.l1);
            l2[static_cast<std::size_t>(g.step - 1)].push_back(g.l2);
        }
    }
    r.grad_l1.clear();
    r.grad_l2.clear();
    for (std::size_t t = 0; t < k; ++t) {
        r.grad_l1.push_back(boxStats(l1[t]));
        r.grad_l2.push_back(boxStats(l2[t]));
    }

    std::vector<double> dpe, dpa, dne, dna, doe, doa, spe, spa, soe, soa;
    r.distinct_steps = r.shared_steps = 0;
    for (const DecompositionRow& d : r.decomposition) {
        if (d.shared) {
            ++r.shared_steps;
            spe.push_back(d.exact_pos);
            spa.push_back(d.approx_pos);
            soe.push_back(d.exact_other);
            soa.push_back(d.approx_other);
        } else {
            ++r.distinct_steps;
            dpe.push_back(d.exact_pos);
            dpa.push_back(d.approx_pos);
            dne.push_back(d.exact_neg);
            dna.push_back(d.approx_neg);
            doe.push_back(d.exact_other);
            doa.push_back(d.approx_other);
        }
    }
    r.gaps = {gapSummary("distinct:pos", dpe, dpa), gapSummary("distinct:neg", dne, dna),
              gapSummary("distinct:other", doe, doa), gapSummary("shared:token", spe, spa),
              gapSummary("shared:other", soe, soa)};

    // The worst case: a failing one if any (the largest relative gap, NaN last), else the
    // passing one with the largest relative gap.
    const GapSummary* worst = nullptr;
    bool compared = false;
    r.approximation_holds = true;
    auto rel = [](const GapSummary& g) {
        return std::isnan(g.median_rel_gap) ? -1.0 : g.median_rel_gap;
    };
    for (const GapSummary& g : r.gaps) {
        if (g.count == 0)
            continue;
        compared = true;
        const bool passes = gapPasses(g);
        r.approximation_holds = r.approximation_holds && passes;
        const bool worst_passes = worst && gapPasses(*worst);
        if (!worst || (!passes && worst_passes) || (passes == worst_passes && rel(g) > rel(*worst)))
            worst = &g;
    }
    std::ostringstream v;
    v.precision(3);
    if (!compared) {
        r.approximation_holds = false;
        v << (r.method == "mle" ? "MLE has no paper approximation to compare with"
                                : "no step could be compared");
    } else {
        v << (r.approximation_holds ? "P+ \u2248 P- holds" : "P+ \u2248 P- does not hold")
          << ": median relative gap " << 100.0 * worst->median_rel_gap << "%, |gap| "
          << worst->median_abs_gap << " (worst case " << worst->name << ", " << worst->count
          << " steps; a case passes when |gap| < " << kGapAbsTolerance << " or relative gap < "
          << 100.0 * kGapRelTolerance << "%)";
        // Shared steps are where the paper uses grad f+ ~ grad f- itself.
        const GapSummary& shared = r.gaps[3];
        if (worst->name != shared.name && shared.count > 0 && std::isfinite(shared.median_rel_gap))
            v << ", shared steps " << 100.0 * shared.median_rel_gap << "%";
    }
    if (!r.grad_l1.empty() && r.grad_l1[0].count > 0)
        v << "; step-1 ||P+ - P-||_1 median " << r.grad_l1[0].median;
    r.verdict = v.str();
}

void writeGradientMeasure(const GradientMeasureResult& r, const std::string& dir) {
    auto path = [&](const char* name) { return gradlabOutputFile(dir, name); };
    writeFileAtomic(path("info_diff.csv"), infoDiffCsv(r));
    writeFileAtomic(path("grad_diff.csv"), gradDiffCsv(r));
    writeFileAtomic(path("grad_diff_summary.csv"), gradDiffSummaryCsv(r));
    writeFileAtomic(path("decomposition.csv"), decompositionCsv(r));
    writeFileAtomic(path("summary.json"), summaryJson(r).dump(2) + "\n");
}

}  // namespace rgpb
