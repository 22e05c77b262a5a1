#include "core/study/StudySpec.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "core/config/SweepGrid.h"
#include "core/config/YamlSection.h"
#include "core/run/RunStore.h"
#include "core/train/ModelSource.h"
#include "core/util/Error.h"

namespace fs = std::filesystem;

namespace rgpb {

const char* infoRegimeName(InfoRegime regime) {
    return regime == InfoRegime::Low ? "low" : "high";
}

const std::vector<std::string>& paperRecipes() {
    static const std::vector<std::string> recipes{
        "mle", "dpo", "ul", "exmate", "mle -> dpo", "exmate -> dpo", "mle -> exmate"};
    return recipes;
}

const std::vector<double>& paperBetas() {
    static const std::vector<double> betas{0.05, 0.1, 0.5, 1.0, 5.0};
    return betas;
}

std::vector<std::string> recipeMethods(const std::string& recipe) {
    std::vector<std::string> out;
    std::size_t at = 0;
    while (true) {
        const std::size_t arrow = recipe.find("->", at);
        std::string part =
            recipe.substr(at, arrow == std::string::npos ? std::string::npos : arrow - at);
        const auto b = part.find_first_not_of(" \t");
        const auto e = part.find_last_not_of(" \t");
        out.push_back(b == std::string::npos ? "" : part.substr(b, e - b + 1));
        if (arrow == std::string::npos)
            return out;
        at = arrow + 2;
    }
}

std::string contentHash(const std::string& bytes) {
    uint64_t h = 14695981039346656037ull;
    for (unsigned char c : bytes) {
        h ^= c;
        h *= 1099511628211ull;
    }
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
    return buf;
}

std::string fileContentHash(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw InputError(path, "cannot read the file to hash it (missing or unreadable)");
    uint64_t h = 14695981039346656037ull;
    std::vector<char> buf(1 << 16);
    while (in) {
        in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
        for (std::streamsize i = 0; i < in.gcount(); ++i) {
            h ^= static_cast<unsigned char>(buf[static_cast<std::size_t>(i)]);
            h *= 1099511628211ull;
        }
    }
    char out[17];
    std::snprintf(out, sizeof out, "%016llx", static_cast<unsigned long long>(h));
    return out;
}

namespace {

bool isGeneratedSource(const std::string& source) {
    return source == "synthetic" || source == "synthetic-text";
}

// A relative file path of the study file is taken from the study file's folder.
std::string fromStudyFolder(const std::string& path, const std::string& study_source) {
    if (path.empty() || isGeneratedSource(path) || fs::path(path).is_absolute())
        return path;
    const fs::path folder = fs::absolute(fs::path(study_source)).parent_path();
    return (folder / path).lexically_normal().string();
}

// A list of numbers at `key` (a single number is a list of one), each checked by `check`
// (empty = fine, else what is allowed).
template <typename T, typename Check>
std::vector<T> readList(YamlSection& s, const std::string& key, std::vector<T> fallback,
                        const char* what, Check check) {
    YAML::Node n = s.raw(key);
    if (!n || n.IsNull())
        return fallback;
    std::vector<YAML::Node> items;
    if (n.IsScalar()) {
        items.push_back(n);
    } else if (n.IsSequence() && n.size() > 0) {
        for (const auto& item : n)
            items.push_back(item);
    } else {
        s.failKey(key, n, std::string("expected a non-empty list of ") + what);
    }
    std::vector<T> out;
    for (const YAML::Node& item : items) {
        T v{};
        try {
            if (!item.IsScalar())
                throw YAML::Exception(item.Mark(), "not a scalar");
            v = item.as<T>();
        } catch (const YAML::Exception&) {
            s.failKey(key, item, std::string("expected ") + what);
        }
        if (const std::string problem = check(v); !problem.empty())
            s.failKey(key, item, "expected " + std::string(what) + " (" + problem + ")");
        if (std::find(out.begin(), out.end(), v) != out.end())
            s.failKey(key, item, "duplicate value " + item.Scalar());
        out.push_back(v);
    }
    return out;
}

// A `data` mapping of the study file, read as a run config's data section (same keys, same
// checks, positions in the study file); relative file paths from the study file's folder.
DataConfig readData(YamlSection& parent, const std::string& key) {
    YAML::Node wrapper(YAML::NodeType::Map);
    wrapper["data"] = parent.raw(key);
    DataConfig data = parseRunConfigNode(wrapper, parent.source(), parent.path(), false).data;
    data.source = fromStudyFolder(data.source, parent.source());
    return data;
}

std::string methodName(YamlSection& s, const std::string& key, const YAML::Node& at,
                       const std::string& name) {
    static const std::set<std::string> methods{"mle", "sft", "dpo", "ul", "unlikelihood", "exmate"};
    if (!methods.count(name))
        s.failKey(key, at, "unknown method '" + name + "'; expected mle, dpo, ul or exmate");
    return objectiveKindName(parseObjectiveKind(name));
}

std::vector<std::string> readRecipes(YamlSection& s) {
    YAML::Node n = s.raw("recipes");
    if (!n || n.IsNull())
        return paperRecipes();
    if (!n.IsSequence() || n.size() == 0)
        s.failKey("recipes", n, "expected a non-empty list of recipes like \"mle -> dpo\"");
    std::vector<std::string> out;
    for (const auto& item : n) {
        if (!item.IsScalar())
            s.failKey("recipes", item, "expected a recipe like \"mle -> dpo\"");
        std::string recipe;
        for (const std::string& m : recipeMethods(item.Scalar()))
            recipe += (recipe.empty() ? "" : " -> ") + methodName(s, "recipes", item, m);
        if (std::find(out.begin(), out.end(), recipe) != out.end())
            s.failKey("recipes", item, "duplicate recipe '" + recipe + "'");
        out.push_back(recipe);
    }
    return out;
}

StudyBase readBase(YamlSection& top) {
    YamlSection b = top.child("base");
    if (!top.has("base"))
        top.fail(top.node(), "missing key 'base': {from: <model folder>} or {pretrain: {...}}");
    StudyBase base;
    const bool from = b.has("from"), pretrain = b.has("pretrain");
    if (from == pretrain)
        b.fail(b.node(), "expected exactly one of 'from' (a model to start from) or 'pretrain'");
    if (from) {
        base.from = fromStudyFolder(b.text("from", ""), top.source());
        // A Hugging Face folder, a run folder or a checkpoint: what model.from accepts.
        if (const std::string problem = modelSourceProblem(base.from); !problem.empty())
            b.failKey("from", b.raw("from"), problem);
    } else {
        YamlSection p = b.child("pretrain");
        base.text = readData(p, "data");
        base.steps = p.integer("steps", 0, 1, 100000000);
        if (base.steps == 0)
            p.failKey("steps", p.node(), "missing: the pretraining's optimizer steps");
        base.lr = p.number("lr", base.lr, 0.0, 10.0, true);
        base.seed = static_cast<uint64_t>(p.integer("seed", 1, 0, 1000000000));
        p.finish();
    }
    b.finish();
    return base;
}

StudyTask readTask(const YAML::Node& node, std::size_t index, const std::string& source) {
    YamlSection t(node, "tasks." + std::to_string(index), source);
    StudyTask task;
    task.name = t.text("name", "");
    if (task.name.empty() || task.name != runNameSlug(task.name))
        t.failKey("name", t.has("name") ? t.raw("name") : node,
                  "expected a name of letters, digits, '.', '_', '+' and '-' (a folder name)");
    if (!t.has("data"))
        t.failKey("data", node, "missing: the task's data (a run config's data section)");
    task.data = readData(t, "data");
    const bool low =
        task.data.source == "synthetic" && task.data.synthetic_regime == "context-contrast";
    task.regime = t.choice("regime", low ? "low" : "high", {"low", "high"}) == "low"
                      ? InfoRegime::Low
                      : InfoRegime::High;
    task.optional = t.boolean("optional", false);
    if (!isGeneratedSource(task.data.source) && !task.optional && !fs::exists(task.data.source)) {
        YamlSection d = t.child("data");
        d.failKey("source", d.raw("source"),
                  "'" + task.data.source +
                      "' does not exist (mark the task optional: true to "
                      "skip it when absent)");
    }
    t.finish();
    return task;
}

void readLr(YamlSection& top, StudySpec& spec) {
    YamlSection l = top.child("lr");
    YamlSection g = l.child("grid");
    if (g.node() && g.node().IsMap()) {
        for (auto it = g.node().begin(); it != g.node().end(); ++it) {
            const std::string key = it->first.Scalar();
            const std::string method = methodName(g, key, it->first, key);
            spec.lr.grid[method] =
                readList<double>(g, key, {}, "learning rates > 0 and <= 10",
                                 [](double v) { return v > 0 && v <= 10 ? "" : "out of range"; });
        }
    }
    g.finish();
    spec.lr.select_by =
        l.choice("select_by", spec.lr.select_by, {"agility", "perplexity", "pos_prob"});
    spec.lr.validation_pairs = l.integer("validation_pairs", spec.lr.validation_pairs, 1, 1000000);
    spec.lr.seed = static_cast<uint64_t>(l.integer("seed", 1, 0, 1000000000));
    l.finish();
}

// Keys of the run section that the study sets itself, and where to give them instead.
void rejectStudyOwnedKeys(YamlSection& top) {
    YAML::Node run = top.raw("run");
    if (!run || !run.IsMap())
        return;
    const std::vector<std::pair<std::string, std::string>> owned{{"data", "each task's data"},
                                                                 {"seed", "seeds"},
                                                                 {"data_seed", "data_seed"},
                                                                 {"name", "name"}};
    for (const auto& [key, instead] : owned) {
        if (run[key])
            throw InputError(yamlLocation(top.source(), run[key].Mark()),
                             "run." + key + ": set by the study; give it as " + instead);
    }
    if (run["model"] && run["model"].IsMap() && run["model"]["from"])
        throw InputError(yamlLocation(top.source(), run["model"]["from"].Mark()),
                         "run.model.from: set by the study; give it as base.from");
}

// The first comment block of the file, without its '#' marks.
std::string leadingComment(const std::string& text) {
    std::istringstream in(text);
    std::string out;
    for (std::string line; std::getline(in, line);) {
        const auto b = line.find_first_not_of(" \t");
        if (b == std::string::npos || line[b] != '#')
            break;
        std::string body = line.substr(b + 1);
        if (!body.empty() && body[0] == ' ')
            body.erase(0, 1);
        out += (out.empty() ? "" : "\n") + body;
    }
    return out;
}

StudySpec parseRoot(const YAML::Node& root, const std::string& source, const std::string& text) {
    YamlSection top(root, "", source);
    StudySpec spec;
    spec.name = top.text("name", "");
    if (spec.name.empty() || spec.name != runNameSlug(spec.name) || spec.name[0] == '.')
        top.failKey("name", top.has("name") ? top.raw("name") : root,
                    "expected the study's folder name (letters, digits, '.', '_', '+', '-')");
    spec.description = top.text("description", leadingComment(text));
    spec.quick = top.boolean("quick", false);
    rejectStudyOwnedKeys(top);
    spec.run = parseRunConfigNode(top.raw("run"), source, "run", false);
    spec.base = readBase(top);
    YAML::Node tasks = top.raw("tasks");
    if (!tasks || !tasks.IsSequence() || tasks.size() == 0)
        top.failKey("tasks", tasks ? tasks : root, "expected a non-empty list of tasks");
    std::set<std::string> names;
    for (std::size_t i = 0; i < tasks.size(); ++i) {
        spec.tasks.push_back(readTask(tasks[i], i, source));
        if (!names.insert(spec.tasks.back().name).second)
            top.failKey("tasks", tasks[i]["name"],
                        "duplicate task name '" + spec.tasks.back().name + "'");
    }
    spec.recipes = readRecipes(top);
    spec.betas = readList<double>(top, "betas", paperBetas(), "numbers > 0",
                                  [](double v) { return v > 0 && v < 1e6 ? "" : "out of range"; });
    spec.seeds =
        readList<uint64_t>(top, "seeds", {}, "whole numbers >= 0", [](uint64_t) { return ""; });
    if (spec.seeds.size() < 3)
        top.failKey("seeds", top.has("seeds") ? top.raw("seeds") : root,
                    "expected at least 3 training seeds (intervals over seeds need them), got " +
                        std::to_string(spec.seeds.size()));
    spec.data_seed = top.integer("data_seed", spec.data_seed, 0, 1000000000);
    spec.steps = top.integer("steps", spec.steps, 1, 100000000);
    readLr(top, spec);
    top.finish();
    return spec;
}

}  // namespace

StudySpec parseStudySpec(const std::string& yaml_text, const std::string& source) {
    YAML::Node root;
    try {
        root = YAML::Load(yaml_text);
    } catch (const YAML::ParserException& e) {
        throw InputError(yamlLocation(source, e.mark), "YAML syntax error: " + e.msg);
    }
    if (!root || root.IsNull())
        throw InputError(source, "the file is empty: expected a study (name, base, tasks, ...)");
    if (!root.IsMap())
        throw InputError(yamlLocation(source, root.Mark()), "expected a mapping of keys");
    StudySpec spec;
    try {
        spec = parseRoot(root, source, yaml_text);
    } catch (const YAML::Exception& e) {
        throw InputError(yamlLocation(source, e.mark), e.msg);
    }
    spec.source = fs::absolute(fs::path(source)).lexically_normal().string();
    spec.source_hash = contentHash(yaml_text);
    return spec;
}

StudySpec loadStudySpec(const std::string& path) {
    return parseStudySpec(readFile(path), path);
}

}  // namespace rgpb
