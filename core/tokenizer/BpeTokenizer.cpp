// BpeTokenizer's encoding and decoding (pre-tokenization, merges, added tokens); reading the
// vocabulary and merges is in BpeTokenizerLoad.cpp.
#include "core/tokenizer/BpeTokenizer.h"

#include <algorithm>
#include <cctype>
#include <climits>

#include "core/tokenizer/ByteUnicode.h"
#include "core/util/Error.h"

namespace rgpb {

namespace {

struct CodeRange {
    uint32_t first, last;
};
#include "core/tokenizer/UnicodeClasses.inc"

template <size_t N>
bool inRanges(const CodeRange (&ranges)[N], uint32_t cp) {
    const CodeRange* end = ranges + N;
    const CodeRange* it = std::upper_bound(
        ranges, end, cp, [](uint32_t v, const CodeRange& r) { return v < r.first; });
    return it != ranges && cp <= (it - 1)->last;
}

enum class Class { Space, Letter, Number, Other };

Class classOf(uint32_t cp) {
    if (cp == kInvalidUtf8)
        return Class::Other;
    if (isUnicodeSpace(cp))
        return Class::Space;
    if (inRanges(kLetterRanges, cp))
        return Class::Letter;
    if (inRanges(kNumberRanges, cp))
        return Class::Number;
    return Class::Other;
}

}  // namespace

std::string BpeTokenizer::mergeKey(const std::string& a, const std::string& b) {
    std::string k;
    k.reserve(a.size() + b.size() + 1);
    k += a;
    k += '\0';
    k += b;
    return k;
}

const std::string& BpeTokenizer::byteChar(uint8_t b) {
    return byteUnicodeTable().text[b];
}

// ---- Encoding -------------------------------------------------------------------------------

std::vector<std::string> BpeTokenizer::preTokenize(const std::string& text) {
    const std::vector<Utf8Char> chars = decodeUtf8(text);
    const size_t n = chars.size();
    std::vector<Class> cls(n);
    for (size_t i = 0; i < n; ++i)
        cls[i] = classOf(chars[i].cp);
    auto run = [&](size_t j, Class c) {
        while (j < n && cls[j] == c)
            ++j;
        return j;
    };
    auto matchAt = [&](size_t i) -> size_t {
        // 's|'t|'re|'ve|'m|'ll|'d
        if (chars[i].cp == '\'') {
            static const char* const kSuffixes[] = {"s", "t", "re", "ve", "m", "ll", "d"};
            for (const char* suffix : kSuffixes) {
                size_t k = 0;
                while (suffix[k] != '\0' && i + 1 + k < n &&
                       chars[i + 1 + k].cp == static_cast<uint32_t>(suffix[k]))
                    ++k;
                if (suffix[k] == '\0')
                    return i + 1 + k;
            }
        }
        // ' ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+'
        for (Class c : {Class::Letter, Class::Number, Class::Other}) {
            size_t j = i;
            if (chars[i].cp == ' ' && i + 1 < n && cls[i + 1] == c)
                j = i + 1;
            if (cls[j] == c)
                return run(j, c);
        }
        // '\s+(?!\S)|\s+': a whitespace run; before a non-space, its last char is left to
        // prefix the next piece (unless the run is that one char).
        const size_t k = run(i, Class::Space);
        if (k == n || k - i == 1)
            return k;
        return k - 1;
    };
    std::vector<std::string> out;
    size_t i = 0;
    while (i < n) {
        const size_t end = matchAt(i);
        const size_t b = chars[i].begin, e = chars[end - 1].begin + chars[end - 1].size;
        out.push_back(text.substr(b, e - b));
        i = end;
    }
    return out;
}

void BpeTokenizer::encodePiece(const std::string& bytes, std::vector<int32_t>& out) const {
    {
        std::lock_guard<std::mutex> lock(cache_mutex_);
        auto it = cache_.find(bytes);
        if (it != cache_.end()) {
            out.insert(out.end(), it->second.begin(), it->second.end());
            return;
        }
    }
    const ByteUnicodeTable& t = byteUnicodeTable();
    std::vector<std::string> symbols;
    symbols.reserve(bytes.size());
    std::string whole;
    for (unsigned char b : bytes) {
        symbols.push_back(t.text[b]);
        whole += t.text[b];
    }
    std::vector<int32_t> ids;
    auto direct = ignore_merges_ ? vocab_.find(whole) : vocab_.end();
    if (direct != vocab_.end()) {
        ids.push_back(direct->second);
    } else {
        while (symbols.size() > 1) {
            int best = INT_MAX;
            size_t at = 0;
            for (size_t i = 0; i + 1 < symbols.size(); ++i) {
                auto it = merge_rank_.find(mergeKey(symbols[i], symbols[i + 1]));
                if (it != merge_rank_.end() && it->second < best) {
                    best = it->second;
                    at = i;
                }
            }
            if (best == INT_MAX)
                break;
            const std::string a = symbols[at], b = symbols[at + 1];
            std::vector<std::string> merged;
            merged.reserve(symbols.size());
            for (size_t i = 0; i < symbols.size();) {
                if (i + 1 < symbols.size() && symbols[i] == a && symbols[i + 1] == b) {
                    merged.push_back(a + b);
                    i += 2;
                } else {
                    merged.push_back(std::move(symbols[i]));
                    ++i;
                }
            }
            symbols = std::move(merged);
        }
        for (const std::string& s : symbols) {
            auto it = vocab_.find(s);
            if (it != vocab_.end()) {
                ids.push_back(it->second);
            } else if (unk_id_ >= 0) {
                ids.push_back(unk_id_);
            } else {
                throw Error("BPE: the vocabulary has no token '" + s +
                            "' and no unk_token (a byte-level vocabulary must hold all 256 byte "
                            "characters)");
            }
        }
    }
    out.insert(out.end(), ids.begin(), ids.end());
    std::lock_guard<std::mutex> lock(cache_mutex_);
    if (cache_.size() > 200000)
        cache_.clear();
    cache_.emplace(bytes, std::move(ids));
}

void BpeTokenizer::encodeOrdinary(const std::string& text, std::vector<int32_t>& out) const {
    if (text.empty())
        return;
    std::string segment = text;
    if (add_prefix_space_ && segment.front() != ' ')
        segment.insert(segment.begin(), ' ');
    if (!use_regex_) {
        encodePiece(segment, out);
        return;
    }
    for (const std::string& piece : preTokenize(segment))
        encodePiece(piece, out);
}

std::vector<int32_t> BpeTokenizer::encode(const std::string& text) const {
    std::vector<int32_t> out;
    const size_t n = text.size();
    auto isSpaceByte = [](char c) { return c == ' ' || (c >= '\t' && c <= '\r'); };
    auto isWordByte = [](char c) {
        const auto u = static_cast<unsigned char>(c);
        return u >= 0x80 || std::isalnum(u) != 0 || c == '_';
    };
    size_t plain = 0;  // start of the text not yet encoded
    size_t i = 0;
    while (i < n && !added_.empty()) {
        const AddedToken* hit = nullptr;
        for (const AddedToken& t : added_) {
            if (text.compare(i, t.content.size(), t.content) != 0)
                continue;
            const size_t e = i + t.content.size();
            if (t.single_word &&
                ((i > 0 && isWordByte(text[i - 1])) || (e < n && isWordByte(text[e]))))
                continue;
            hit = &t;
            break;
        }
        if (hit == nullptr) {
            ++i;
            continue;
        }
        size_t b = i, e = i + hit->content.size();
        if (hit->lstrip)
            while (b > plain && isSpaceByte(text[b - 1]))
                --b;
        if (hit->rstrip)
            while (e < n && isSpaceByte(text[e]))
                ++e;
        encodeOrdinary(text.substr(plain, b - plain), out);
        out.push_back(hit->id);
        plain = i = e;
    }
    encodeOrdinary(text.substr(plain), out);
    return out;
}

std::string BpeTokenizer::tokenText(int32_t id) const {
    if (id < 0 || id >= vocab_size_)
        return "";
    if (added_by_id_[static_cast<size_t>(id)] != 0)
        for (const AddedToken& t : added_)
            if (t.id == id)
                return t.content;
    return id_to_token_[static_cast<size_t>(id)];
}

std::string BpeTokenizer::decode(const std::vector<int32_t>& ids) const {
    const ByteUnicodeTable& t = byteUnicodeTable();
    std::string out;
    for (size_t k = 0; k < ids.size(); ++k) {
        const int32_t id = ids[k];
        if (id < 0 || id >= vocab_size_)
            throw ArgumentError("BpeTokenizer::decode", "ids",
                                "ids in [0, " + std::to_string(vocab_size_) + ")",
                                std::to_string(id) + " at index " + std::to_string(k));
        const int8_t added = added_by_id_[static_cast<size_t>(id)];
        if (added == 1)
            continue;
        if (added == 2) {
            out += tokenText(id);
            continue;
        }
        const std::string& token = id_to_token_[static_cast<size_t>(id)];
        if (token.empty())
            throw ArgumentError(
                "BpeTokenizer::decode", "ids", "ids of tokens",
                std::to_string(id) + " (no token has this id) at index " + std::to_string(k));
        for (const Utf8Char& c : decodeUtf8(token)) {
            if (c.cp != kInvalidUtf8 && c.cp < t.byte_of.size() && t.byte_of[c.cp] >= 0)
                out += static_cast<char>(t.byte_of[c.cp]);
            else
                out.append(token, c.begin, c.size);
        }
    }
    return out;
}

}  // namespace rgpb
