#include "core/study/FigureText.h"

#include <charconv>
#include <cmath>
#include <cstdint>

namespace rgpb::figure {
namespace {

void appendUtf8(std::string& out, char32_t c) {
    if (c < 0x80) {
        out += static_cast<char>(c);
    } else if (c < 0x800) {
        out += static_cast<char>(0xC0 | (c >> 6));
        out += static_cast<char>(0x80 | (c & 0x3F));
    } else if (c < 0x10000) {
        out += static_cast<char>(0xE0 | (c >> 12));
        out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (c & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (c >> 18));
        out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (c & 0x3F));
    }
}

// Windows-1252 bytes 0x80..0x9F and the code points they stand for (0 = unassigned).
constexpr char32_t kCp1252High[32] = {
    0x20AC, 0,      0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0,      0x017D, 0,      0,      0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0,      0x017E, 0x0178};

struct Spelled {
    char32_t code;
    const char* text;
};
// Symbols a figure label plausibly holds that WinAnsi lacks.
constexpr Spelled kSpelled[] = {
    {0x03B1, "alpha"},   {0x03B2, "beta"},   {0x03B3, "gamma"}, {0x03B4, "delta"},
    {0x03B5, "epsilon"}, {0x03BB, "lambda"}, {0x03C3, "sigma"}, {0x0394, "Delta"},
    {0x2192, "->"},      {0x2190, "<-"},     {0x2212, "-"},     {0x2264, "<="},
    {0x2265, ">="},      {0x2248, "~"},      {0x2260, "!="},    {0x221E, "inf"}};

// Helvetica advance widths (1/1000 em) of ASCII 32..126 in WinAnsiEncoding (Adobe AFM).
constexpr int kHelvetica[95] = {
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333,  278, 278, 556, 556, 556,
    556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556, 1015, 667, 667, 722, 722, 667,
    611, 778, 722, 278, 500, 667, 556, 833, 722, 778, 667, 778, 722, 667,  611, 722, 667, 944, 667,
    667, 611, 278, 278, 278, 469, 556, 333, 556, 556, 500, 556, 556, 278,  556, 556, 222, 222, 500,
    222, 833, 556, 556, 556, 556, 333, 500, 278, 556, 500, 722, 500, 500,  500, 334, 260, 334, 584};

std::string trimZeros(std::string s) {
    std::size_t e = s.find_first_of("eE");
    std::string exponent = e == std::string::npos ? "" : s.substr(e);
    std::string mantissa = e == std::string::npos ? s : s.substr(0, e);
    if (mantissa.find('.') != std::string::npos) {
        while (!mantissa.empty() && mantissa.back() == '0')
            mantissa.pop_back();
        if (!mantissa.empty() && mantissa.back() == '.')
            mantissa.pop_back();
    }
    if (mantissa == "-0")
        mantissa = "0";
    return mantissa + exponent;
}

std::string nonFinite(double value) {
    return std::isnan(value) ? "nan" : (value > 0 ? "inf" : "-inf");
}

}  // namespace

std::vector<char32_t> decodeUtf8(const std::string& utf8) {
    std::vector<char32_t> out;
    out.reserve(utf8.size());
    const auto* s = reinterpret_cast<const unsigned char*>(utf8.data());
    std::size_t n = utf8.size(), i = 0;
    while (i < n) {
        unsigned char b = s[i];
        int extra = b < 0x80           ? 0
                    : (b >> 5) == 0x6  ? 1
                    : (b >> 4) == 0xE  ? 2
                    : (b >> 3) == 0x1E ? 3
                                       : -1;
        if (extra < 0 || i + static_cast<std::size_t>(extra) >= n) {
            out.push_back(0xFFFD);  // a stray continuation byte, or a sequence cut short
            ++i;
            continue;
        }
        char32_t c = extra == 0 ? b : b & (0x3F >> extra);
        bool ok = true;
        for (int k = 1; k <= extra; ++k) {
            if ((s[i + k] & 0xC0) != 0x80) {
                ok = false;
                break;
            }
            c = (c << 6) | (s[i + k] & 0x3F);
        }
        static constexpr char32_t kMin[4] = {0, 0x80, 0x800, 0x10000};
        if (!ok || c < kMin[extra] || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) {
            out.push_back(0xFFFD);
            ++i;
            continue;
        }
        out.push_back(c);
        i += extra + 1;
    }
    return out;
}

std::string xmlEscape(const std::string& utf8) {
    std::string out;
    out.reserve(utf8.size());
    for (char32_t c : decodeUtf8(utf8)) {
        switch (c) {
            case '&':
                out += "&amp;";
                break;
            case '<':
                out += "&lt;";
                break;
            case '>':
                out += "&gt;";
                break;
            case '"':
                out += "&quot;";
                break;
            case '\'':
                out += "&#39;";
                break;
            default:
                if ((c < 0x20 && c != '\t' && c != '\n') || c == 0xFFFE || c == 0xFFFF)
                    break;
                appendUtf8(out, c);
        }
    }
    return out;
}

std::string toWinAnsi(const std::string& utf8) {
    std::string out;
    for (char32_t c : decodeUtf8(utf8)) {
        if ((c >= 0x20 && c < 0x7F) || (c >= 0xA0 && c <= 0xFF)) {
            out += static_cast<char>(c);
            continue;
        }
        if (c == '\t' || c == '\n') {
            out += ' ';
            continue;
        }
        bool found = false;
        for (int k = 0; k < 32 && !found; ++k)
            if (kCp1252High[k] != 0 && kCp1252High[k] == c) {
                out += static_cast<char>(0x80 + k);
                found = true;
            }
        for (const Spelled& s : kSpelled)
            if (!found && s.code == c) {
                out += s.text;
                found = true;
            }
        if (!found && c >= 0x20)
            out += '?';
    }
    return out;
}

std::string pdfString(const std::string& utf8) {
    std::string out = "(";
    for (char ch : toWinAnsi(utf8)) {
        auto b = static_cast<unsigned char>(ch);
        if (b == '(' || b == ')' || b == '\\') {
            out += '\\';
            out += ch;
        } else if (b < 0x20 || b >= 0x7F) {
            char buf[5] = {'\\', static_cast<char>('0' + (b >> 6)),
                           static_cast<char>('0' + ((b >> 3) & 7)),
                           static_cast<char>('0' + (b & 7)), 0};
            out += buf;
        } else {
            out += ch;
        }
    }
    return out + ")";
}

double helveticaWidth(const std::string& utf8, double size) {
    double units = 0;
    for (char ch : toWinAnsi(utf8)) {
        auto b = static_cast<unsigned char>(ch);
        units += (b >= 32 && b <= 126) ? kHelvetica[b - 32] : 556;
    }
    return units * size / 1000.0;
}

std::string formatFixed(double value, int decimals) {
    if (!std::isfinite(value))
        return nonFinite(value);
    char buf[400];
    auto r = std::to_chars(buf, buf + sizeof buf, value, std::chars_format::fixed,
                           decimals < 0 ? 0 : decimals);
    return trimZeros(std::string(buf, r.ptr));
}

std::string formatGeneral(double value, int significant) {
    if (!std::isfinite(value))
        return nonFinite(value);
    char buf[64];
    auto r = std::to_chars(buf, buf + sizeof buf, value, std::chars_format::general,
                           significant < 1 ? 1 : significant);
    return trimZeros(std::string(buf, r.ptr));
}

}  // namespace rgpb::figure
