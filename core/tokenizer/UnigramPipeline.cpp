#include "core/tokenizer/UnigramPipeline.h"

#include <nlohmann/json.hpp>

#include <climits>

#include "core/tokenizer/ByteUnicode.h"
#include "core/tokenizer/PrecompiledCharsMap.h"
#include "core/tokenizer/TokenizerFiles.h"
#include "core/util/Error.h"

namespace rgpb {

namespace {

std::string optString(const nlohmann::json& obj, const char* key, const std::string& fallback,
                      const std::string& source, const std::string& path) {
    auto it = obj.find(key);
    if (it == obj.end() || it->is_null())
        return fallback;
    if (!it->is_string() || it->get<std::string>().empty())
        throwAtKey(source, path + "." + key,
                   "expected a non-empty string, got " + excerpt(it->dump(), 80));
    return it->get<std::string>();
}

std::string typeOf(const nlohmann::json& obj, const std::string& source, const std::string& path) {
    if (!obj.is_object())
        throwAtKey(source, path,
                   "expected an object {\"type\": ...}, got " + excerpt(obj.dump(), 80));
    return optString(obj, "type", "(none)", source, path);
}

// Calls read(object, key) for `obj`, or for each member of its list `list_key` (nested ones
// too) when it is a Sequence.
template <typename Read>
void readSequence(const nlohmann::json& obj, const char* list_key, const std::string& source,
                  const std::string& key, Read&& read) {
    if (typeOf(obj, source, key) != "Sequence") {
        read(obj, key);
        return;
    }
    auto list = obj.find(list_key);
    if (list == obj.end() || !list->is_array())
        throwAtKey(source, key + "." + list_key, "expected a list");
    for (size_t i = 0; i < list->size(); ++i)
        readSequence((*list)[i], list_key, source,
                     key + "." + list_key + "[" + std::to_string(i) + "]", read);
}

constexpr const char* kSpaceSymbol = "\xE2\x96\x81";  // U+2581, SentencePiece's space

// Every occurrence of `from` in `text` replaced by `to`.
std::string replaceAll(std::string_view text, const std::string& from, const std::string& to) {
    std::string out;
    size_t start = 0;
    for (size_t at; (at = text.find(from, start)) != std::string_view::npos;
         start = at + from.size())
        out.append(text.substr(start, at - start)).append(to);
    return out.append(text.substr(start));
}

}  // namespace

UnigramPipeline::UnigramPipeline(const nlohmann::json& j, const std::string& source) {
    if (!j.is_object())
        throw InputError(source, "expected a JSON object (a Hugging Face tokenizer.json)");
    readModel(j, source);
    if (auto n = j.find("normalizer"); n != j.end() && !n->is_null())
        readSequence(*n, "normalizers", source, "normalizer",
                     [&](const nlohmann::json& step, const std::string& key) {
                         readNormalizer(step, source, key);
                     });
    if (auto p = j.find("pre_tokenizer"); p != j.end() && !p->is_null())
        readSequence(*p, "pretokenizers", source, "pre_tokenizer",
                     [&](const nlohmann::json& step, const std::string& key) {
                         readPreTokenizer(step, source, key);
                     });
    if (auto d = j.find("decoder"); d != j.end() && !d->is_null())
        readDecoder(*d, source);
}

UnigramPipeline::~UnigramPipeline() = default;

void UnigramPipeline::readModel(const nlohmann::json& j, const std::string& source) {
    auto m = j.find("model");
    if (m == j.end() || !m->is_object())
        throwAtKey(source, "model", "missing: expected the tokenizer model object");
    if (auto t = m->find("type"); t == m->end() || *t != "Unigram")
        throwAtKey(
            source, "model.type",
            "expected \"Unigram\", got " + (t == m->end() ? std::string("none") : t->dump()));
    if (optionalBool(*m, "byte_fallback", false, source, "model"))
        throwAtKey(source, "model.byte_fallback",
                   "unsupported: T5's Unigram model has no byte fallback");
    auto vocab = m->find("vocab");
    if (vocab == m->end() || !vocab->is_array() || vocab->empty())
        throwAtKey(source, "model.vocab", "missing: expected a list of [piece, score] pairs");
    if (vocab->size() > (1u << 24))
        throwAtKey(source, "model.vocab", "more than 2^24 pieces (ModelConfig's vocab_size limit)");
    std::vector<UnigramModel::Piece> pieces;
    pieces.reserve(vocab->size());
    for (size_t i = 0; i < vocab->size(); ++i) {
        const auto& entry = (*vocab)[i];
        if (!entry.is_array() || entry.size() != 2 || !entry[0].is_string() ||
            !entry[1].is_number())
            throwAtKey(source, "model.vocab[" + std::to_string(i) + "]",
                       "expected [piece, score] (a string and a number), got " +
                           excerpt(entry.dump(), 80));
        pieces.push_back({entry[0].get<std::string>(), entry[1].get<float>(), true});
    }
    auto unk = m->find("unk_id");
    if (unk == m->end() || !unk->is_number_integer() || unk->get<int64_t>() < 0 ||
        unk->get<int64_t>() >= static_cast<int64_t>(pieces.size()))
        throwAtKey(source, "model.unk_id",
                   "expected the id of the unknown piece, in [0, " + std::to_string(pieces.size()) +
                       "), got " +
                       (unk == m->end() ? std::string("none") : excerpt(unk->dump(), 80)));
    const auto unk_id = static_cast<int32_t>(unk->get<int64_t>());
    pieces[static_cast<size_t>(unk_id)].matchable = false;

    if (auto added = j.find("added_tokens"); added != j.end() && !added->is_null()) {
        if (!added->is_array())
            throwAtKey(source, "added_tokens", "expected a list");
        for (size_t i = 0; i < added->size(); ++i) {
            const auto& a = (*added)[i];
            const std::string path = "added_tokens[" + std::to_string(i) + "]";
            auto id = a.is_object() ? a.find("id") : a.end();
            auto content = a.is_object() ? a.find("content") : a.end();
            if (!a.is_object() || id == a.end() || !id->is_number_integer() ||
                id->get<int64_t>() < 0 || id->get<int64_t>() >= INT32_MAX || content == a.end() ||
                !content->is_string() || content->get<std::string>().empty())
                throwAtKey(
                    source, path,
                    "expected {\"id\": a non-negative integer, \"content\": a non-empty string, "
                    "...}, got " +
                        excerpt(a.dump(), 80));
            AddedToken t{static_cast<int32_t>(id->get<int64_t>()), content->get<std::string>(),
                         optionalBool(a, "special", false, source, path)};
            if (t.id < static_cast<int32_t>(pieces.size())) {
                UnigramModel::Piece& p = pieces[static_cast<size_t>(t.id)];
                if (p.text != t.content)
                    throwAtKey(source, path + ".content",
                               "id " + std::to_string(t.id) + " is '" + excerpt(p.text, 40) +
                                   "' in model.vocab, not '" + excerpt(t.content, 40) + "'");
                p.matchable = false;
            } else if (t.id > static_cast<int32_t>(pieces.size() + added->size()) + 65536) {
                throwAtKey(source, path + ".id",
                           "id " + std::to_string(t.id) + " is far beyond the vocabulary's " +
                               std::to_string(pieces.size()) + " pieces");
            }
            added_.push_back(std::move(t));
        }
    }
    model_ = std::make_unique<UnigramModel>(std::move(pieces), unk_id);
}

void UnigramPipeline::readNormalizer(const nlohmann::json& n, const std::string& source,
                                     const std::string& key) {
    const std::string type = typeOf(n, source, key);
    Normalizer step;
    if (type == "Precompiled") {
        auto map = n.find("precompiled_charsmap");
        if (map == n.end() || !map->is_string())
            throwAtKey(source, key + ".precompiled_charsmap", "expected a base64 string");
        const std::string where = source + " (" + key + ".precompiled_charsmap)";
        step.kind = Normalizer::Kind::Precompiled;
        step.charsmap = std::make_shared<PrecompiledCharsMap>(
            decodeBase64(map->get<std::string>(), where), where);
    } else if (type == "Strip") {
        step.left = optionalBool(n, "strip_left", false, source, key);
        step.right = optionalBool(n, "strip_right", false, source, key);
    } else if (type == "Replace") {
        auto pattern = n.find("pattern");
        auto content = n.find("content");
        if (content == n.end() || !content->is_string())
            throwAtKey(source, key + ".content", "expected the replacement string");
        step.content = content->get<std::string>();
        if (pattern != n.end() && pattern->is_object() && pattern->contains("String") &&
            (*pattern)["String"].is_string() && !(*pattern)["String"].get<std::string>().empty()) {
            step.kind = Normalizer::Kind::Replace;
            step.pattern = (*pattern)["String"].get<std::string>();
        } else if (pattern != n.end() && pattern->is_object() && pattern->contains("Regex") &&
                   (*pattern)["Regex"] == " {2,}") {
            step.kind = Normalizer::Kind::ReplaceSpaceRuns;
        } else {
            throwAtKey(
                source, key + ".pattern",
                "unsupported pattern " +
                    (pattern == n.end() ? std::string("(none)") : excerpt(pattern->dump(), 80)) +
                    ": expected {\"String\": text} or {\"Regex\": \" {2,}\"}");
        }
    } else {
        throwAtKey(source, key + ".type",
                   "unsupported normalizer " + type +
                       ": expected Precompiled, Strip, Replace or a Sequence of them");
    }
    normalizers_.push_back(std::move(step));
}

void UnigramPipeline::readPreTokenizer(const nlohmann::json& p, const std::string& source,
                                       const std::string& key) {
    const std::string type = typeOf(p, source, key);
    PreTokenizer step;
    if (type == "Metaspace") {
        step.kind = PreTokenizer::Kind::Metaspace;
        step.replacement = optString(p, "replacement", kSpaceSymbol, source, key);
        step.split = optionalBool(p, "split", true, source, key);
        const std::string scheme =
            optString(p, "prepend_scheme",
                      optionalBool(p, "add_prefix_space", true, source, key) ? "always" : "never",
                      source, key);
        if (scheme == "always")
            step.prepend = PreTokenizer::Prepend::Always;
        else if (scheme == "first")
            step.prepend = PreTokenizer::Prepend::First;
        else if (scheme == "never")
            step.prepend = PreTokenizer::Prepend::Never;
        else
            throwAtKey(
                source, key + ".prepend_scheme",
                "expected \"always\", \"first\" or \"never\", got \"" + excerpt(scheme, 40) + "\"");
    } else if (type != "WhitespaceSplit") {
        throwAtKey(source, key + ".type",
                   "unsupported pre-tokenizer " + type +
                       ": expected Metaspace, WhitespaceSplit or a Sequence of them");
    }
    pre_tokenizers_.push_back(std::move(step));
}

void UnigramPipeline::readDecoder(const nlohmann::json& d, const std::string& source) {
    const std::string type = typeOf(d, source, "decoder");
    if (type != "Metaspace")
        throwAtKey(source, "decoder.type", "unsupported decoder " + type + ": expected Metaspace");
    decode_metaspace_ = true;
    decode_replacement_ = optString(d, "replacement", kSpaceSymbol, source, "decoder");
    const std::string scheme =
        optString(d, "prepend_scheme",
                  optionalBool(d, "add_prefix_space", true, source, "decoder") ? "always" : "never",
                  source, "decoder");
    decode_strip_first_ = scheme != "never";
}

std::string UnigramPipeline::normalize(std::string_view text) const {
    std::string s(text);
    for (const Normalizer& n : normalizers_) {
        switch (n.kind) {
            case Normalizer::Kind::Precompiled:
                s = n.charsmap->normalize(s);
                break;
            case Normalizer::Kind::Strip: {
                const std::vector<Utf8Char> chars = decodeUtf8(s);
                size_t first = 0, last = chars.size();
                while (n.left && first < last && isUnicodeSpace(chars[first].cp))
                    ++first;
                while (n.right && last > first && isUnicodeSpace(chars[last - 1].cp))
                    --last;
                s = first == last ? std::string()
                                  : s.substr(chars[first].begin, chars[last - 1].begin +
                                                                     chars[last - 1].size -
                                                                     chars[first].begin);
                break;
            }
            case Normalizer::Kind::Replace:
                s = replaceAll(s, n.pattern, n.content);
                break;
            case Normalizer::Kind::ReplaceSpaceRuns: {
                std::string out;
                for (size_t i = 0; i < s.size();) {
                    size_t run = 0;
                    while (i + run < s.size() && s[i + run] == ' ')
                        ++run;
                    if (run >= 2)
                        out += n.content;
                    else if (run == 1)
                        out += ' ';
                    else
                        out += s[i];
                    i += run > 0 ? run : 1;
                }
                s = std::move(out);
                break;
            }
        }
    }
    return s;
}

void UnigramPipeline::encode(std::string_view text, bool at_start,
                             std::vector<int32_t>& out) const {
    struct Word {
        std::string text;
        bool at_start;  // the word begins the input
    };
    std::vector<Word> words{{normalize(text), at_start}};
    for (const PreTokenizer& p : pre_tokenizers_) {
        std::vector<Word> next;
        for (Word& w : words) {
            if (p.kind == PreTokenizer::Kind::WhitespaceSplit) {
                const std::vector<Utf8Char> chars = decodeUtf8(w.text);
                size_t begin = 0;
                for (size_t i = 0; i <= chars.size(); ++i) {
                    const size_t at = i < chars.size() ? chars[i].begin : w.text.size();
                    if (i < chars.size() && !isUnicodeSpace(chars[i].cp))
                        continue;
                    if (at > begin)
                        next.push_back(
                            {w.text.substr(begin, at - begin), w.at_start && begin == 0});
                    begin = i < chars.size() ? at + chars[i].size : at;
                }
                continue;
            }
            std::string s = replaceAll(w.text, " ", p.replacement);
            const bool prepend = p.prepend == PreTokenizer::Prepend::Always ||
                                 (p.prepend == PreTokenizer::Prepend::First && w.at_start);
            if (prepend && !s.empty() && s.compare(0, p.replacement.size(), p.replacement) != 0)
                s.insert(0, p.replacement);
            if (!p.split) {
                next.push_back({std::move(s), w.at_start});
                continue;
            }
            // Split before each replacement (it starts the next word: MergedWithNext).
            size_t begin = 0;
            for (size_t at = s.find(p.replacement, 1); at != std::string::npos;
                 at = s.find(p.replacement, at + p.replacement.size())) {
                next.push_back({s.substr(begin, at - begin), w.at_start && begin == 0});
                begin = at;
            }
            if (begin < s.size())
                next.push_back({s.substr(begin), w.at_start && begin == 0});
        }
        words = std::move(next);
    }
    for (const Word& w : words)
        model_->encode(w.text, out);
}

std::string UnigramPipeline::decode(const std::vector<std::string>& pieces) const {
    std::string out;
    for (const std::string& piece : pieces) {
        if (!decode_metaspace_) {
            out += piece;
            continue;
        }
        std::string_view p = piece;
        // SentencePiece's rule: until some text has come out, each token loses one leading
        // replacement (the prepended space).
        if (out.empty() && decode_strip_first_ &&
            p.substr(0, decode_replacement_.size()) == decode_replacement_)
            p.remove_prefix(decode_replacement_.size());
        out += replaceAll(p, decode_replacement_, " ");
    }
    return out;
}

}  // namespace rgpb
