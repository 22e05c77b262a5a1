// Checks, summaries and files of the gradient lab's replay (GradientReplay.h). Torch-free.
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <set>
#include <sstream>

#include "core/analytic/GradientMeasure.h"
#include "core/analytic/GradientReplay.h"
#include "core/analytic/GradlabText.h"
#include "core/objectives/ObjectiveSpec.h"
#include "core/util/CsvText.h"
#include "core/util/Error.h"
#include "core/util/SafeFile.h"

namespace rgpb {
namespace {

const char* kReplayMethods = "mle, dpo, ul or exmate";

std::string replayNormsCsv(const GradientReplayResult& r) {
    std::ostringstream out;
    out << "method,group,norm\n";
    for (const ReplayNorms& n : r.norms) {
        out << csvRecord({n.method, "all", gradlabNumber(n.norm)});
        for (std::size_t g = 0; g < n.group_norms.size() && g < r.groups.size(); ++g)
            out << csvRecord({n.method, r.groups[g], gradlabNumber(n.group_norms[g])});
    }
    return out.str();
}

std::string replayCosinesCsv(const GradientReplayResult& r) {
    std::ostringstream out;
    std::vector<std::string> header = {"method"};
    header.insert(header.end(), r.methods.begin(), r.methods.end());
    out << csvRecord(header);
    for (std::size_t a = 0; a < r.cosines.size(); ++a) {
        std::vector<std::string> row = {r.methods[a]};
        for (double c : r.cosines[a])
            row.push_back(gradlabNumber(c));
        out << csvRecord(row);
    }
    return out.str();
}

std::string replayEffectsCsv(const GradientReplayResult& r) {
    std::ostringstream out;
    out << "pair,method,lr,d_pos_pred,d_pos_actual,d_neg_pred,d_neg_actual,rel_err_pos,"
           "rel_err_neg\n";
    for (const ReplayEffect& e : r.effects) {
        out << csvRecord({std::to_string(e.pair), e.method, gradlabNumber(e.lr),
                          gradlabNumber(e.d_pos_pred), gradlabNumber(e.d_pos_actual),
                          gradlabNumber(e.d_neg_pred), gradlabNumber(e.d_neg_actual),
                          gradlabNumber(e.rel_err_pos), gradlabNumber(e.rel_err_neg)});
    }
    return out.str();
}

nlohmann::ordered_json replaySummaryJson(const GradientReplayResult& r) {
    nlohmann::ordered_json j;
    j["model"] = r.model;
    j["reference"] = r.reference;
    j["data"] = r.data;
    j["beta"] = r.beta;
    j["pairs"] = r.pairs;
    j["skipped"] = r.skipped;
    j["parameters"] = r.parameters;
    j["precision"] = "float64";
    j["methods"] = r.methods;
    j["lrs"] = r.lrs;
    j["groups"] = r.groups;
    nlohmann::ordered_json norms = nlohmann::ordered_json::object();
    for (const ReplayNorms& n : r.norms) {
        nlohmann::ordered_json nj;
        nj["loss"] = gradlabJsonNumber(n.loss);
        nj["norm"] = gradlabJsonNumber(n.norm);
        nlohmann::ordered_json groups = nlohmann::ordered_json::object();
        for (std::size_t g = 0; g < n.group_norms.size() && g < r.groups.size(); ++g)
            groups[r.groups[g]] = gradlabJsonNumber(n.group_norms[g]);
        nj["groups"] = groups;
        norms[n.method] = nj;
    }
    j["gradients"] = norms;
    nlohmann::ordered_json cos = nlohmann::ordered_json::array();
    for (const auto& row : r.cosines) {
        nlohmann::ordered_json cr = nlohmann::ordered_json::array();
        for (double c : row)
            cr.push_back(gradlabJsonNumber(c));
        cos.push_back(cr);
    }
    j["cosines"] = cos;
    nlohmann::ordered_json agreement = nlohmann::ordered_json::array();
    for (const ReplayAgreement& a : r.agreement) {
        nlohmann::ordered_json aj;
        aj["method"] = a.method;
        aj["lr"] = a.lr;
        aj["median_rel_err"] = gradlabJsonNumber(a.median_rel_err);
        aj["max_rel_err"] = gradlabJsonNumber(a.max_rel_err);
        agreement.push_back(aj);
    }
    j["first_order"] = agreement;
    j["seconds"] = r.seconds;
    return j;
}

}  // namespace

void validateReplayRequest(const GradientReplayRequest& q, const char* where) {
    requireArgument(!q.methods.empty(), where, "methods", kReplayMethods, "none");
    std::set<ObjectiveKind> seen;
    for (const std::string& m : q.methods) {
        ObjectiveKind kind{};
        try {
            kind = parseObjectiveKind(m);
        } catch (const ArgumentError&) {
            throw ArgumentError(where, "methods", kReplayMethods, "'" + m + "'");
        }
        requireArgument(kind != ObjectiveKind::Lm, where, "methods", kReplayMethods, "'lm'");
        requireArgument(seen.insert(kind).second, where, "methods", "each method once",
                        "'" + m + "' twice");
    }
    requireArgument(!q.lrs.empty(), where, "lr", "at least one learning rate", "none");
    for (double lr : q.lrs)
        requireArgument(std::isfinite(lr) && lr > 0, where, "lr", "finite and > 0", lr);
    requireArgument(std::isfinite(q.beta) && q.beta > 0, where, "beta", "finite and > 0", q.beta);
    requireArgument(q.batch_size >= 1, where, "batch_size", ">= 1", q.batch_size);
}

void summarizeGradientReplay(GradientReplayResult& r) {
    r.agreement.clear();
    for (const std::string& m : r.methods) {
        for (double lr : r.lrs) {
            std::vector<double> errs;
            for (const ReplayEffect& e : r.effects) {
                if (e.method == m && e.lr == lr) {
                    errs.push_back(e.rel_err_pos);
                    errs.push_back(e.rel_err_neg);
                }
            }
            const BoxStats b = boxStats(errs);
            r.agreement.push_back({m, lr, b.median, b.max});
        }
    }
}

void writeGradientReplay(const GradientReplayResult& r, const std::string& dir) {
    auto path = [&](const char* name) { return gradlabOutputFile(dir, name); };
    writeFileAtomic(path("norms.csv"), replayNormsCsv(r));
    writeFileAtomic(path("cosines.csv"), replayCosinesCsv(r));
    writeFileAtomic(path("effects.csv"), replayEffectsCsv(r));
    writeFileAtomic(path("summary.json"), replaySummaryJson(r).dump(2) + "\n");
}

}  // namespace rgpb
