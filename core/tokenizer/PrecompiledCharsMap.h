// SentencePiece's precompiled normalization table ("precompiled_charsmap": NFKC and its
// variants compiled by the trainer into a Darts-clone double-array trie of source strings plus a
// blob of NUL-terminated replacements), as Hugging Face tokenizer.json files carry it base64
// encoded in a "Precompiled" normalizer. Applied the way SentencePiece's normalizer.cc applies
// it: at each position the longest source string of the trie that starts there is replaced;
// where none does, one UTF-8 character is copied (an invalid byte becomes U+FFFD). Hugging
// Face's Precompiled first tries whole grapheme clusters; for text whose grapheme clusters are
// single characters (anything without combining marks and the like) the two agree.
// Torch-free.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace rgpb {

class PrecompiledCharsMap {
public:
    // `blob`: the raw table (uint32 little-endian trie size, the trie's 32-bit units, the
    // replacement strings). Throws InputError(source) when it does not have that shape.
    PrecompiledCharsMap(const std::string& blob, const std::string& source);

    // `text` normalized.
    std::string normalize(std::string_view text) const;

    // The longest source string at the start of `text`: its length in bytes (0 when none) and
    // its replacement.
    std::pair<size_t, std::string_view> longestMatch(std::string_view text) const;

private:
    std::vector<uint32_t> units_;
    std::string replacements_;
    std::string source_;
};

// Standard base64 (RFC 4648, '=' padding optional) to bytes; throws InputError(source) on a
// character outside the alphabet.
std::string decodeBase64(std::string_view text, const std::string& source);

}  // namespace rgpb
