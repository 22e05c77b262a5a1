// BpeTokenizer's reading: a Hugging Face tokenizer.json's BPE model (vocabulary, merges, added
// tokens, pre-tokenizer), GPT-2's vocab.json + merges.txt, the special tokens, and save().
#include "core/tokenizer/BpeTokenizer.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <climits>
#include <filesystem>

#include "core/run/RunStore.h"
#include "core/tokenizer/TokenizerFactory.h"
#include "core/tokenizer/TokenizerFiles.h"
#include "core/tokenizer/TokenizerJson.h"
#include "core/util/Error.h"
#include "core/util/JsonFile.h"
#include "core/util/SafeFile.h"

namespace fs = std::filesystem;

namespace rgpb {

namespace {

void checkPreTokenizer(const nlohmann::json& pre, const std::string& source, bool* prefix_space,
                       bool* use_regex) {
    if (pre.is_null() || !pre.is_object())
        throwAtKey(source, "pre_tokenizer",
                   "a byte-level BPE needs {\"type\": \"ByteLevel\"}, got " + pre.dump());
    const std::string type = pre.value("type", "");
    if (type == "ByteLevel") {
        *prefix_space = optionalBool(pre, "add_prefix_space", false, source, "pre_tokenizer");
        *use_regex = optionalBool(pre, "use_regex", true, source, "pre_tokenizer");
        return;
    }
    if (type == "Sequence") {
        auto list = pre.find("pretokenizers");
        if (list != pre.end() && list->is_array() && list->size() == 1) {
            checkPreTokenizer((*list)[0], source, prefix_space, use_regex);
            return;
        }
    }
    throwAtKey(source, "pre_tokenizer.type",
               "unsupported pre-tokenizer " + pre.value("type", std::string("(none)")) +
                   ": only ByteLevel (GPT-2's pattern) is supported");
}

}  // namespace

std::unique_ptr<BpeTokenizer> BpeTokenizer::fromTokenizerJson(
    const std::string& text, const std::string& source,
    const std::map<std::string, std::string>& token_overrides) {
    const nlohmann::json j = parseJson(text, source);
    if (!j.is_object())
        throw InputError(source, "expected a JSON object (a Hugging Face tokenizer.json)");
    std::unique_ptr<BpeTokenizer> tok(new BpeTokenizer());
    tok->json_text_ = text;

    auto model_it = j.find("model");
    if (model_it == j.end() || !model_it->is_object())
        throwAtKey(source, "model", "missing: expected the tokenizer model object");
    int32_t max_id = tok->readModel(*model_it, source);
    if (auto added = j.find("added_tokens"); added != j.end() && !added->is_null())
        max_id = std::max(max_id, tok->readAddedTokens(*added, source));

    if (auto norm = j.find("normalizer"); norm != j.end() && !norm->is_null()) {
        // NFC is accepted and not applied (see the header).
        if (!norm->is_object() || norm->value("type", "") != "NFC")
            throwAtKey(source, "normalizer",
                       "unsupported normalizer " + norm->dump() +
                           ": only none or NFC (taken as already applied)");
    }
    auto pre = j.find("pre_tokenizer");
    checkPreTokenizer(pre == j.end() ? nlohmann::json() : *pre, source, &tok->add_prefix_space_,
                      &tok->use_regex_);
    tok->checkIdRange(max_id, source);
    tok->vocab_size_ = max_id + 1;
    tok->finish(token_overrides, source);
    return tok;
}

// Tables are sized by the largest id (id -> token): an id far beyond the tokens listed (one
// token with id 100,000,000 would take gigabytes) is refused naming it. Real vocabularies are
// dense: ids run from 0 to about the number of tokens, plus a little padding.
void BpeTokenizer::checkIdRange(int32_t max_id, const std::string& source) const {
    constexpr int64_t kMaxId = (int64_t(1) << 24) - 1;  // ModelConfig's vocab_size limit
    int64_t tokens = static_cast<int64_t>(vocab_.size());
    for (const AddedToken& t : added_)
        tokens += vocab_.count(t.content) == 0 ? 1 : 0;
    const int64_t limit = std::min<int64_t>(kMaxId, 2 * tokens + 65536);
    if (max_id <= limit)
        return;
    std::string key;
    for (const auto& [token, id] : vocab_) {
        if (id == max_id)
            key = "model.vocab." + excerpt(token, 60);
    }
    for (size_t i = 0; i < added_.size(); ++i) {
        if (added_[i].id == max_id)
            key = "added_tokens[" + std::to_string(i) + "].id";
    }
    throwAtKey(source, key,
               "token id " + std::to_string(max_id) + " is beyond the " + std::to_string(tokens) +
                   " tokens listed (ids up to " + std::to_string(limit) +
                   " accepted): refused rather than sizing the vocabulary by it");
}

// The "model" object: its options, vocabulary and merges. Returns the largest vocabulary id.
int32_t BpeTokenizer::readModel(const nlohmann::json& model, const std::string& source) {
    if (auto t = model.find("type"); t != model.end() && *t != "BPE") {
        throwAtKey(source, "model.type",
                   "unsupported tokenizer model " + t->dump() +
                       ": only byte-level BPE (GPT-2, GPT-NeoX/Pythia) is supported, not Unigram, "
                       "WordPiece or WordLevel");
    }
    for (const char* key : {"continuing_subword_prefix", "end_of_word_suffix"}) {
        auto it = model.find(key);
        if (it != model.end() && !it->is_null() && *it != "")
            throwAtKey(source, std::string("model.") + key,
                       "unsupported (byte-level BPE has none), got " + it->dump());
    }
    if (optionalBool(model, "byte_fallback", false, source, "model"))
        throwAtKey(source, "model.byte_fallback",
                   "unsupported: byte-level BPE needs no byte fallback");
    if (auto d = model.find("dropout"); d != model.end() && !d->is_null() && *d != 0 && *d != 0.0)
        throwAtKey(source, "model.dropout",
                   "unsupported (BPE dropout is random), got " + d->dump());
    ignore_merges_ = optionalBool(model, "ignore_merges", false, source, "model");

    auto vocab = model.find("vocab");
    if (vocab == model.end() || !vocab->is_object())
        throwAtKey(source, "model.vocab", "missing: expected an object {token: id}");
    int32_t max_id = -1;
    for (const auto& [token, id] : vocab->items()) {
        if (!id.is_number_integer() || id.get<int64_t>() < 0 || id.get<int64_t>() > INT32_MAX)
            throwAtKey(source, "model.vocab." + token,
                       "expected a non-negative integer id, got " + id.dump());
        const auto v = static_cast<int32_t>(id.get<int64_t>());
        vocab_[token] = v;
        max_id = std::max(max_id, v);
    }
    auto merges = model.find("merges");
    if (merges == model.end() || !merges->is_array())
        throwAtKey(source, "model.merges",
                   "missing: expected a list of merges (\"a b\" or [\"a\", \"b\"])");
    readMerges(*merges, source);
    if (auto unk = model.find("unk_token"); unk != model.end() && !unk->is_null()) {
        if (!unk->is_string() || vocab_.count(unk->get<std::string>()) == 0)
            throwAtKey(source, "model.unk_token",
                       "expected a token of model.vocab or null, got " + unk->dump());
        unk_id_ = vocab_[unk->get<std::string>()];
    }
    return max_id;
}

void BpeTokenizer::readMerges(const nlohmann::json& merges, const std::string& source) {
    for (size_t i = 0; i < merges.size(); ++i) {
        const auto& m = merges[i];
        const std::string path = "model.merges[" + std::to_string(i) + "]";
        std::string a, b;
        if (m.is_string()) {
            const std::string s = m.get<std::string>();
            const size_t space = s.find(' ');
            if (space == std::string::npos || space == 0 || space + 1 >= s.size() ||
                s.find(' ', space + 1) != std::string::npos)
                throwAtKey(source, path,
                           "expected \"left right\" (two tokens, one space), got " + m.dump());
            a = s.substr(0, space);
            b = s.substr(space + 1);
        } else if (m.is_array() && m.size() == 2 && m[0].is_string() && m[1].is_string()) {
            a = m[0].get<std::string>();
            b = m[1].get<std::string>();
        } else {
            throwAtKey(source, path,
                       "expected \"left right\" or [\"left\", \"right\"], got " + m.dump());
        }
        for (const std::string& token : {a, b, a + b}) {
            if (vocab_.count(token) == 0)
                throwAtKey(source, path, "token '" + token + "' is not in model.vocab");
        }
        merge_rank_.emplace(mergeKey(a, b), static_cast<int>(i));
    }
}

// "added_tokens": matched before pre-tokenization. Returns the largest id (-1 when none).
int32_t BpeTokenizer::readAddedTokens(const nlohmann::json& added, const std::string& source) {
    if (!added.is_array())
        throwAtKey(source, "added_tokens", "expected a list");
    int32_t max_id = -1;
    for (size_t i = 0; i < added.size(); ++i) {
        const auto& a = added[i];
        const std::string path = "added_tokens[" + std::to_string(i) + "]";
        if (!a.is_object())
            throwAtKey(source, path, "expected an object {id, content, special, ...}");
        auto id = a.find("id");
        if (id == a.end() || !id->is_number_integer() || id->get<int64_t>() < 0 ||
            id->get<int64_t>() > INT32_MAX)
            throwAtKey(source, path + ".id", "expected a non-negative integer id");
        auto content = a.find("content");
        if (content == a.end() || !content->is_string() || content->get<std::string>().empty())
            throwAtKey(source, path + ".content", "expected a non-empty string");
        AddedToken t;
        t.id = static_cast<int32_t>(id->get<int64_t>());
        t.content = content->get<std::string>();
        t.special = optionalBool(a, "special", false, source, path);
        t.lstrip = optionalBool(a, "lstrip", false, source, path);
        t.rstrip = optionalBool(a, "rstrip", false, source, path);
        t.single_word = optionalBool(a, "single_word", false, source, path);
        max_id = std::max(max_id, t.id);
        added_.push_back(t);
    }
    return max_id;
}

std::unique_ptr<BpeTokenizer> BpeTokenizer::loadTokenizerJson(const std::string& path) {
    return fromTokenizerJson(readFile(path), path);
}

std::unique_ptr<BpeTokenizer> BpeTokenizer::loadVocabMerges(const std::string& vocab_path,
                                                            const std::string& merges_path) {
    const nlohmann::json vocab = parseJson(readFile(vocab_path), vocab_path);
    if (!vocab.is_object())
        throw InputError(vocab_path, "expected a JSON object {token: id}");
    const std::string merges = readFile(merges_path);
    // The tokenizer.json writer refuses text that is not UTF-8 (nlohmann's type_error 316): name
    // the line instead of letting the JSON library's exception escape.
    std::size_t line_no = 0;
    for (std::size_t start = 0; start <= merges.size(); ++line_no) {
        const std::size_t end = std::min(merges.find('\n', start), merges.size());
        try {
            (void)nlohmann::json(merges.substr(start, end - start)).dump();
        } catch (const nlohmann::json::exception&) {
            throw InputError(merges_path + ":" + std::to_string(line_no + 1),
                             "not valid UTF-8 (expected two tokens of the vocabulary, \"a b\")");
        }
        start = end + 1;
    }
    return fromTokenizerJson(gpt2TokenizerJson(vocab, merges), vocab_path + " + " + merges_path);
}

void BpeTokenizer::finish(const std::map<std::string, std::string>& overrides,
                          const std::string& source) {
    id_to_token_.assign(static_cast<size_t>(vocab_size_), std::string());
    for (const auto& [token, id] : vocab_)
        id_to_token_[static_cast<size_t>(id)] = token;
    added_by_id_.assign(static_cast<size_t>(vocab_size_), 0);
    for (const AddedToken& t : added_)
        added_by_id_[static_cast<size_t>(t.id)] = t.special ? 1 : 2;
    // Longest first, so the first match at a position is the longest.
    std::stable_sort(added_.begin(), added_.end(), [](const AddedToken& a, const AddedToken& b) {
        return a.content.size() > b.content.size();
    });

    auto idOf = [&](const std::string& text) -> int32_t {
        for (const AddedToken& t : added_)
            if (t.content == text)
                return t.id;
        auto it = vocab_.find(text);
        return it == vocab_.end() ? -1 : it->second;
    };
    std::string eot;
    if (idOf("<|endoftext|>") >= 0) {
        eot = "<|endoftext|>";
    } else {
        for (const AddedToken& t : added_)
            if (t.special && (eot.empty() || t.id < idOf(eot)))
                eot = t.content;
    }
    std::map<std::string, std::string> texts{
        {"bos", eot},
        {"eos", eot},
        {"sep", eot},
        {"pad", idOf("<|padding|>") >= 0 ? "<|padding|>" : eot}};
    for (const auto& [role, text] : overrides) {
        if (texts.count(role) == 0)
            throw InputError(source, "unknown special token role '" + role +
                                         "' (expected bos, eos, pad or sep)");
        texts[role] = text;
    }
    for (const auto& [role, text] : texts) {
        const int32_t id = text.empty() ? -1 : idOf(text);
        if (id < 0) {
            throw InputError(source,
                             "no token for the " + role + " special" +
                                 (text.empty() ? std::string(": the file has no \"<|endoftext|>\" "
                                                             "and no special added token")
                                               : " token '" + text + "'"));
        }
        if (role == "bos")
            specials_.bos = id;
        else if (role == "eos")
            specials_.eos = id;
        else if (role == "pad")
            specials_.pad = id;
        else
            specials_.sep = id;
        // The interface's specials are never decoded as text.
        added_by_id_[static_cast<size_t>(id)] = 1;
    }
    special_texts_ = texts;
}

void BpeTokenizer::save(const std::string& dir) const {
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec)
        throw Error("cannot create tokenizer folder " + dir + ": " + ec.message());
    writeFileAtomic((fs::path(dir) / "tokenizer.json").string(), json_text_);
    nlohmann::json d;
    d["kind"] = "bpe";
    d["file"] = "tokenizer.json";
    d["tokens"] = special_texts_;
    d["vocab_size"] = vocab_size_;
    writeDescriptor(dir, d, specials_);
}

}  // namespace rgpb
