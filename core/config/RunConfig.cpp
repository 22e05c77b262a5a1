// The run configuration's derived values (torch-free and YAML-free: part of rgpb_core_light,
// so the widgets can use them). The YAML reader and writer are in RunConfigYaml.cpp.
#include "core/config/RunConfig.h"

namespace rgpb {

std::string RunConfig::recipe() const {
    std::string r;
    for (const StageConfig& s : stages)
        r += (r.empty() ? "" : " -> ") + s.objective.describe();
    return r;
}

std::optional<double> StageConfig::beta() const {
    for (const ObjectiveTerm& t : objective.terms) {
        if (usesBeta(t.kind))
            return t.beta;
    }
    return std::nullopt;
}

bool DataConfig::textSource() const {
    if (source == "synthetic" || source == "synthetic-text")
        return source == "synthetic-text";  // data.format applies to files only
    return format == "text" || format == "text-jsonl";
}

std::string stageDataProblem(const DataConfig& data, const ObjectiveSpec& objective) {
    for (const ObjectiveTerm& t : objective.terms) {
        const bool lm = t.kind == ObjectiveKind::Lm;
        if (lm && !data.textSource())
            return "'lm' (next-token training on documents) needs a text source: data.source: "
                   "synthetic-text, or data.format: text or text-jsonl";
        if (!lm && data.textSource())
            return std::string("'") + objectiveKindName(t.kind) +
                   "' trains on pairs, but the data is text documents (" +
                   (data.source == "synthetic-text" ? "data.source: synthetic-text"
                                                    : "data.format: " + data.format) +
                   "), on which only 'lm' trains";
    }
    return {};
}

uint64_t RunConfig::dataSeed() const {
    return data_seed >= 0 ? static_cast<uint64_t>(data_seed) : seed;
}

double RunConfig::beta() const {
    double beta = 0.0;
    for (const StageConfig& s : stages) {
        if (auto b = s.beta())
            beta = *b;
    }
    return beta;
}

}  // namespace rgpb
