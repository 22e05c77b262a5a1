#include "core/tokenizer/TokenizerFactory.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <map>

#include "core/run/RunStore.h"
#include "core/tokenizer/BpeTokenizer.h"
#include "core/tokenizer/ByteTokenizer.h"
#include "core/tokenizer/SentencePieceTokenizer.h"
#include "core/tokenizer/SpmShim.h"
#include "core/tokenizer/T5Tokenizer.h"
#include "core/tokenizer/TokenizerFiles.h"
#include "core/util/Error.h"
#include "core/util/JsonFile.h"
#include "core/util/SafeFile.h"

namespace fs = std::filesystem;

namespace rgpb {

namespace {

// 4 specials, <unk>, 256 byte-fallback pieces, and at least one learnt piece.
constexpr int kMinSentencePieceVocab = 4 + 1 + 256 + 1;
// Caps the lines SentencePiece reads (the first ones, no shuffling), keeping training in seconds.
constexpr int kMaxTrainingLines = 100000;
constexpr unsigned int kTrainingSeed = 20240611;

// DIR/NAME for the file a descriptor names under `key` ("model", "file"): a plain file name in
// the tokenizer folder, as save() writes it. A path out of the folder (a folder shared with
// others), or anything but a regular file there (a FIFO, a device: reading would block or never
// end), is refused as InputError "<descriptor> (<key>)"; a missing file is left to the reader.
std::string descriptorFile(const std::string& dir, const nlohmann::json& descriptor,
                           const char* key, const std::string& path) {
    const std::string where = path + " (" + key + ")";
    auto it = descriptor.find(key);
    if (it == descriptor.end())
        throw InputError(where, "key missing");
    if (!it->is_string() || it->get<std::string>().empty())
        throw InputError(where, "must be a file name");
    const std::string name = it->get<std::string>();
    if (name.find('/') != std::string::npos || name.find('\0') != std::string::npos ||
        name == "." || name == "..")
        throw InputError(where,
                         "must be the name of a file in the tokenizer folder (no '/'), got '" +
                             excerpt(name, 80) + "'");
    const fs::path file = fs::path(dir) / name;
    std::error_code ec;
    const fs::file_status status = fs::status(file, ec);
    if (fs::exists(status) && !fs::is_regular_file(status))
        throw InputError(where, "'" + excerpt(name, 80) + "' is not a regular file in " + dir);
    return file.string();
}

// Writes the texts one line per sentence. SentencePiece reads its input line by line, so
// newlines cannot be learnt; they are encoded through byte fallback instead.
std::size_t writeTrainingLines(const std::vector<std::string>& texts, const std::string& path) {
    AtomicFile file(path);
    std::string out;
    std::size_t lines = 0;
    for (const std::string& text : texts) {
        std::size_t start = 0;
        while (start <= text.size()) {
            std::size_t end = text.find('\n', start);
            if (end == std::string::npos)
                end = text.size();
            std::string_view line(text.data() + start, end - start);
            if (!line.empty() && line.back() == '\r')
                line.remove_suffix(1);
            if (!line.empty()) {
                out.append(line).push_back('\n');
                ++lines;
            }
            start = end + 1;
        }
        if (out.size() > (1u << 20)) {  // in pieces: the texts can be large
            file.write(out);
            out.clear();
        }
    }
    file.write(out);
    file.commit();
    return lines;
}

// A Hugging Face tokenizer.json by its model's type: "Unigram" is T5's SentencePiece model,
// "BPE" (or no type) byte-level BPE; anything else is refused naming model.type.
std::unique_ptr<Tokenizer> loadHfTokenizerJson(const std::string& path,
                                               const std::map<std::string, std::string>& tokens) {
    const std::string text = readFile(path);
    const nlohmann::json j = parseJson(text, path);
    std::string type = "BPE";
    if (j.is_object() && j.contains("model") && j["model"].is_object()) {
        if (auto t = j["model"].find("type"); t != j["model"].end()) {
            if (!t->is_string())
                throw InputError(path + " (model.type)", "expected a string, got " + t->dump());
            type = t->get<std::string>();
        }
    }
    if (type == "Unigram")
        return T5Tokenizer::fromTokenizerJson(text, path);
    if (type != "BPE")
        throw InputError(path + " (model.type)",
                         "unsupported tokenizer model \"" + excerpt(type, 40) +
                             "\": expected \"BPE\" (byte-level BPE: GPT-2, GPT-NeoX/Pythia) or "
                             "\"Unigram\" (T5's SentencePiece)");
    return BpeTokenizer::fromTokenizerJson(text, path, tokens);
}

// tokenizer_config.json of a Hugging Face folder, or null when it has none.
nlohmann::json readTokenizerConfig(const fs::path& folder) {
    std::error_code ec;
    const fs::path config = folder / "tokenizer_config.json";
    if (!fs::exists(config, ec))
        return nullptr;
    return parseJson(readFile(config.string()), config.string());
}

// The "extra_ids" of a T5 tokenizer_config.json or descriptor (`where` names it), 100 when
// absent.
int extraIdsOf(const nlohmann::json& obj, const std::string& where) {
    auto e = obj.is_object() ? obj.find("extra_ids") : obj.end();
    if (!obj.is_object() || e == obj.end())
        return T5Tokenizer::kDefaultExtraIds;
    if (!e->is_number_integer() || e->get<int64_t>() < 0 || e->get<int64_t>() > 100000)
        throw InputError(where + " (extra_ids)",
                         "expected a count of sentinels in [0, 100000], got " + e->dump());
    return e->get<int>();
}

// T5's spiece.model with tokenizer_config.json's extra_ids (100 when it says nothing).
std::unique_ptr<Tokenizer> loadSpieceFolder(const fs::path& folder) {
    return T5Tokenizer::loadSpieceModel(
        (folder / T5Tokenizer::kSpieceFile).string(),
        extraIdsOf(readTokenizerConfig(folder), (folder / "tokenizer_config.json").string()));
}

}  // namespace

std::unique_ptr<Tokenizer> makeByteTokenizer() {
    return std::make_unique<ByteTokenizer>();
}

std::unique_ptr<Tokenizer> trainSentencePieceTokenizer(const std::vector<std::string>& texts,
                                                       int vocab_size, const std::string& dir) {
    requireArgument(vocab_size >= kMinSentencePieceVocab, "trainSentencePieceTokenizer",
                    "vocab_size",
                    detail::concat("at least ", kMinSentencePieceVocab,
                                   " (4 specials, <unk>, 256 byte pieces, 1 learnt piece)"),
                    vocab_size);
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec)
        throw Error("cannot create tokenizer folder " + dir + ": " + ec.message());

