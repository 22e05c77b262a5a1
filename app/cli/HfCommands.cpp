// Hugging Face folders in and out: `rgpb export-hf`, `rgpb import-hf`, and `rgpb logits`
// (a model's logits for given ids, used by bench/hf_parity.py to compare with transformers).
#include <torch/torch.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <functional>
#include <iostream>
#include <sstream>

#include "app/cli/CliArgs.h"
#include "app/cli/Commands.h"
#include "core/model/HfImport.h"
#include "core/model/Safetensors.h"
#include "core/tokenizer/TokenizerFactory.h"
#include "core/train/HfRunExport.h"
#include "core/util/Error.h"

namespace rgpb::cli {
namespace {

namespace fs = std::filesystem;

torch::ScalarType parseDtype(const std::string& text) {
    if (text == "f32" || text == "float32")
        return torch::kFloat32;
    if (text == "f16" || text == "float16")
        return torch::kFloat16;
    if (text == "bf16" || text == "bfloat16")
        return torch::kBFloat16;
    throw Error("export-hf: --dtype must be f32, f16 or bf16, got '" + text + "'");
}

int exportHf(const std::vector<std::string>& argv) {
    CliArgs args(argv, {"checkpoint", "dtype", "shard-size"});
    if (args.positional().size() != 2)
        throw Error("export-hf: expected RUN_DIR OUT_DIR");
    HfExportOptions o;
    o.checkpoint = args.value("checkpoint").value_or("final");
    o.dtype = parseDtype(args.value("dtype").value_or("f32"));
    const double mb = args.number("shard-size", 0.0);
    if (mb < 0)
        throw Error("export-hf: --shard-size must be >= 0 (MB; 0 = one file)");
    o.shard_bytes = static_cast<int64_t>(mb * 1024.0 * 1024.0);
    const std::string& out = args.positional()[1];
    std::cerr << "exporting " << args.positional()[0] << " ...\n";
    const std::string checkpoint = exportRunToHf(args.positional()[0], out, o);
    std::cout << "exported " << checkpoint << " to " << out << "\n";
    return 0;
}

int importHf(const std::vector<std::string>& argv) {
    CliArgs args(argv, {});
    if (args.positional().size() != 2)
        throw Error("import-hf: expected HF_DIR OUT_DIR");
    std::cerr << "importing " << args.positional()[0] << " ...\n";
    const ModelShape s = importHfModel(args.positional()[0], args.positional()[1]);
    std::cout << "imported " << s.architecture() << " (" << s.parameterCount() << " parameters, "
              << s.describe() << ", vocab " << s.vocabSize() << ") to " << args.positional()[1]
              << "\n"
              << "use it in a run config as:  model: {from: " << args.positional()[1] << "}\n";
    return 0;
}

// The ids of `option` ("1 2 3"), empty when the option is absent.
std::vector<int64_t> idList(const CliArgs& args, const char* option) {
    std::vector<int64_t> ids;
    const auto text = args.value(option);
    if (!text)
        return ids;
    std::istringstream in(*text);
    std::string word;
    while (std::getline(in, word, ' ')) {
        if (word.empty())
            continue;
        try {
            size_t used = 0;
            ids.push_back(std::stoll(word, &used));
            if (used != word.size())
                throw std::invalid_argument(word);
        } catch (const std::exception&) {
            throw Error(std::string("logits: --") + option + ": '" + word + "' is not a token id");
        }
    }
    return ids;
}

int logits(const std::vector<std::string>& argv) {
    CliArgs args(argv, {"ids", "text", "decoder-ids", "out", "device"});
    if (args.positional().size() != 1)
        throw Error("logits: expected one MODEL_DIR (Hugging Face folder, run or checkpoint)");
    const std::string& path = args.positional()[0];
    std::vector<int64_t> ids = idList(args, "ids");
    if (ids.empty()) {
        if (auto t = args.value("text"))
            for (int32_t id : loadTokenizerFrom(path)->encode(*t))
                ids.push_back(id);
    }
    if (ids.empty())
        throw Error("logits: give --ids \"1 2 3\" or --text TEXT");
    const std::vector<int64_t> decoder_ids = idList(args, "decoder-ids");
    torch::Device device(args.value("device").value_or("cpu"));
    const LanguageModel model = loadAnyModel(path, device);
    if (model.seq2seq() == decoder_ids.empty())
        throw Error(model.seq2seq() ? "logits: " + path +
                                          " is a T5 encoder-decoder: give the decoder's ids "
                                          "with --decoder-ids (--ids are the encoder's)"
                                    : "logits: --decoder-ids is for encoder-decoder (T5) models; " +
                                          path + " is decoder-only");
    requireFiniteWeights(model, path, fs::exists(fs::path(path) / "config.json"));
    model->eval();
    torch::NoGradGuard no_grad;
    const int64_t vocab = model.shape().vocabSize();
    for (const auto& list : {std::cref(ids), std::cref(decoder_ids)})
        for (int64_t id : list.get())
            if (id < 0 || id >= vocab)
                throw Error("logits: id " + std::to_string(id) + " is outside the vocabulary [0, " +
                            std::to_string(vocab) + ")");
    auto input = torch::tensor(ids, torch::kInt64).unsqueeze(0).to(device);
    torch::Tensor raw;
    if (model.seq2seq()) {
        auto dec = torch::tensor(decoder_ids, torch::kInt64).unsqueeze(0).to(device);
        raw = model.t5()->forward(input, {}, dec, {});
    } else {
        raw = model.neox()->forward(input);
    }
    auto out = raw.squeeze(0).to(torch::kCPU, torch::kFloat32).contiguous();
    if (auto file = args.value("out")) {
        saveSafetensors(*file, {{"logits", out}, {"ids", input.squeeze(0).to(torch::kCPU)}});
        std::cout << "wrote logits [" << out.size(0) << ", " << out.size(1) << "] to " << *file
                  << "\n";
        return 0;
    }
    nlohmann::json j;
    j["ids"] = ids;
    std::vector<std::vector<float>> rows;
    for (int64_t i = 0; i < out.size(0); ++i) {
        auto row = out[i];
        rows.emplace_back(row.data_ptr<float>(), row.data_ptr<float>() + row.numel());
    }
    j["logits"] = rows;
    std::cout << j.dump() << "\n";
    return 0;
}

}  // namespace

Command exportHfCommand() {
    return {"export-hf", "write a run's checkpoint as a Hugging Face model folder",
            "usage: rgpb export-hf RUN_DIR OUT_DIR [--checkpoint final|step-N]\n"
            "                      [--dtype f32|f16|bf16] [--shard-size MB]\n\n"
            "Writes config.json (GPTNeoXForCausalLM, GPT2LMHeadModel or\n"
            "T5ForConditionalGeneration), model.safetensors (or\n"
            "shards of at most MB megabytes with model.safetensors.index.json),\n"
            "generation_config.json and the tokenizer files: transformers' from_pretrained\n"
            "loads the folder. Byte and BPE tokenizers get a tokenizer.json; a SentencePiece\n"
            "tokenizer is written as its spm.model only (not loadable as a fast tokenizer).\n",
            exportHf};
}

Command importHfCommand() {
    return {"import-hf", "check and convert a Hugging Face model folder into a run-ready model",
            "usage: rgpb import-hf HF_DIR OUT_DIR\n\n"
            "Reads config.json (gpt_neox, gpt2 or t5), model.safetensors or sharded safetensors\n"
            "(f32/f16/bf16) and the tokenizer (tokenizer.json, vocab.json + merges.txt, or T5's\n"
            "spiece.model),\n"
            "checks every tensor, and writes OUT_DIR with float32 weights, config.json and the\n"
            "tokenizer: name it in a run config as model.from.\n",
            importHf};
}

Command logitsCommand() {
    return {
        "logits", "a model's next-token logits for given token ids",
        "usage: rgpb logits MODEL_DIR (--ids \"1 2 3\" | --text TEXT) [--decoder-ids \"0 5\"]\n"
        "                   [--out FILE] [--device D]\n\n"
        "MODEL_DIR: a Hugging Face folder, a run or a checkpoint. Prints {\"ids\", \"logits\"}\n"
        "as JSON, or with --out writes a safetensors file with tensors logits [L, V] and ids.\n"
        "A T5 model reads --ids (or --text) as the encoder's input and needs --decoder-ids:\n"
        "the logits are then the decoder's [T, V].\n",
        logits};
}

}  // namespace rgpb::cli
