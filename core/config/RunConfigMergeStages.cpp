// The stages of RunConfigMerge.cpp: one stage as a flow line, a stage of the old text read
// alone, and the alignment of old and new stages. Torch-free.
#include <yaml-cpp/yaml.h>

#include <algorithm>

#include "core/config/ConfigFields.h"
#include "core/config/RunConfigMergeDetail.h"

namespace rgpb::merge_detail {

// One stage as a one-line flow mapping, the keys with their defaults left out.
std::string stageFlow(const StageConfig& s) {
    const ObjectiveSpec& o = s.objective;
    const ObjectiveTerm& first = o.terms.front();
    YAML::Emitter e;
    e << YAML::Flow << YAML::BeginMap;
    if (s.name != o.describe())
        e << YAML::Key << "name" << YAML::Value << s.name;
    if (o.terms.size() == 1 && first.weight == 1.0) {
        e << YAML::Key << "method" << YAML::Value << objectiveKindName(first.kind);
    } else {
        e << YAML::Key << "method" << YAML::Value << YAML::Flow << YAML::BeginMap;
        for (const ObjectiveTerm& t : o.terms)
            e << YAML::Key << objectiveKindName(t.kind) << YAML::Value
              << shortestNumberText(t.weight);
        e << YAML::EndMap;
    }
    if (s.beta() || first.beta != 0.1)
        e << YAML::Key << "beta" << YAML::Value << shortestNumberText(first.beta);
    if (s.steps > 0 || s.epochs == 0)
        e << YAML::Key << "steps" << YAML::Value << s.steps;
    if (s.epochs > 0)
        e << YAML::Key << "epochs" << YAML::Value << shortestNumberText(s.epochs);
    if (s.lr)
        e << YAML::Key << "lr" << YAML::Value << shortestNumberText(*s.lr);
    const DpoOptions& d = first.dpo;
    if (d.label_smoothing != 0 || d.reference_free || d.ipo || s.on_the_fly_reference) {
        e << YAML::Key << "dpo" << YAML::Value << YAML::Flow << YAML::BeginMap;
        if (d.label_smoothing != 0)
            e << YAML::Key << "label_smoothing" << YAML::Value
              << shortestNumberText(d.label_smoothing);
        if (d.reference_free)
            e << YAML::Key << "reference_free" << YAML::Value << true;
        if (d.ipo)
            e << YAML::Key << "ipo" << YAML::Value << true;
        if (s.on_the_fly_reference)
            e << YAML::Key << "on_the_fly_reference" << YAML::Value << true;
        e << YAML::EndMap;
    }
    if (first.ul_max_prob != 1.0 - 1e-6)
        e << YAML::Key << "ul" << YAML::Value << YAML::Flow << YAML::BeginMap << YAML::Key
          << "max_prob" << YAML::Value << shortestNumberText(first.ul_max_prob) << YAML::EndMap;
    e << YAML::EndMap;
    return e.c_str();
}

// One stage of the previous text, read alone; nullopt when it does not read.
std::optional<StageConfig> readStage(const YAML::Node& node) {
    try {
        YAML::Emitter e;
        e << YAML::BeginMap << YAML::Key << "stages" << YAML::Value << YAML::BeginSeq << node
          << YAML::EndSeq << YAML::EndMap;
        return parseRunConfig(e.c_str(), "stage").stages.at(0);
    } catch (const std::exception&) {
        return std::nullopt;
    }
}

bool sameStage(const StageConfig& a, const StageConfig& b) {
    RunConfig x, y;
    x.stages = {a};
    y.stages = {b};
    return toYaml(x) == toYaml(y);
}

// Aligns the old stages with the new ones (longest common subsequence of unchanged stages), so a
// removed or inserted stage does not hand its neighbours' comments to the wrong stage; between
// two kept stages, old and new ones pair up in order as rewrites.
std::vector<StageEdit> alignStages(const std::vector<std::optional<StageConfig>>& before,
                                   const std::vector<StageConfig>& after) {
    const std::size_t n = before.size(), m = after.size();
    auto same = [&](std::size_t i, std::size_t j) {
        return before[i] && sameStage(*before[i], after[j]);
    };
    std::vector<std::vector<std::size_t>> lcs(n + 1, std::vector<std::size_t>(m + 1, 0));
    for (std::size_t i = n; i-- > 0;)
        for (std::size_t j = m; j-- > 0;)
            lcs[i][j] = same(i, j) ? lcs[i + 1][j + 1] + 1 : std::max(lcs[i + 1][j], lcs[i][j + 1]);
    std::vector<StageEdit> edits;
    std::vector<std::size_t> removed, added;  // since the last kept stage
    auto flush = [&] {
        std::size_t k = 0;
        for (; k < removed.size() && k < added.size(); ++k)
            edits.push_back({StageEdit::Replace, removed[k], added[k]});
        for (std::size_t r = k; r < removed.size(); ++r)
            edits.push_back({StageEdit::Remove, removed[r], 0});
        for (std::size_t a = k; a < added.size(); ++a)
            edits.push_back({StageEdit::Add, 0, added[a]});
        removed.clear();
        added.clear();
    };
    std::size_t i = 0, j = 0;
    while (i < n || j < m) {
        if (i < n && j < m && same(i, j) && lcs[i][j] == lcs[i + 1][j + 1] + 1) {
            flush();
            edits.push_back({StageEdit::Keep, i++, j++});
        } else if (j == m || (i < n && lcs[i + 1][j] >= lcs[i][j + 1])) {
            removed.push_back(i++);
        } else {
            added.push_back(j++);
        }
    }
    flush();
    return edits;
}

}  // namespace rgpb::merge_detail
