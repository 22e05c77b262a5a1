#include "core/train/HfRunExport.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <filesystem>

#include "core/model/HfImport.h"
#include "core/run/RunStore.h"
#include "core/tokenizer/BpeTokenizer.h"
#include "core/tokenizer/T5Tokenizer.h"
#include "core/tokenizer/TokenizerFactory.h"
#include "core/train/Checkpoint.h"
#include "core/train/Evaluation.h"
#include "core/util/Error.h"
#include "core/util/SafeFile.h"

namespace fs = std::filesystem;

namespace rgpb {

namespace {

// model_max_length for the tokenizer files: a decoder-only model's positions; a T5 has relative
// positions and no limit, so `t5_length` (what it was trained on, or T5's 512 when imported).
int64_t maxInputTokens(const ModelShape& shape, int64_t t5_length) {
    return shape.seq2seq() ? t5_length : shape.decoderOnly().max_positions;
}

std::map<std::string, int64_t> specialIds(const Tokenizer& tok) {
    const SpecialTokens s = tok.specials();
    return {{"bos_token_id", s.bos}, {"eos_token_id", s.eos}, {"pad_token_id", s.pad}};
}

void writeJson(const fs::path& path, const nlohmann::json& j) {
    writeFileAtomic(path.string(), j.dump(2) + "\n");
}

std::string checkpointFolder(const std::string& run_dir, const std::string& which) {
    if (which.empty() || which == "final") {
        std::string latest = latestCheckpoint(run_dir);
        if (latest.empty())
            throw InputError(run_dir, "the run has no checkpoint to export");
        return latest;
    }
    long long step = -1;
    if (which.rfind("step-", 0) == 0) {
        try {
            size_t used = 0;
            step = std::stoll(which.substr(5), &used);
            if (used != which.size() - 5)
                step = -1;
        } catch (const std::exception&) {
            step = -1;
        }
    }
    if (step < 0)
        throw ArgumentError("export-hf", "--checkpoint", "final or step-N", "'" + which + "'");
    char name[32];
    std::snprintf(name, sizeof name, "step-%08lld", step);
    const fs::path dir = fs::path(run_dir) / "checkpoints" / name;
    std::error_code ec;
    if (!fs::exists(dir / "model.safetensors", ec)) {
        std::string have;
        for (const auto& e : fs::directory_iterator(fs::path(run_dir) / "checkpoints", ec))
            have += (have.empty() ? "" : ", ") + e.path().filename().string();
        throw InputError(dir.string(), "no such checkpoint (the run has: " +
                                           (have.empty() ? std::string("none") : have) + ")");
    }
    return dir.string();
}

}  // namespace

void writeHfTokenizerFiles(const Tokenizer& tok, int64_t max_positions,
                           const std::string& out_dir) {
    tok.save(out_dir);
    const fs::path base(out_dir);
    std::map<std::string, std::string> texts;
    if (tok.kind() == "bpe") {
        const auto& bpe = dynamic_cast<const BpeTokenizer&>(tok);
        texts = bpe.specialTokenTexts();  // save() wrote its tokenizer.json
    } else if (tok.kind() == "byte") {
        writeFileAtomic((base / "tokenizer.json").string(), byteTokenizerJson());
        texts = {{"pad", "<|pad|>"}, {"bos", "<|bos|>"}, {"eos", "<|eos|>"}, {"sep", "<|sep|>"}};
    } else if (tok.kind() == "t5") {
        // save() wrote spiece.model (or the Unigram tokenizer.json it came from): transformers'
        // T5Tokenizer reads it with these specials and the sentinel count.
        nlohmann::ordered_json map{
            {"eos_token", "</s>"}, {"pad_token", "<pad>"}, {"unk_token", "<unk>"}};
        nlohmann::ordered_json config = map;
        config["tokenizer_class"] = "T5Tokenizer";
        config["extra_ids"] = dynamic_cast<const T5Tokenizer&>(tok).extraIds();
        config["model_max_length"] = max_positions;
        writeJson(base / "tokenizer_config.json", config);
        writeJson(base / "special_tokens_map.json", map);
        return;
    } else {
        return;  // sentencepiece: no fast-tokenizer file (see the header)
    }
    nlohmann::ordered_json map;
    for (const char* role : {"bos", "eos", "pad", "sep"})
        map[std::string(role) + "_token"] = texts.at(role);
    nlohmann::ordered_json config = map;
    config["tokenizer_class"] = "PreTrainedTokenizerFast";
    config["model_max_length"] = max_positions;
    config["clean_up_tokenization_spaces"] = false;
    config["add_bos_token"] = false;
    config["add_eos_token"] = false;
    writeJson(base / "tokenizer_config.json", config);
    writeJson(base / "special_tokens_map.json", map);
}

std::string exportRunToHf(const std::string& run_dir, const std::string& out_dir,
                          const HfExportOptions& options) {
    const std::string checkpoint = checkpointFolder(run_dir, options.checkpoint);
    LoadedRun run = loadRun(checkpoint, torch::kCPU);
    HfSaveOptions o;
    o.dtype = options.dtype;
    o.shard_bytes = options.shard_bytes;
    o.config_ints = specialIds(*run.tokenizer);
    saveHfModel(run.model, out_dir, o);
    writeHfTokenizerFiles(*run.tokenizer,
                          maxInputTokens(run.model.shape(), run.config.data.max_length), out_dir);
    nlohmann::json gen(specialIds(*run.tokenizer));
    gen["_from_model_config"] = true;
    writeJson(fs::path(out_dir) / "generation_config.json", gen);
    return checkpoint;
}

ModelShape importHfModel(const std::string& hf_dir, const std::string& out_dir) {
    std::error_code ec;
    if (fs::exists(out_dir, ec) && fs::equivalent(hf_dir, out_dir, ec))
        throw ArgumentError("import-hf", "OUT_DIR", "a folder other than the source", out_dir);
    LanguageModel model = loadHfFolder(hf_dir);
    requireFiniteWeights(model, hf_dir, true);
    std::unique_ptr<Tokenizer> tok;
    try {
        tok = loadTokenizerFrom(hf_dir);
    } catch (const InputError& e) {
        throw InputError(hf_dir, std::string("the model has no usable tokenizer: ") + e.what());
    }
    const ModelShape shape = model.shape();
    if (tok->vocabSize() > shape.vocabSize()) {
        throw InputError(hf_dir, "the tokenizer has " + std::to_string(tok->vocabSize()) +
                                     " ids but the model's vocab_size is " +
                                     std::to_string(shape.vocabSize()));
    }
    HfSaveOptions o;
    o.config_ints = specialIds(*tok);
    saveHfModel(model, out_dir, o);
    writeHfTokenizerFiles(*tok, maxInputTokens(shape, 512), out_dir);
    return shape;
}

LanguageModel loadAnyModel(const std::string& path, const torch::Device& device) {
    std::error_code ec;
    if (fs::exists(fs::path(path) / "config.json", ec))
        return loadHfFolder(path, device);
    return loadRun(path, device).model;
}

}  // namespace rgpb
