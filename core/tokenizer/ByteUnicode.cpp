#include "core/tokenizer/ByteUnicode.h"

namespace rgpb {

bool isUnicodeSpace(uint32_t cp) {
    return (cp >= 0x9 && cp <= 0xD) || cp == 0x20 || cp == 0x85 || cp == 0xA0 || cp == 0x1680 ||
           (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F ||
           cp == 0x205F || cp == 0x3000;
}

std::vector<Utf8Char> decodeUtf8(const std::string& s) {
    std::vector<Utf8Char> out;
    out.reserve(s.size());
    const auto* p = reinterpret_cast<const unsigned char*>(s.data());
    const size_t n = s.size();
    size_t i = 0;
    while (i < n) {
        const unsigned char c = p[i];
        uint32_t cp = kInvalidUtf8, len = 1;
        if (c < 0x80) {
            cp = c;
        } else {
            uint32_t need = 0, min = 0;
            if ((c & 0xE0) == 0xC0) {
                need = 1, min = 0x80, cp = c & 0x1F;
            } else if ((c & 0xF0) == 0xE0) {
                need = 2, min = 0x800, cp = c & 0x0F;
            } else if ((c & 0xF8) == 0xF0) {
                need = 3, min = 0x10000, cp = c & 0x07;
            }
            bool ok = need > 0;
            for (uint32_t k = 1; ok && k <= need; ++k) {
                if (i + k >= n || (p[i + k] & 0xC0) != 0x80)
                    ok = false;
                else
                    cp = (cp << 6) | (p[i + k] & 0x3F);
            }
            if (ok && (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)))
                ok = false;
            if (ok)
                len = need + 1;
            else
                cp = kInvalidUtf8;
        }
        out.push_back({cp, static_cast<uint32_t>(i), len});
        i += len;
    }
    return out;
}

void appendUtf8(std::string& out, uint32_t cp) {
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
}

ByteUnicodeTable::ByteUnicodeTable() {
    std::array<bool, 256> printable{};
    for (int b = '!'; b <= '~'; ++b)
        printable[b] = true;
    for (int b = 0xA1; b <= 0xAC; ++b)
        printable[b] = true;
    for (int b = 0xAE; b <= 0xFF; ++b)
        printable[b] = true;
    uint32_t n = 0;
    for (int b = 0; b < 256; ++b)
        cp[b] = printable[b] ? static_cast<uint32_t>(b) : 256 + n++;
    byte_of.assign(256 + n, -1);
    for (int b = 0; b < 256; ++b) {
        appendUtf8(text[b], cp[b]);
        byte_of[cp[b]] = b;
    }
}

const ByteUnicodeTable& byteUnicodeTable() {
    static const ByteUnicodeTable table;
    return table;
}

}  // namespace rgpb
