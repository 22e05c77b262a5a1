// Text and numbers for the figure renderers (Figure.h): UTF-8 decoding, escaping for SVG/XML
// and for PDF strings (WinAnsi, the encoding of the base-14 Helvetica the PDF names), the
// Helvetica advance widths that the layout measures labels with (so the legend and margins fit
// the same text in both outputs), and locale-free number formatting (a figure must not print
// "0,5" because a GUI process set a German locale). Torch-free and Qt-free.
#pragma once

#include <string>
#include <vector>

namespace rgpb::figure {

// Code points of `utf8`; an invalid or overlong sequence, a surrogate or a code point above
// U+10FFFF becomes U+FFFD (one per bad byte), so any bytes decode.
std::vector<char32_t> decodeUtf8(const std::string& utf8);

// Text for XML character data and attribute values: & < > " ' escaped, control characters
// other than tab/newline dropped (XML 1.0 forbids them), invalid UTF-8 replaced by U+FFFD.
std::string xmlEscape(const std::string& utf8);

// `utf8` in WinAnsiEncoding: Latin-1 and the Windows-1252 punctuation map to their bytes, a few
// common symbols are spelled out ("β" -> "beta", "→" -> "->", "−" -> "-", "≤" -> "<="), and
// anything else becomes '?'.
std::string toWinAnsi(const std::string& utf8);

// A PDF literal string, parentheses included: `utf8` in WinAnsi with ( ) \ escaped and every
// byte outside printable ASCII written as a three-digit octal escape (the file stays ASCII).
std::string pdfString(const std::string& utf8);

// Width of `utf8` set in Helvetica at `size` points (the Adobe AFM advance widths; characters
// outside ASCII count as 556/1000 em).
double helveticaWidth(const std::string& utf8, double size);

// `value` with at most `decimals` digits after the point, trailing zeros and a trailing point
// removed, "-0" written "0"; non-finite values are written "nan", "inf" or "-inf".
std::string formatFixed(double value, int decimals);
// `value` with `significant` significant digits in the shortest of fixed or exponent form
// ("1e+06" style), trailing zeros removed.
std::string formatGeneral(double value, int significant = 6);

}  // namespace rgpb::figure
