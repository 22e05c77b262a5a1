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
        if (t.kind != ObjectiveKind::Mle)
            return t.beta;
    }
    return std::nullopt;
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
