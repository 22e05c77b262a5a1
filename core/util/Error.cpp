#include "core/util/Error.h"

#include <cstdint>
#include <cstdio>

namespace rgpb {

ArgumentError::ArgumentError(const std::string& where, const std::string& argument,
                             const std::string& expected, const std::string& got)
    : Error(where + ": argument '" + argument + "' must be " + expected +
            (got.empty() ? std::string() : ", got " + got)) {}

InputError::InputError(const std::string& location, const std::string& problem)
    : Error(location.empty() ? problem : location + ": " + problem), location_(location) {}

std::string excerpt(const std::string& text, std::size_t max) {
    if (text.size() <= max)
        return text;
    return text.substr(0, max) + "... (" + std::to_string(text.size()) + " characters)";
}

std::string utf8Problem(const std::string& text) {
    const auto* s = reinterpret_cast<const unsigned char*>(text.data());
    const std::size_t n = text.size();
    for (std::size_t i = 0; i < n;) {
        const unsigned char c = s[i];
        std::size_t len = 0;
        uint32_t min = 0, cp = 0;
        if (c < 0x80) {
            ++i;
            continue;
        } else if ((c & 0xe0) == 0xc0) {
            len = 2, min = 0x80, cp = c & 0x1f;
        } else if ((c & 0xf0) == 0xe0) {
            len = 3, min = 0x800, cp = c & 0x0f;
        } else if ((c & 0xf8) == 0xf0) {
            len = 4, min = 0x10000, cp = c & 0x07;
        }
        bool ok = len != 0 && i + len <= n;
        for (std::size_t k = 1; ok && k < len; ++k) {
            ok = (s[i + k] & 0xc0) == 0x80;
            cp = (cp << 6) | (s[i + k] & 0x3f);
        }
        ok = ok && cp >= min && cp <= 0x10ffff && (cp < 0xd800 || cp > 0xdfff);
        if (!ok) {
            char buf[64];
            std::snprintf(buf, sizeof buf, "byte 0x%02x at offset %zu", static_cast<unsigned>(c),
                          i);
            return buf;
        }
        i += len;
    }
    return {};
}

std::string escapedBytes(const std::string& text) {
    std::string out;
    for (unsigned char c : text) {
        if (c >= 0x20 && c < 0x7f) {
            out += static_cast<char>(c);
        } else {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\x%02x", static_cast<unsigned>(c));
            out += buf;
        }
    }
    return out;
}

}  // namespace rgpb