    // SentencePiece splits its "input" option at commas.
    std::string input = (fs::path(dir) / "spm_training_text.txt").string();
    requireArgument(input.find(',') == std::string::npos, "trainSentencePieceTokenizer", "dir",
                    "a path without commas (SentencePiece splits its input list at commas)", dir);
    std::size_t lines = writeTrainingLines(texts, input);
    if (lines == 0) {
        fs::remove(input, ec);
        requireArgument(false, "trainSentencePieceTokenizer", "texts",
                        "at least one non-empty line of text", texts.size(), " texts, all empty");
    }

    std::string prefix = (fs::path(dir) / "spm").string();
    const std::pair<std::string, std::string> options[] = {
        {"input", input},
        {"model_prefix", prefix},
        {"model_type", "unigram"},
        {"vocab_size", std::to_string(vocab_size)},
        {"pad_id", "0"},
        {"bos_id", "1"},
        {"eos_id", "2"},
        {"control_symbols", "<sep>"},  // takes the free id 3
        {"unk_id", "4"},
        {"byte_fallback", "true"},  // no <unk> ever: unseen characters become bytes
        // Exact round trips: no Unicode normalisation, no whitespace folding.
        {"normalization_rule_name", "identity"},
        {"remove_extra_whitespaces", "false"},
        // Determinism and speed.
        {"num_threads", "1"},
        {"shuffle_input_sentence", "false"},
        {"input_sentence_size", std::to_string(kMaxTrainingLines)},
        {"max_sentence_length", "16384"},
    };
    std::vector<const char*> keys, values;
    for (const auto& [key, value] : options) {
        keys.push_back(key.c_str());
        values.push_back(value.c_str());
    }
    const spm::ShimApi& api = spm::shim();
    int rc = api.train(keys.data(), values.data(), static_cast<int>(keys.size()), kTrainingSeed);
    std::string why = rc == 0 ? std::string() : api.last_error();
    fs::remove(input, ec);
    if (rc != 0) {
        throw Error("SentencePiece training with vocab_size " + std::to_string(vocab_size) +
                    " on " + std::to_string(lines) + " lines failed: " + why);
    }
    auto tok = SentencePieceTokenizer::loadModelFile(prefix + ".model");
    tok->save(dir);  // writes the descriptor beside the model
    return tok;
}

