#include "core/train/Checkpoint.h"

#include <spdlog/spdlog.h>
#include <torch/torch.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <filesystem>

#include "core/model/Safetensors.h"
#include "core/run/RunStore.h"
#include "core/train/CheckpointManifest.h"
#include "core/util/Error.h"
#include "core/util/JsonFile.h"
#include "core/util/Log.h"
#include "core/util/SafeFile.h"

namespace fs = std::filesystem;

namespace rgpb {

std::string saveCheckpoint(const std::string& run_dir, const LanguageModel& model,
                           torch::optim::Optimizer& optimizer, const ReferenceCache& reference,
                           const TrainState& s, int64_t keep_last) {
    fs::path root = fs::path(run_dir) / "checkpoints";
    char name[32];
    std::snprintf(name, sizeof name, "step-%08lld", static_cast<long long>(s.step));
    fs::path final_dir = root / name;
    fs::path tmp = root / (std::string(name) + ".partial");
    fs::remove_all(tmp);
    fs::create_directories(tmp);
    try {
        saveModelWeights(model, (tmp / "model.safetensors").string());
        torch::save(optimizer, (tmp / "optimizer.pt").string());
        if (reference.defined()) {
            saveSafetensors(
                (tmp / "reference.safetensors").string(),
                {{"eval", reference.eval.contiguous()}, {"train", reference.train.contiguous()}});
        }
        nlohmann::ordered_json j;
        j["step"] = s.step;
        j["stage"] = s.stage;
        j["stage_step"] = s.stage_step;
        j["data_epoch"] = s.data_epoch;
        j["data_cursor"] = s.data_cursor;
        j["tokens"] = s.tokens;
        j["wall_time_s"] = s.wall_time_s;
        j["train_pairs"] = s.train_pairs;
        j["eval_pairs"] = s.eval_pairs;
        if (s.pending != PendingWork::None)
            j["pending"] = s.pending == PendingWork::Evaluation ? "evaluation" : "samples";
        writeFileAtomic((tmp / "state.json").string(), j.dump(2) + "\n");
        writeCheckpointManifest(tmp.string());  // the checksums of everything above, last
    } catch (...) {
        // A full disk or a failed write: no half checkpoint stays behind, holding the space.
        std::error_code ec;
        fs::remove_all(tmp, ec);
        throw;
    }

    // Replace an existing folder of the same step without a moment with no complete checkpoint:
    // move it aside, move the new one in, then delete the old one.
    fs::path old = root / (std::string(name) + ".old");
    fs::remove_all(old);
    if (fs::exists(final_dir))
        fs::rename(final_dir, old);
    fs::rename(tmp, final_dir);
    fs::remove_all(old);

    // Keep the newest keep_last complete checkpoints.
    std::vector<fs::path> all;
    for (const auto& e : fs::directory_iterator(root)) {
        std::string n = e.path().filename().string();
        if (e.is_directory() && n.rfind("step-", 0) == 0 && n.find('.') == std::string::npos) {
            all.push_back(e.path());
        }
    }
    std::sort(all.begin(), all.end());
    for (std::size_t i = 0; i + static_cast<std::size_t>(keep_last) < all.size(); ++i) {
        fs::remove_all(all[i]);
    }
    return final_dir.string();
}

namespace {

// One checkpoint folder, verified against its manifest first (InputError naming the file and
// what differs); the model is left as it was when its weights do not fit.
TrainState loadOneCheckpoint(const fs::path& d, const LanguageModel& model,
                             torch::optim::Optimizer& optimizer, ReferenceCache& reference) {
    requireIntactCheckpoint(d.string());
    loadModelWeights(model, (d / "model.safetensors").string());
    std::string opt = (d / "optimizer.pt").string();
    if (!fs::exists(opt))
        throw InputError(opt, "missing optimizer state");
    try {
        torch::load(optimizer, opt);
    } catch (const c10::Error& e) {
        throw InputError(opt,
                         std::string("cannot read optimizer state: ") + e.what_without_backtrace());
    }
    reference = ReferenceCache{};
    if (fs::exists(d / "reference.safetensors")) {
        SafetensorsFile f = loadSafetensors((d / "reference.safetensors").string());
        for (auto& [name, t] : f.tensors) {
            if (name == "train")
                reference.train = t;
            if (name == "eval")
                reference.eval = t;
        }
    }
    std::string state_path = (d / "state.json").string();
    TrainState s;
    try {
        auto j = parseJson(readFile(state_path), state_path);
        s.step = j.at("step").get<int64_t>();
        s.stage = j.at("stage").get<int>();
        s.stage_step = j.at("stage_step").get<int64_t>();
        s.data_epoch = j.at("data_epoch").get<int64_t>();
        s.data_cursor = j.at("data_cursor").get<int64_t>();
        s.tokens = j.value("tokens", int64_t(0));
        s.wall_time_s = j.value("wall_time_s", 0.0);
        s.train_pairs = j.value("train_pairs", int64_t(-1));
        s.eval_pairs = j.value("eval_pairs", int64_t(-1));
        const std::string pending = j.value("pending", std::string());
        if (pending == "evaluation")
            s.pending = PendingWork::Evaluation;
        else if (pending == "samples")
            s.pending = PendingWork::Samples;
        else if (!pending.empty())
            throw InputError(state_path,
                             "key 'pending': expected \"evaluation\" or "
                             "\"samples\", got \"" +
                                 pending + "\"");
    } catch (const nlohmann::json::exception& e) {
        throw InputError(state_path, std::string("malformed checkpoint state: ") + e.what());
    }
    return s;
}

// `dir`, then the complete checkpoints older than it in the same checkpoints/ folder, newest
// first.
std::vector<fs::path> checkpointsFrom(const fs::path& dir) {
    std::vector<fs::path> older;
    std::error_code ec;
    const std::string name = dir.filename().string();
    for (const auto& e : fs::directory_iterator(dir.parent_path(), ec)) {
        const std::string n = e.path().filename().string();
        if (e.is_directory() && n.rfind("step-", 0) == 0 && n.find('.') == std::string::npos &&
            n < name && fs::exists(e.path() / "state.json"))
            older.push_back(e.path());
    }
    std::sort(older.rbegin(), older.rend());
    older.insert(older.begin(), dir);
    return older;
}

}  // namespace

TrainState loadCheckpoint(const std::string& dir, const LanguageModel& model,
                          torch::optim::Optimizer& optimizer, ReferenceCache& reference) {
    auto log = log::get("trainer");
    const fs::path newest = fs::path(dir).lexically_normal();
    std::vector<std::string> reasons;
    for (const fs::path& d : checkpointsFrom(newest)) {
        try {
            TrainState s = loadOneCheckpoint(d, model, optimizer, reference);
            if (!reasons.empty()) {
                log->warn(
                    "resuming from the older checkpoint {} (step {}): the newer one{} "
                    "damaged",
                    d.string(), s.step, reasons.size() == 1 ? " is" : "s are");
            }
            return s;
        } catch (const c10::Error& e) {
            reasons.push_back(d.string() + ": " + e.what_without_backtrace());
        } catch (const Error& e) {
            reasons.push_back(e.what());
        }
        log->warn("cannot resume from {}: {}", d.string(), reasons.back());
    }
    std::string all;
    for (const std::string& r : reasons)
        all += (all.empty() ? "" : " | ") + r;
    throw InputError(dir, reasons.size() == 1
                              ? "no intact checkpoint to resume from: " + all
                              : "no intact checkpoint to resume from (" +
                                    std::to_string(reasons.size()) + " tried): " + all);
}

}  // namespace rgpb
