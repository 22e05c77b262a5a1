#include "core/model/HfImport.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <set>

#include "core/model/Safetensors.h"
#include "core/run/RunStore.h"
#include "core/util/Error.h"
#include "core/util/JsonFile.h"
#include "core/util/SafeFile.h"
#include "core/util/TensorText.h"

namespace fs = std::filesystem;

namespace rgpb {

namespace {

constexpr const char* kIndexFile = "model.safetensors.index.json";
constexpr const char* kSingleFile = "model.safetensors";

bool endsWith(const std::string& s, const std::string& suffix) {
    return s.size() >= suffix.size() &&
           s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}
bool startsWith(const std::string& s, const std::string& prefix) {
    return s.compare(0, prefix.size(), prefix) == 0;
}

// How a weight is stored in the Hugging Face checkpoint relative to our Linear/Embedding.
enum class Layout {
    Same,       // identical
    Transpose,  // GPT-2 Conv1D [in, out]
    QkvWeight,  // GPT-2 c_attn weight: Conv1D with [q | k | v] columns
    QkvBias,    // GPT-2 c_attn bias: [q | k | v]
};

struct NameMap {
    std::string internal, hf;
    Layout layout = Layout::Same;
};

// GPT-2's name for one of our internal names.
NameMap gpt2Name(const std::string& internal) {
    const std::string t = "transformer.";
    if (internal == "gpt_neox.embed_in.weight")
        return {internal, t + "wte.weight"};
    if (internal == "gpt_neox.embed_pos.weight")
        return {internal, t + "wpe.weight"};
    if (internal == "embed_out.weight")
        return {internal, "lm_head.weight"};
    const std::string fln = "gpt_neox.final_layer_norm.";
    if (startsWith(internal, fln))
        return {internal, t + "ln_f." + internal.substr(fln.size())};
    const std::string layers = "gpt_neox.layers.";
    if (startsWith(internal, layers)) {
        const size_t dot = internal.find('.', layers.size());
        const std::string index = internal.substr(layers.size(), dot - layers.size());
        const std::string rest = internal.substr(dot + 1);
        const std::string h = t + "h." + index + ".";
        struct Rule {
            const char* ours;
            const char* theirs;
            Layout weight_layout;
        };
        const Rule rules[] = {
            {"input_layernorm.", "ln_1.", Layout::Same},
            {"post_attention_layernorm.", "ln_2.", Layout::Same},
            {"attention.query_key_value.", "attn.c_attn.", Layout::QkvWeight},
            {"attention.dense.", "attn.c_proj.", Layout::Transpose},
            {"mlp.dense_h_to_4h.", "mlp.c_fc.", Layout::Transpose},
            {"mlp.dense_4h_to_h.", "mlp.c_proj.", Layout::Transpose},
        };
        for (const Rule& r : rules) {
            if (!startsWith(rest, r.ours))
                continue;
            const std::string leaf = rest.substr(std::string(r.ours).size());
            Layout layout = Layout::Same;
            if (leaf == "weight")
                layout = r.weight_layout;
            else if (r.weight_layout == Layout::QkvWeight)
                layout = Layout::QkvBias;
            return {internal, h + r.theirs + leaf, layout};
        }
    }
    throw Error("internal: no GPT-2 name for weight '" + internal + "'");
}

std::vector<NameMap> nameMap(GptNeoX& model) {
    std::vector<NameMap> out;
    const bool gpt2 = model->config().architecture == "gpt2";
    for (const auto& [name, param] : namedWeights(model))
        out.push_back(gpt2 ? gpt2Name(name) : NameMap{name, name, Layout::Same});
    return out;
}

// Our tensor -> the checkpoint's layout.
torch::Tensor toHf(const torch::Tensor& w, Layout layout, int64_t heads) {
    switch (layout) {
        case Layout::Same:
            return w;
        case Layout::Transpose:
            return w.t().contiguous();
        case Layout::QkvWeight: {
            const int64_t three_h = w.size(0), h = w.size(1), hd = three_h / 3 / heads;
            return w.reshape({heads, 3, hd, h})
                .permute({1, 0, 2, 3})
                .reshape({three_h, h})
                .t()
                .contiguous();
        }
        case Layout::QkvBias: {
            const int64_t three_h = w.size(0), hd = three_h / 3 / heads;
            return w.reshape({heads, 3, hd}).permute({1, 0, 2}).reshape({three_h}).contiguous();
        }
    }
    return w;
}

// The checkpoint's layout -> ours.
torch::Tensor fromHf(const torch::Tensor& w, Layout layout, int64_t heads) {
    switch (layout) {
        case Layout::Same:
            return w;
        case Layout::Transpose:
            return w.t().contiguous();
        case Layout::QkvWeight: {
            const int64_t h = w.size(0), three_h = w.size(1), hd = three_h / 3 / heads;
            return w.t()
                .reshape({3, heads, hd, h})
                .permute({1, 0, 2, 3})
                .reshape({three_h, h})
                .contiguous();
        }
        case Layout::QkvBias: {
            const int64_t three_h = w.size(0), hd = three_h / 3 / heads;
            return w.reshape({3, heads, hd}).permute({1, 0, 2}).reshape({three_h}).contiguous();
        }
    }
    return w;
}

std::vector<int64_t> hfShape(c10::IntArrayRef ours, Layout layout) {
    std::vector<int64_t> s = ours.vec();
    if (layout == Layout::Transpose || layout == Layout::QkvWeight)
        std::reverse(s.begin(), s.end());
    return s;
}

// Buffers some transformers versions saved beside the weights; not parameters.
bool ignorable(const std::string& name) {
    return endsWith(name, ".attn.bias") || endsWith(name, ".attn.masked_bias") ||
           endsWith(name, ".attention.bias") || endsWith(name, ".attention.masked_bias") ||
           endsWith(name, ".rotary_emb.inv_freq");
}

// The tensors DIR's weights hold, from the safetensors headers alone (no data read): the
// shards model.safetensors.index.json names, or model.safetensors. `file` is the (first) file.
// Empty when there are none or the index is unreadable: readHfTensors() says so when the weights
// are loaded.
std::vector<SafetensorsEntry> weightHeaders(const std::string& dir, std::string& file) {
    std::vector<SafetensorsEntry> out;
    std::error_code ec;
    const fs::path base(dir);
    std::set<std::string> files;
    if (fs::exists(base / kIndexFile, ec)) {
        try {
            const std::string index_path = (base / kIndexFile).string();
            const nlohmann::json index = parseJson(readFile(index_path), index_path);
            for (const auto& [name, shard] : index.at("weight_map").items())
                files.insert((base / shard.get<std::string>()).string());
        } catch (const std::exception&) {
            return {};
        }
    } else {
        files.insert((base / kSingleFile).string());
    }
    for (const std::string& f : files) {
        if (!fs::is_regular_file(f, ec))
            return {};
        SafetensorsHeader h = readSafetensorsHeader(f);
        out.insert(out.end(), h.tensors.begin(), h.tensors.end());
    }
    file = files.empty() ? std::string() : *files.begin();
    if (files.size() > 1)
        file = (base / kIndexFile).string() + " (" + std::to_string(files.size()) + " shards)";
    return out;
}

// The layer index of a tensor name: "gpt_neox.layers.7.x" / "[transformer.]h.7.x" -> 7; -1.
int64_t layerIndex(const std::string& name) {
    for (const char* prefix : {"gpt_neox.layers.", "transformer.h.", "h."}) {
        const std::string p = prefix;
        if (startsWith(name, p)) {
            const size_t dot = name.find('.', p.size());
            const std::string digits = name.substr(p.size(), dot - p.size());
            if (!digits.empty() && digits.size() < 10 &&
                digits.find_first_not_of("0123456789") == std::string::npos)
                return std::stoll(digits);
        }
    }
    return -1;
}

// What a config.json claims against what its weights hold, before the model is built: a config
// claiming far more parameters than the weights files hold (a huge num_hidden_layers, hidden_size,
// intermediate_size or vocab_size) is refused naming the key, instead of allocating for it.
void checkClaimedSizes(const ModelConfig& c, const std::string& config_path,
                       const std::string& dir) {
    std::string file;
    const std::vector<SafetensorsEntry> tensors = weightHeaders(dir, file);
    if (tensors.empty())
        return;
    long double held = 0;
    std::map<std::string, std::vector<int64_t>> shapes;
    int64_t layers = 0;
    for (const SafetensorsEntry& t : tensors) {
        held += static_cast<long double>(t.numel());
        shapes[t.name] = t.shape;
        layers = std::max(layers, layerIndex(t.name) + 1);
    }
    const long double claimed = c.claimedParameters();
    // Slack for a tensor or two missing (loadHfWeights() names it); what is refused would
    // allocate well beyond the weights' own size.
    if (claimed <= 1.5L * held + 65536)
        return;
    const bool gpt2 = c.architecture == "gpt2";
    auto shapeOf = [&](std::initializer_list<const char*> names) -> std::vector<int64_t> {
        for (const char* n : names) {
            auto it = shapes.find(n);
            if (it != shapes.end() && it->second.size() == 2)
                return it->second;
        }
        return {};
    };
    const auto embed = gpt2 ? shapeOf({"transformer.wte.weight", "wte.weight"})
                            : shapeOf({"gpt_neox.embed_in.weight"});
    const auto mlp = gpt2 ? shapeOf({"transformer.h.0.mlp.c_fc.weight", "h.0.mlp.c_fc.weight"})
                          : shapeOf({"gpt_neox.layers.0.mlp.dense_h_to_4h.weight"});
    const auto wpe = shapeOf({"transformer.wpe.weight", "wpe.weight"});
    struct Claim {
        const char* key;
        int64_t claimed;
        int64_t held;  // -1: the weights do not say
        const char* unit;
    };
    const Claim claims[] = {
        {gpt2 ? "n_layer" : "num_hidden_layers", c.num_layers, layers > 0 ? layers : -1, "layers"},
        {gpt2 ? "n_embd" : "hidden_size", c.hidden_size, embed.empty() ? -1 : embed[1],
         "hidden units"},
        {"vocab_size", c.vocab_size, embed.empty() ? -1 : embed[0], "tokens"},
        {gpt2 ? "n_inner" : "intermediate_size", c.intermediate_size,
         mlp.empty() ? -1 : (gpt2 ? mlp[1] : mlp[0]), "MLP units"},
        {"n_positions", gpt2 ? c.max_positions : 0, wpe.empty() ? -1 : wpe[0], "positions"},
    };
    char implied[160];
    std::snprintf(implied, sizeof implied,
                  "the config implies %.3Lg parameters, the weights hold %.3Lg values", claimed,
                  held);
    for (const Claim& k : claims) {
        if (k.held >= 0 && k.claimed > k.held) {
            throw InputError(config_path + " (" + k.key + ")",
                             "claims " + std::to_string(k.claimed) + " " + k.unit + " but " + file +
                                 " holds " + std::to_string(k.held) + " (" + implied +
                                 "): refused before building the model");
        }
    }
    const std::string keys = gpt2 ? "vocab_size, n_embd, n_layer, n_inner"
                                  : "vocab_size, hidden_size, num_hidden_layers, intermediate_size";
    throw InputError(config_path + " (" + keys + ")",
                     std::string(implied) + " in " + file +
                         ": the sizes do not match the weights; refused before building the "
                         "model");
}

}  // namespace

ModelShape readHfShape(const std::string& dir) {
    const std::string path = (fs::path(dir) / "config.json").string();
    std::error_code ec;
    if (!fs::is_directory(dir, ec))
        throw InputError(dir, "not a directory (expected a Hugging Face model folder)");
    if (!fs::exists(path, ec))
        throw InputError(path, "missing: a Hugging Face model folder holds config.json");
    const nlohmann::json j = parseJson(readFile(path), path);
    if (j.is_object() && j.contains("model_type") && j["model_type"] == "t5")
        return T5Config::fromHfJson(j, path);
    ModelConfig c = ModelConfig::fromHfJson(j, path);
    checkClaimedSizes(c, path, dir);
    return c;
}

ModelConfig readHfConfig(const std::string& dir) {
    ModelShape shape = readHfShape(dir);
    if (shape.seq2seq())
        throw InputError((fs::path(dir) / "config.json").string() + " (model_type)",
                         "is t5, an encoder-decoder: expected a decoder-only GPT-NeoX or GPT-2 "
                         "model here");
    return shape.decoderOnly();
}

std::map<std::string, HfTensor> readHfTensors(const std::string& dir) {
    std::map<std::string, HfTensor> out;
    std::error_code ec;
    const fs::path base(dir);
    const std::string index_path = (base / kIndexFile).string();
    if (fs::exists(index_path, ec)) {
        const nlohmann::json index = parseJson(readFile(index_path), index_path);
        auto map = index.find("weight_map");
        if (!index.is_object() || map == index.end() || !map->is_object()) {
            throw InputError(index_path + " (weight_map)",
                             "missing: expected {\"weight_map\": {tensor: shard file}}");
        }
        std::map<std::string, std::vector<std::string>> shards;  // file -> tensors listed
        for (const auto& [name, file] : map->items()) {
            if (!file.is_string() || file.get<std::string>().empty()) {
                throw InputError(index_path + " (weight_map." + name + ")",
                                 "expected a shard file name, got " + file.dump());
            }
            shards[file.get<std::string>()].push_back(name);
        }
        for (const auto& [file, names] : shards) {
            const std::string path = (base / file).string();
            if (!fs::exists(path, ec)) {
                throw InputError(
                    index_path + " (weight_map." + names.front() + ")",
                    "shard '" + file + "' listed in the index is missing (" + path + ")");
            }
            SafetensorsFile shard = loadSafetensors(path);
            std::set<std::string> present;
            for (auto& [name, tensor] : shard.tensors) {
                present.insert(name);
                if (out.count(name) != 0) {
                    throw InputError(path, "tensor '" + name + "' is also in " + out[name].file);
                }
                out[name] = HfTensor{tensor, path};
            }
            for (const std::string& name : names) {
                if (present.count(name) == 0) {
                    throw InputError(path, "tensor '" + name +
                                               "' is missing: " + std::string(kIndexFile) +
                                               " places it in this shard");
                }
            }
        }
        return out;
    }
    const std::string single = (base / kSingleFile).string();
    if (!fs::exists(single, ec)) {
        if (fs::exists(base / "pytorch_model.bin", ec)) {
            throw InputError(dir,
                             "only pytorch_model.bin found: the workbench reads safetensors "
                             "checkpoints (model.safetensors or sharded with " +
                                 std::string(kIndexFile) +
                                 "); convert with transformers' save_pretrained("
                                 "safe_serialization=True)");
        }
        throw InputError(dir, "no model.safetensors or " + std::string(kIndexFile));
    }
    SafetensorsFile file = loadSafetensors(single);
    for (auto& [name, tensor] : file.tensors)
        out[name] = HfTensor{tensor, single};
    return out;
}

void loadHfWeights(GptNeoX& model, const std::string& dir) {
    std::map<std::string, HfTensor> tensors = readHfTensors(dir);
    const ModelConfig& config = model->config();
    const bool gpt2 = config.architecture == "gpt2";
    auto lookup = [&](const std::string& name) -> const std::pair<const std::string, HfTensor>* {
        auto it = tensors.find(name);
        if (it == tensors.end() && gpt2 && startsWith(name, "transformer."))
            it = tensors.find(name.substr(std::string("transformer.").size()));
        return it == tensors.end() ? nullptr : &*it;
    };
    auto params = namedWeights(model);
    std::map<std::string, torch::Tensor> by_internal(params.begin(), params.end());
    std::set<std::string> used;
    std::vector<std::pair<torch::Tensor, torch::Tensor>> plan;  // param, converted value
    for (const NameMap& m : nameMap(model)) {
        const torch::Tensor& param = by_internal.at(m.internal);
        const std::vector<int64_t> expected = hfShape(param.sizes(), m.layout);
        const auto* found = lookup(m.hf);
        if (found == nullptr) {
            throw InputError(dir, "tensor '" + m.hf + "' is missing (expected shape " +
                                      shapeText(expected) + " for this " + config.architecture +
                                      " config)");
        }
        const auto& [name, entry] = *found;
        if (entry.tensor.sizes().vec() != expected) {
            throw InputError(entry.file, "tensor '" + name + "' has shape " +
                                             shapeText(entry.tensor.sizes()) + ", expected " +
                                             shapeText(expected));
        }
        if (!entry.tensor.is_floating_point()) {
            throw InputError(entry.file, "tensor '" + name +
                                             "' is not floating point: a weight must be F32, "
                                             "F16, BF16 or F64");
        }
        used.insert(name);
        plan.emplace_back(param,
                          fromHf(entry.tensor.to(torch::kFloat32), m.layout, config.num_heads));
    }
    for (const auto& [name, entry] : tensors) {
        if (used.count(name) || ignorable(name))
            continue;
        // A tied checkpoint may still carry the output matrix; the input embedding is used.
        if (config.tie_word_embeddings && (name == "lm_head.weight" || name == "embed_out.weight"))
            continue;
        throw InputError(entry.file, "unexpected tensor '" + name + "' (shape " +
                                         shapeText(entry.tensor.sizes()) +
                                         "), not a weight of this " + config.architecture +
                                         " model");
    }
    torch::NoGradGuard no_grad;
    for (auto& [param, value] : plan)
        param.copy_(value);
}

GptNeoX loadHfModel(const std::string& dir, const torch::Device& device) {
    GptNeoX model(readHfConfig(dir));
    loadHfWeights(model, dir);
    model->to(device);
    return model;
}

void loadHfWeights(const LanguageModel& model, const std::string& dir) {
    if (!model.seq2seq()) {
        loadHfWeights(model.neox(), dir);
        return;
    }
    std::map<std::string, torch::Tensor> tensors;
    std::map<std::string, std::string> files;
    for (const auto& [name, item] : readHfTensors(dir)) {
        tensors.emplace(name, item.tensor);
        files.emplace(name, item.file);
    }
    loadT5Tensors(model.t5(), tensors, files, dir);
}

LanguageModel loadHfFolder(const std::string& dir, const torch::Device& device) {
    LanguageModel model(readHfShape(dir));
    loadHfWeights(model, dir);
    model->to(device);
    return model;
}

namespace {

// The weights by the names nonFiniteWeights() reports (see there), uncopied.
std::vector<std::pair<std::string, torch::Tensor>> weightsNamed(const LanguageModel& model,
                                                                bool hf_names) {
    auto params = model.namedWeights();
    if (!hf_names || model.seq2seq())
        return params;  // T5's own names are Hugging Face's
    std::map<std::string, torch::Tensor> by_internal(params.begin(), params.end());
    std::vector<std::pair<std::string, torch::Tensor>> out;
    for (const NameMap& m : nameMap(model.neox()))
        out.emplace_back(m.hf, by_internal.at(m.internal));
    return out;
}

}  // namespace

std::vector<NonFiniteWeight> nonFiniteWeights(const LanguageModel& model, bool hf_names) {
    std::vector<NonFiniteWeight> out;
    torch::NoGradGuard no_grad;
    for (const auto& [name, w] : weightsNamed(model, hf_names)) {
        if (torch::isfinite(w).all().item<bool>())
            continue;
        NonFiniteWeight bad;
        bad.name = name;
        bad.nan = torch::isnan(w).sum().item<int64_t>();
        bad.inf = torch::isinf(w).sum().item<int64_t>();
        bad.numel = w.numel();
        out.push_back(bad);
    }
    return out;
}

void requireFiniteWeights(const LanguageModel& model, const std::string& source, bool hf_names) {
    const std::vector<NonFiniteWeight> bad = nonFiniteWeights(model, hf_names);
    if (bad.empty())
        return;
    std::string what = "the model has non-finite weights: ";
    const size_t shown = std::min<size_t>(bad.size(), 5);
    for (size_t i = 0; i < shown; ++i) {
        const NonFiniteWeight& b = bad[i];
        what += (i ? "; tensor '" : "tensor '") + b.name + "' has " + std::to_string(b.nan) +
                " NaN and " + std::to_string(b.inf) + " Inf of " + std::to_string(b.numel) +
                " values";
    }
    if (bad.size() > shown)
        what += "; and " + std::to_string(bad.size() - shown) + " more tensors";
    throw InputError(source, what);
}

std::vector<std::pair<std::string, torch::Tensor>> hfWeights(const LanguageModel& model,
                                                             torch::ScalarType dtype) {
    auto params = model.namedWeights();
    std::vector<std::pair<std::string, torch::Tensor>> out;
    torch::NoGradGuard no_grad;
    if (model.seq2seq()) {
        for (const auto& [name, w] : params)
            out.emplace_back(name, w.detach().to(torch::kCPU).to(dtype).contiguous());
        return out;
    }
    GptNeoX& neox = model.neox();
    std::map<std::string, torch::Tensor> by_internal(params.begin(), params.end());
    for (const NameMap& m : nameMap(neox)) {
        auto w = by_internal.at(m.internal).detach().to(torch::kCPU);
        out.emplace_back(m.hf, toHf(w, m.layout, neox->config().num_heads).to(dtype).contiguous());
    }
    return out;
}

void saveHfModel(const LanguageModel& model, const std::string& dir, const HfSaveOptions& options) {
    const char* where = "saveHfModel";
    const char* dtype_name = nullptr;
    if (options.dtype == torch::kFloat32)
        dtype_name = "float32";
    else if (options.dtype == torch::kFloat16)
        dtype_name = "float16";
    else if (options.dtype == torch::kBFloat16)
        dtype_name = "bfloat16";
    requireArgument(dtype_name != nullptr, where, "dtype", "f32, f16 or bf16", options.dtype);
    requireArgument(options.shard_bytes >= 0, where, "shard_bytes", ">= 0", options.shard_bytes);
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec)
        throw Error("cannot create folder " + dir + ": " + ec.message());

