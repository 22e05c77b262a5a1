#include "core/tokenizer/PrecompiledCharsMap.h"

#include <algorithm>

#include "core/tokenizer/ByteUnicode.h"
#include "core/util/Error.h"

namespace rgpb {

namespace {

// Darts-clone's double-array unit (darts.h, DoubleArrayUnit).
bool hasLeaf(uint32_t unit) {
    return ((unit >> 8) & 1) == 1;
}
uint32_t valueOf(uint32_t unit) {
    return unit & ((1U << 31) - 1);
}
uint32_t labelOf(uint32_t unit) {
    return unit & ((1U << 31) | 0xFF);
}
uint32_t offsetOf(uint32_t unit) {
    return (unit >> 10) << ((unit & (1U << 9)) >> 6);
}

uint32_t readLittleEndian32(const std::string& blob, size_t at) {
    uint32_t v = 0;
    for (int i = 3; i >= 0; --i)
        v = (v << 8) | static_cast<unsigned char>(blob[at + static_cast<size_t>(i)]);
    return v;
}

}  // namespace

PrecompiledCharsMap::PrecompiledCharsMap(const std::string& blob, const std::string& source)
    : source_(source) {
    if (blob.size() <= 4)
        throw InputError(source, "precompiled_charsmap too short (" + std::to_string(blob.size()) +
                                     " bytes): expected a trie size, a trie and replacements");
    const uint32_t trie_size = readLittleEndian32(blob, 0);
    if (trie_size == 0 || trie_size % 4 != 0 || trie_size >= blob.size() - 4)
        throw InputError(source, "precompiled_charsmap: trie size " + std::to_string(trie_size) +
                                     " does not fit its " + std::to_string(blob.size()) +
                                     " bytes (expected a multiple of 4 below the blob size)");
    units_.resize(trie_size / 4);
    for (size_t i = 0; i < units_.size(); ++i)
        units_[i] = readLittleEndian32(blob, 4 + 4 * i);
    replacements_ = blob.substr(4 + trie_size);
}

std::pair<size_t, std::string_view> PrecompiledCharsMap::longestMatch(std::string_view text) const {
    // Darts-clone's commonPrefixSearch, keeping the longest hit; positions outside the array
    // (a corrupt table) end the search.
    size_t best_length = 0;
    uint32_t best_value = 0;
    size_t pos = offsetOf(units_[0]);
    for (size_t i = 0; i < text.size(); ++i) {
        const auto byte = static_cast<unsigned char>(text[i]);
        pos ^= byte;
        if (pos >= units_.size())
            break;
        const uint32_t unit = units_[pos];
        if (labelOf(unit) != byte)
            break;
        pos ^= offsetOf(unit);
        if (pos >= units_.size())
            break;
        if (hasLeaf(unit)) {
            best_length = i + 1;
            best_value = valueOf(units_[pos]);
        }
    }
    if (best_length == 0)
        return {0, {}};
    if (best_value >= replacements_.size())
        throw InputError(source_, "precompiled_charsmap: replacement offset " +
                                      std::to_string(best_value) + " beyond its " +
                                      std::to_string(replacements_.size()) + " bytes");
    const size_t end = replacements_.find('\0', best_value);
    if (end == std::string::npos)
        throw InputError(source_, "precompiled_charsmap: replacement at offset " +
                                      std::to_string(best_value) + " is not NUL-terminated");
    return {best_length, std::string_view(replacements_).substr(best_value, end - best_value)};
}

std::string PrecompiledCharsMap::normalize(std::string_view text) const {
    std::string out;
    out.reserve(text.size());
    while (!text.empty()) {
        auto [length, replacement] = longestMatch(text);
        if (length > 0) {
            out.append(replacement);
            text.remove_prefix(length);
            continue;
        }
        // One character, when it is valid UTF-8; else U+FFFD for one byte (SentencePiece's
        // IsValidDecodeUTF8 and kReplacementChar).
        const Utf8Char c =
            decodeUtf8(std::string(text.substr(0, std::min<size_t>(4, text.size()))))[0];
        if (c.cp != kInvalidUtf8) {
            out.append(text.substr(0, c.size));
            text.remove_prefix(c.size);
        } else {
            out.append("\xEF\xBF\xBD");
            text.remove_prefix(1);
        }
    }
    return out;
}

std::string decodeBase64(std::string_view text, const std::string& source) {
    std::string out;
    out.reserve(text.size() / 4 * 3);
    uint32_t buffer = 0;
    int bits = 0;
    for (size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        int v;
        if (c >= 'A' && c <= 'Z')
            v = c - 'A';
        else if (c >= 'a' && c <= 'z')
            v = c - 'a' + 26;
        else if (c >= '0' && c <= '9')
            v = c - '0' + 52;
        else if (c == '+')
            v = 62;
        else if (c == '/')
            v = 63;
        else if (c == '=')
            break;
        else
            throw InputError(source, "not base64: character " + escapedBytes(std::string(1, c)) +
                                         " at offset " + std::to_string(i));
        buffer = (buffer << 6) | static_cast<uint32_t>(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out.push_back(static_cast<char>((buffer >> bits) & 0xFF));
        }
    }
    return out;
}

}  // namespace rgpb
