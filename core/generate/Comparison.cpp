#include "core/generate/Comparison.h"

#include <torch/torch.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <set>
#include <sstream>

#include "core/data/SyntheticTask.h"
#include "core/generate/Generator.h"
#include "core/run/RunStore.h"
#include "core/train/Evaluation.h"
#include "core/train/ModelSource.h"
#include "core/train/TrainingData.h"
#include "core/util/Error.h"
#include "core/util/SafeFile.h"

namespace fs = std::filesystem;

namespace rgpb {

namespace {

std::string absoluteDir(const std::string& dir) {
    fs::path p = fs::absolute(fs::path(dir)).lexically_normal();
    if (p.filename().empty())
        p = p.parent_path();
    return p.string();
}

// "step-00000200" or "step-200" -> 200; -1 when `name` is not of that form.
int64_t stepOf(const std::string& name) {
    if (name.rfind("step-", 0) != 0 || name.size() == 5 || name.size() > 5 + 18)
        return -1;
    for (std::size_t i = 5; i < name.size(); ++i) {
        if (name[i] < '0' || name[i] > '9')
            return -1;
    }
    return std::stoll(name.substr(5));
}

// "final" for a run folder's newest checkpoint; "step-N" when a step was asked for or the path
// given is itself a checkpoint folder.
std::string checkpointLabel(const std::string& given_path, const std::string& which) {
    if (which != "final")
        return "step-" + std::to_string(stepOf(which));
    const fs::path p = fs::path(absoluteDir(given_path));
    if (fs::exists(p / "state.json") && stepOf(p.filename().string()) >= 0)
        return "step-" + std::to_string(stepOf(p.filename().string()));
    return "final";
}

torch::Device deviceFor(const std::string& name) {
    torch::Device device(name);
    if (device.is_cuda() && !torch::cuda::is_available())
        throw Error("device '" + name + "' requested but CUDA is not available");
    return device;
}

std::vector<PromptEntry> takeFirst(std::vector<PromptEntry> all, int64_t count) {
    if (static_cast<int64_t>(all.size()) > count)
        all.resize(static_cast<std::size_t>(count));
    return all;
}

// The synthetic task's answer when `prompt` is one of its prompts.
std::string syntheticReference(const PairText& pair) {
    if (!pair.reference.empty())
        return pair.reference;
    return syntheticAnswer(pair.prompt_pos).value_or("");
}

std::vector<ComparisonItem> unansweredItems(const std::vector<PromptEntry>& prompts) {
    std::vector<ComparisonItem> items(prompts.size());
    for (std::size_t i = 0; i < prompts.size(); ++i) {
        items[i].index = static_cast<int64_t>(i);
        items[i].prompt = prompts[i].prompt;
        if (!prompts[i].reference.empty())
            items[i].reference = prompts[i].reference;
    }
    return items;
}

// Model `m` (0 = A, 1 = B): loads the checkpoint and fills its side of every item.
void generateSide(ComparisonSet& set, int m, const std::string& run_path, const std::string& which,
                  const std::vector<std::string>& texts, const GenerationSettings& settings,
                  const torch::Device& device,
                  const std::function<void(const ComparisonProgress&)>& progress,
                  const std::atomic<bool>* cancel) {
    LoadedRun run = loadRun(checkpointPath(run_path, which), device);
    set.models[m].run = absoluteDir(run.run_dir);
    set.models[m].name = fs::path(set.models[m].run).filename().string();
    set.models[m].checkpoint = checkpointLabel(run_path, which);
    Generator generator(run.model, run.tokenizer->specials(), device);
    GenerationHooks hooks;
    hooks.cancel = cancel;
    if (progress) {
        hooks.progress = [&](const GenerationProgress& g) { progress({m, g}); };
    }
    auto out = generator.generateText(*run.tokenizer, texts, run.config.data.max_prompt_length,
                                      settings, hooks);
    for (std::size_t i = 0; i < out.size(); ++i) {
        set.items[i].responses[m] = out[i].response;
        set.items[i].new_tokens[m] = out[i].new_tokens;
    }
}

nlohmann::ordered_json comparisonJson(const ComparisonSet& set,
                                      const GenerationSettings& generation) {
    nlohmann::ordered_json meta;
    meta["version"] = 1;
    meta["models"] = nlohmann::ordered_json::array();
    for (const ComparisonModel& m : set.models) {
        nlohmann::ordered_json j;
        j["name"] = m.name;
        j["run"] = m.run;
        j["checkpoint"] = m.checkpoint;
        meta["models"].push_back(j);
    }
    nlohmann::ordered_json g;
    g["max_new_tokens"] = generation.max_new_tokens;
    g["temperature"] = generation.temperature;
    g["top_k"] = generation.top_k;
    g["top_p"] = generation.top_p;
    g["seed"] = generation.seed;
    meta["generation"] = g;
    meta["prompt_source"] = set.prompt_source;
    meta["created"] = set.created;
    return meta;
}

std::string itemsJsonl(const ComparisonSet& set) {
    std::ostringstream items;
    for (const ComparisonItem& it : set.items) {
        nlohmann::ordered_json j;
        j["index"] = it.index;
        j["prompt"] = it.prompt;
        j["responses"] = {it.responses[0], it.responses[1]};
        j["new_tokens"] = {it.new_tokens[0], it.new_tokens[1]};
        if (it.reference)
            j["reference"] = *it.reference;
        else
            j["reference"] = nullptr;
        // Generated bytes need not be valid UTF-8 (a byte model can stop inside a character):
        // replace invalid sequences instead of failing the whole set.
        items << j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
    }
    return items.str();
}

}  // namespace

std::string checkpointPath(const std::string& path, const std::string& which) {
    if (which == "final")
        return path;
    const int64_t step = stepOf(which);
    if (step < 0)
        throw ArgumentError("checkpoint", "checkpoint", "'final' or 'step-N'", "'" + which + "'");
    const fs::path root = fs::path(path) / "checkpoints";
    std::error_code ec;
    if (!fs::is_directory(root, ec))
        throw InputError(path, "not a run folder with checkpoints/ (asked for " + which + ")");
    std::vector<std::string> names;
    std::string found;
    for (const auto& e : fs::directory_iterator(root)) {
        const std::string n = e.path().filename().string();
        if (!e.is_directory() || stepOf(n) < 0 || !fs::exists(e.path() / "state.json"))
            continue;
        names.push_back("step-" + std::to_string(stepOf(n)));
        if (stepOf(n) == step)
            found = e.path().string();
    }
    if (found.empty()) {
        std::sort(names.begin(), names.end());
        std::string list;
        for (const auto& n : names)
            list += (list.empty() ? "" : ", ") + n;
        throw InputError(path, "no checkpoint " + which + " (available: " +
                                   (list.empty() ? std::string("none") : list) + ")");
    }
    return found;
}

namespace {

// The first `count` distinct prompts of `pairs`, in order, each with its reference answer (the
// synthetic task's known answer when `synthetic`, else the pair's own reference, if any).
std::vector<PromptEntry> distinctPrompts(const std::vector<PairText>& pairs, int64_t count,
                                         bool synthetic) {
    std::vector<PromptEntry> out;
    std::set<std::string> seen;
    for (const PairText& p : pairs) {
        if (static_cast<int64_t>(out.size()) >= count)
            break;
        if (!seen.insert(p.prompt_pos).second)
            continue;
        PromptEntry e;
        e.prompt = p.prompt_pos;
        e.reference = synthetic ? syntheticReference(p) : p.reference;
        e.line = static_cast<int64_t>(out.size()) + 1;
        out.push_back(std::move(e));
    }
    return out;
}

}  // namespace

std::vector<PromptEntry> comparisonPrompts(const ComparisonRequest& r, std::string* description) {
    requireArgument(r.count > 0, "comparison", "count", "> 0", r.count);
    std::vector<PromptEntry> out;
    std::string what;
    if (r.prompts == ComparisonPrompts::File) {
        out = takeFirst(readPromptFile(r.prompts_file), r.count);
        what = "file " + r.prompts_file;
    } else if (r.prompts == ComparisonPrompts::EvalSplit) {
        const std::string run_dir = resolveRunCheckpoint(r.run_a).run_dir;
        const RunConfig config = loadRunConfig((fs::path(run_dir) / "config.yaml").string());
        const bool synthetic = config.data.source == "synthetic";
        out =
            distinctPrompts(loadPairTexts(config.data, config.dataSeed()).eval, r.count, synthetic);
        what = "eval split of " + absoluteDir(run_dir) + " (data " + config.data.source + ")";
    } else {
        SyntheticTaskOptions o;
        o.regime = SyntheticRegime::ResponseContrast;
        o.count = static_cast<std::size_t>(r.count) * 2 + 16;  // room for duplicates
        o.seed = r.generation.seed;
        out = distinctPrompts(generateSyntheticPairs(o), r.count, true);
        what = "synthetic task (response-contrast, seed " + std::to_string(r.generation.seed) + ")";
    }
    if (out.empty())
        throw InputError(what, "no prompts to compare");
    if (description != nullptr)
        *description = what + ", first " + std::to_string(out.size()) + " prompts";
    return out;
}

ComparisonSet runComparison(const ComparisonRequest& r,
                            const std::function<void(const ComparisonProgress&)>& progress,
                            const std::atomic<bool>* cancel) {
    r.generation.validate();
    requireArgument(!r.out_dir.empty(), "comparison", "out_dir", "a folder", "nothing");
    ComparisonSet set;
    const std::vector<PromptEntry> prompts = comparisonPrompts(r, &set.prompt_source);
    std::vector<std::string> texts;
    for (const PromptEntry& p : prompts)
        texts.push_back(p.prompt);
    set.items = unansweredItems(prompts);

    const torch::Device device = deviceFor(r.device);
    const std::string runs[2] = {r.run_a, r.run_b};
    const std::string which[2] = {r.checkpoint_a, r.checkpoint_b};
    for (int m = 0; m < 2; ++m) {
        if (cancel != nullptr && cancel->load())
            throw CancelledError();
        generateSide(set, m, runs[m], which[m], texts, r.generation, device, progress, cancel);
    }
    set.created = isoTimeNow();

    const std::string items = itemsJsonl(set);
    const std::string meta = comparisonJson(set, r.generation)
                                 .dump(2, ' ', false, nlohmann::json::error_handler_t::replace) +
                             "\n";
    fs::create_directories(r.out_dir);
    writeFileAtomic((fs::path(r.out_dir) / "items.jsonl").string(), items);
    writeFileAtomic((fs::path(r.out_dir) / "comparison.json").string(), meta);
    return set;
}

}  // namespace rgpb