    nlohmann::json config =
        std::visit([](const auto& c) { return c.toHfJson(); }, model.shape().config);
    config["torch_dtype"] = dtype_name;
    for (const auto& [key, value] : options.config_ints)
        config[key] = value;

    auto weights = hfWeights(model, options.dtype);
    std::sort(weights.begin(), weights.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
    int64_t total = 0;
    for (const auto& [name, t] : weights)
        total += t.numel() * static_cast<int64_t>(t.element_size());

    const std::map<std::string, std::string> meta{{"format", "pt"}};
    const fs::path base(dir);
    // Remove the other layout's files so a re-export never leaves a stale checkpoint beside.
    auto removeStale = [&](bool sharded) {
        std::vector<fs::path> stale;
        for (const auto& entry : fs::directory_iterator(base, ec)) {
            const std::string n = entry.path().filename().string();
            const bool shard = startsWith(n, "model-") && endsWith(n, ".safetensors");
            if ((sharded && n == kSingleFile) || (!sharded && n == kIndexFile) || shard)
                stale.push_back(entry.path());
        }
        for (const auto& p : stale)
            fs::remove(p, ec);
    };
    if (options.shard_bytes <= 0 || total <= options.shard_bytes) {
        saveSafetensors((base / kSingleFile).string(), weights, meta);
        removeStale(false);
    } else {
        std::vector<std::vector<std::pair<std::string, torch::Tensor>>> shards(1);
        int64_t in_shard = 0;
        for (auto& w : weights) {
            const int64_t bytes = w.second.numel() * static_cast<int64_t>(w.second.element_size());
            if (!shards.back().empty() && in_shard + bytes > options.shard_bytes) {
                shards.emplace_back();
                in_shard = 0;
            }
            shards.back().push_back(w);
            in_shard += bytes;
        }
        removeStale(true);
        nlohmann::ordered_json index;
        index["metadata"] = {{"total_size", total}};
        nlohmann::ordered_json map = nlohmann::ordered_json::object();
        for (size_t i = 0; i < shards.size(); ++i) {
            char name[64];
            std::snprintf(name, sizeof name, "model-%05zu-of-%05zu.safetensors", i + 1,
                          shards.size());
            saveSafetensors((base / name).string(), shards[i], meta);
            for (const auto& [tensor_name, t] : shards[i])
                map[tensor_name] = name;
        }
        index["weight_map"] = map;
        writeFileAtomic((base / kIndexFile).string(), index.dump(2) + "\n");
    }
    writeFileAtomic((base / "config.json").string(), config.dump(2) + "\n");
}

}  // namespace rgpb
