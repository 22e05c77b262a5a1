#include "core/config/InputPaths.h"

#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <sstream>

#include "core/util/Error.h"

namespace fs = std::filesystem;

namespace rgpb {
namespace {

std::string quoted(const std::string& path) {
    return "'" + path + "'";
}

std::string dataSourceProblem(const std::string& source) {
    if (source == "synthetic")
        return {};
    std::error_code ec;
    if (source.empty())
        return "empty (expected a pair dataset file, or 'synthetic')";
    if (!fs::exists(source, ec))
        return quoted(source) +
               " does not exist (expected a pair dataset file, or 'synthetic' for the built-in "
               "task)";
    if (!fs::is_regular_file(source, ec))
        return quoted(source) + " is not a file (expected a pair dataset file)";
    return {};
}

// What a model folder holds besides config.json: weights and a tokenizer, as HfImport and
// loadTokenizerFrom() look for them.
std::string modelContentsProblem(const fs::path& dir, const std::string& shown) {
    std::error_code ec;
    if (!fs::exists(dir / "model.safetensors", ec) &&
        !fs::exists(dir / "model.safetensors.index.json", ec))
        return quoted(shown) +
               " has no model.safetensors or model.safetensors.index.json (expected a Hugging "
               "Face model folder with safetensors weights)";
    const bool tokenizer =
        fs::exists(dir / "tokenizer.json", ec) ||
        (fs::exists(dir / "vocab.json", ec) && fs::exists(dir / "merges.txt", ec));
    if (!tokenizer)
        return quoted(shown) +
               " has no tokenizer.json (or vocab.json + merges.txt): model.from brings its "
               "tokenizer";
    return {};
}

}  // namespace

const std::vector<std::string>& inputPathKeys() {
    static const std::vector<std::string> keys{"data.source", "model.from"};
    return keys;
}

std::string modelFolderProblem(const std::string& dir) {
    std::error_code ec;
    if (dir.empty() || !fs::is_directory(fs::absolute(dir, ec), ec))
        return quoted(dir) + " is not a folder (expected a Hugging Face model folder)";
    if (!fs::exists(fs::absolute(dir, ec) / "config.json", ec))
        return quoted(dir) + " has no config.json (expected a Hugging Face model folder)";
    return {};
}

std::vector<InputPathProblem> inputPathProblems(const RunConfig& c) {
    std::vector<InputPathProblem> out;
    if (std::string p = dataSourceProblem(c.data.source); !p.empty())
        out.push_back({"data.source", c.data.source, p});
    if (!c.model.from.empty()) {
        std::string p = modelFolderProblem(c.model.from);
        if (p.empty()) {
            std::error_code ec;
            p = modelContentsProblem(fs::absolute(c.model.from, ec), c.model.from);
        }
        if (!p.empty())
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
