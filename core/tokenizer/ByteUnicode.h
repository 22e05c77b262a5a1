// GPT-2's bytes_to_unicode(): the printable character that stands for each byte in a byte-level
// BPE vocabulary, and the way back; with the UTF-8 decoding and encoding both directions need.
// Torch-free.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace rgpb {

// A byte that is not part of valid UTF-8 (Utf8Char::cp).
constexpr uint32_t kInvalidUtf8 = 0xFFFFFFFF;

struct Utf8Char {
    uint32_t cp;     // code point, or kInvalidUtf8
    uint32_t begin;  // byte offset in the decoded string
    uint32_t size;   // bytes
};

// Decodes UTF-8; every byte of an invalid sequence becomes its own kInvalidUtf8 char, so any
// byte string decodes.
std::vector<Utf8Char> decodeUtf8(const std::string& s);
// Unicode White_Space (what Rust's regex \s and char::is_whitespace match).
bool isUnicodeSpace(uint32_t cp);
// Appends the UTF-8 encoding of the code point `cp` (<= 0x10FFFF).
void appendUtf8(std::string& out, uint32_t cp);

// Printable bytes stand for themselves, the others are shifted to 256 + n in byte order.
struct ByteUnicodeTable {
    ByteUnicodeTable();
    std::array<uint32_t, 256> cp{};     // byte -> code point of its character
    std::array<std::string, 256> text;  // byte -> UTF-8 text of its character
    std::vector<int> byte_of;           // code point -> byte, -1 where none
};

// The one table (built on first use, thread-safe).
const ByteUnicodeTable& byteUnicodeTable();

}  // namespace rgpb
