#include "core/train/ModelSource.h"

#include <filesystem>

#include "core/tokenizer/TokenizerFactory.h"
#include "core/util/Error.h"

namespace fs = std::filesystem;

namespace rgpb {
namespace {

std::string quoted(const std::string& path) {
    return "'" + path + "'";
}

bool isFile(const fs::path& p) {
    std::error_code ec;
    return fs::is_regular_file(p, ec);
}

bool isRunFolder(const fs::path& dir) {
    return isFile(dir / "config.yaml");
}

const char* kThreeKinds =
    "expected a Hugging Face model folder (config.json), a run folder (config.yaml) or a "
    "checkpoint folder of a run (model.safetensors + state.json)";

}  // namespace

std::string latestCheckpoint(const std::string& run_dir) {
    fs::path root = fs::path(run_dir) / "checkpoints";
    std::error_code ec;
    if (!fs::is_directory(root, ec))
        return {};
    std::string best;
    for (const auto& e : fs::directory_iterator(root, ec)) {
        std::string n = e.path().filename().string();
        if (e.is_directory() && n.rfind("step-", 0) == 0 && n.find('.') == std::string::npos &&
            isFile(e.path() / "state.json") && e.path().string() > best) {
            best = e.path().string();
        }
    }
    return best;
}

bool isCheckpointFolder(const std::string& dir) {
    return isFile(fs::path(dir) / "model.safetensors") && isFile(fs::path(dir) / "state.json");
}

namespace {

// The one reading of "RUN_DIR or CHECKPOINT": fills `r`, or returns what is wrong with `path`
// ("not a run folder ...", without the path, which the callers put first).
std::string findRunCheckpoint(const std::string& path, RunCheckpoint& r) {
    // "runs/x/" names the same folder as "runs/x": the run of a checkpoint is found upwards.
    fs::path p = fs::path(path).lexically_normal();
    if (p.filename().empty())
        p = p.parent_path();
    if (isCheckpointFolder(p.string())) {
        r.checkpoint = p.string();
        r.run_dir = p.parent_path().parent_path().string();
        if (!isRunFolder(r.run_dir))
            return "a checkpoint folder outside a run folder (expected it at "
                   "<run>/checkpoints/<step>/ beside <run>/config.yaml; there is no " +
                   (fs::path(r.run_dir) / "config.yaml").string() + ")";
        return {};
    }
    if (isRunFolder(p)) {
        r.run_dir = p.string();
        r.checkpoint = latestCheckpoint(r.run_dir);
        if (r.checkpoint.empty())
            return "a run folder without a complete checkpoint (expected " +
                   (p / "checkpoints").string() +
                   "/step-N/ with state.json; a run writes one at checkpoint.every and at its end)";
        return {};
    }
    return "not a run folder (config.yaml) or a checkpoint folder (model.safetensors + "
           "state.json)";
}

}  // namespace

RunCheckpoint resolveRunCheckpoint(const std::string& path) {
    RunCheckpoint r;
    if (const std::string problem = findRunCheckpoint(path, r); !problem.empty())
        throw InputError(path, problem);
    return r;
}

std::string ModelSource::configYaml() const {
    return (fs::path(run.run_dir) / "config.yaml").string();
}

std::string ModelSource::weightsFile() const {
    return (fs::path(run.checkpoint) / "model.safetensors").string();
}

std::string ModelSource::tokenizerDir() const {
    return kind == ModelSourceKind::HuggingFace ? path
                                                : (fs::path(run.run_dir) / "tokenizer").string();
}

namespace {

// Fills `s` from `from`, or returns what is wrong (a sentence starting with 'from').
std::string classifyModelSource(const std::string& from, ModelSource& s) {
    std::error_code ec;
    s.path = from;
    const fs::path dir = fs::absolute(from, ec);
    if (from.empty() || !fs::is_directory(dir, ec))
        return quoted(from) + " is not a folder (" + kThreeKinds + ")";
    if (isFile(dir / "config.json")) {
        s.kind = ModelSourceKind::HuggingFace;
        return {};
    }
    if (!isRunFolder(dir) && !isCheckpointFolder(dir.string()))
        return quoted(from) + " has no config.json (" + kThreeKinds + ")";
    s.kind = isRunFolder(dir) ? ModelSourceKind::Run : ModelSourceKind::Checkpoint;
    if (const std::string problem = findRunCheckpoint(dir.string(), s.run); !problem.empty())
        return quoted(from) + " is " + problem;
    return {};
}

}  // namespace

ModelSource resolveModelSource(const std::string& from) {
    ModelSource s;
    if (const std::string problem = classifyModelSource(from, s); !problem.empty())
        throw InputError("model.from", problem);
    return s;
}

std::string modelSourceProblem(const std::string& from) {
    ModelSource s;
    return classifyModelSource(from, s);
}

std::string modelSourceFilesProblem(const std::string& from) {
    ModelSource s;
    if (const std::string problem = classifyModelSource(from, s); !problem.empty())
        return problem;
    std::error_code ec;
    if (s.kind == ModelSourceKind::HuggingFace) {
        const fs::path dir = fs::absolute(from, ec);
        if (!fs::exists(dir / "model.safetensors", ec) &&
            !fs::exists(dir / "model.safetensors.index.json", ec))
            return quoted(from) +
                   " has no model.safetensors or model.safetensors.index.json (expected a "
                   "Hugging Face model folder with safetensors weights)";
        const bool tokenizer =
            fs::exists(dir / "tokenizer.json", ec) || fs::exists(dir / "spiece.model", ec) ||
            (fs::exists(dir / "vocab.json", ec) && fs::exists(dir / "merges.txt", ec));
        if (!tokenizer)
            return quoted(from) +
                   " has no tokenizer.json (or spiece.model, or vocab.json + merges.txt): "
                   "model.from brings its tokenizer";
        return {};
    }
    const fs::path descriptor = fs::path(s.tokenizerDir()) / kTokenizerDescriptorFile;
    if (!isFile(descriptor))
        return quoted(from) + " is part of a run whose tokenizer is missing (expected " +
               descriptor.string() + ")";
    return {};
}

std::unique_ptr<Tokenizer> loadSourceTokenizer(const ModelSource& source) {
    return source.kind == ModelSourceKind::HuggingFace ? loadTokenizerFrom(source.path)
                                                       : loadTokenizer(source.tokenizerDir());
}

}  // namespace rgpb