std::unique_ptr<Tokenizer> loadTokenizer(const std::string& dir) {
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) {
        throw InputError(dir, "tokenizer folder does not exist");
    }
    std::string path = (fs::path(dir) / kTokenizerDescriptorFile).string();
    if (!fs::exists(path, ec))
        throw InputError(path, "tokenizer descriptor missing or unreadable");
    if (!fs::is_regular_file(path, ec))
        throw InputError(path, "tokenizer descriptor is not a regular file");
    const nlohmann::json descriptor = parseJson(readFile(path), path);
    if (!descriptor.is_object())
        throw InputError(path, "must hold a JSON object");
    auto kind = descriptor.find("kind");
    if (kind == descriptor.end())
        throw InputError(path + " (kind)", "key missing");
    if (!kind->is_string())
        throw InputError(path + " (kind)", "must be a string");
    const std::string name = kind->get<std::string>();

    std::unique_ptr<Tokenizer> tok;
    if (name == "byte") {
        tok = makeByteTokenizer();
    } else if (name == "sentencepiece") {
        tok = SentencePieceTokenizer::loadModelFile(descriptorFile(dir, descriptor, "model", path));
    } else if (name == "bpe") {
        std::map<std::string, std::string> tokens;
        if (auto t = descriptor.find("tokens"); t != descriptor.end()) {
            if (!t->is_object())
                throw InputError(path + " (tokens)", "must be an object {role: token text}");
            for (const auto& [role, text] : t->items()) {
                if (!text.is_string())
                    throw InputError(path + " (tokens." + role + ")", "must be a token text");
                tokens[role] = text.get<std::string>();
            }
        }
        const std::string json_path = descriptorFile(dir, descriptor, "file", path);
        tok = BpeTokenizer::fromTokenizerJson(readFile(json_path), json_path, tokens);
    } else if (name == "t5") {
        if (descriptor.contains("model")) {
            tok = T5Tokenizer::loadSpieceModel(descriptorFile(dir, descriptor, "model", path),
                                               extraIdsOf(descriptor, path));
        } else {
            tok = T5Tokenizer::loadTokenizerJson(descriptorFile(dir, descriptor, "file", path));
        }
    } else {
        throw InputError(path + " (kind)",
                         "unknown tokenizer kind '" + name +
                             "', expected \"byte\", \"sentencepiece\", \"bpe\" or \"t5\"");
    }
    checkDescriptorSpecials(descriptor, path, tok->specials());
    if (auto vocab = descriptor.find("vocab_size"); vocab != descriptor.end()) {
        if (!vocab->is_number_integer() || vocab->get<long long>() != tok->vocabSize()) {
            throw InputError(path + " (vocab_size)", "says " + vocab->dump() + " but the " + name +
                                                         " tokenizer has " +
                                                         std::to_string(tok->vocabSize()));
        }
    }
    return tok;
}

std::unique_ptr<Tokenizer> loadTokenizerFrom(const std::string& path) {
    std::error_code ec;
    const fs::path p(path);
    if (fs::is_regular_file(p, ec)) {
        if (p.filename() == kTokenizerDescriptorFile)
            return loadTokenizer(p.parent_path().string());
        if (p.filename() == T5Tokenizer::kSpieceFile)
            return loadSpieceFolder(p.parent_path());
        return loadHfTokenizerJson(path, {});
    }
    if (!fs::is_directory(p, ec))
        throw InputError(path, "no such tokenizer file or folder");
    if (fs::exists(p / kTokenizerDescriptorFile, ec))
        return loadTokenizer(path);
    if (fs::exists(p / "tokenizer" / kTokenizerDescriptorFile, ec))  // a run folder
        return loadTokenizer((p / "tokenizer").string());
    // A Hugging Face T5 folder: spiece.model, run by SentencePiece itself, before tokenizer.json.
    if (fs::exists(p / T5Tokenizer::kSpieceFile, ec))
        return loadSpieceFolder(p);
    if (fs::exists(p / "tokenizer.json", ec)) {  // a Hugging Face model folder
        // tokenizer_config.json's bos/eos/pad token texts, when it names them.
        std::map<std::string, std::string> tokens;
        const nlohmann::json j = readTokenizerConfig(p);
        if (j.is_object()) {
            for (const char* role : {"bos", "eos", "pad"}) {
                auto it = j.find(std::string(role) + "_token");
                if (it == j.end())
                    continue;
                if (it->is_string())
                    tokens[role] = it->get<std::string>();
                else if (it->is_object() && it->contains("content") && (*it)["content"].is_string())
                    tokens[role] = (*it)["content"].get<std::string>();
            }
        }
        return loadHfTokenizerJson((p / "tokenizer.json").string(), tokens);
    }
    if (fs::exists(p / "vocab.json", ec) && fs::exists(p / "merges.txt", ec))
        return BpeTokenizer::loadVocabMerges((p / "vocab.json").string(),
                                             (p / "merges.txt").string());
    throw InputError(path, "no tokenizer here: expected a tokenizer.json, a folder with " +
                               std::string(kTokenizerDescriptorFile) +
                               ", spiece.model or tokenizer.json (or vocab.json + merges.txt), "
                               "or a run folder");
}

}  // namespace rgpb
