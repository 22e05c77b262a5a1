#include "core/config/InputPaths.h"

#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <sstream>

#include "core/train/ModelSource.h"
#include "core/util/Error.h"

namespace fs = std::filesystem;

namespace rgpb {
namespace {

std::string quoted(const std::string& path) {
    return "'" + path + "'";
}

std::string dataSourceProblem(const std::string& source) {
    if (source == "synthetic" || source == "synthetic-text")
        return {};
    std::error_code ec;
    if (source.empty())
        return "empty (expected a data file, 'synthetic' or 'synthetic-text')";
    if (!fs::exists(source, ec))
        return quoted(source) +
               " does not exist (expected a data file, or 'synthetic' / 'synthetic-text' for the "
               "built-in task)";
    if (!fs::is_regular_file(source, ec))
        return quoted(source) + " is not a file (expected a data file)";
    return {};
}

}  // namespace

const std::vector<std::string>& inputPathKeys() {
    static const std::vector<std::string> keys{"data.source", "model.from"};
    return keys;
}

std::vector<InputPathProblem> inputPathProblems(const RunConfig& c) {
    std::vector<InputPathProblem> out;
    if (std::string p = dataSourceProblem(c.data.source); !p.empty())
        out.push_back({"data.source", c.data.source, p});
    if (!c.model.from.empty()) {
        if (std::string p = modelSourceFilesProblem(c.model.from); !p.empty())
            out.push_back({"model.from", c.model.from, p});
    }
    return out;
}

void requireInputPaths(const RunConfig& config, const std::string& source,
                       const std::string& yaml_text) {
    const std::vector<InputPathProblem> problems = inputPathProblems(config);
    if (problems.empty())
        return;
    const InputPathProblem& first = problems.front();
    const auto [line, column] = yamlKeyPosition(yaml_text, first.key);
    const std::string where =
        line > 0 ? source + ":" + std::to_string(line) + ":" + std::to_string(column) : source;
    throw InputError(where, first.key + ": " + first.problem);
}

std::pair<int, int> yamlKeyPosition(const std::string& yaml_text, const std::string& key) {
    try {
        YAML::Node node = YAML::Load(yaml_text);
        std::stringstream parts(key);
        for (std::string part; std::getline(parts, part, '.');) {
            if (!node || !node.IsMap())
                return {0, 0};
            const YAML::Node& map = node;
            YAML::Node next = map[part];
            if (!next)
                return {0, 0};
            node.reset(next);  // assignment would overwrite the node, reset() moves the handle
        }
        if (!node || node.Mark().line < 0)
            return {0, 0};
        return {node.Mark().line + 1, node.Mark().column + 1};
    } catch (const YAML::Exception&) {
        return {0, 0};
    }
}

}  // namespace rgpb
