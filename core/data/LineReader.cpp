#include "core/data/LineReader.h"

#include <zlib.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "core/util/Error.h"

namespace rgpb {

namespace {
constexpr unsigned kChunkBytes = 1u << 16;

gzFile asGz(void* file) {
    return static_cast<gzFile>(file);
}
}  // namespace

LineReader::LineReader(const std::string& path) : path_(path) {
    // Peek at the magic bytes with stdio first: it also gives a clear errno for a missing file,
    // which gzopen does not always preserve.
    std::FILE* probe = std::fopen(path.c_str(), "rb");
    if (probe == nullptr) {
        throw InputError(path, std::string("cannot open file (") + std::strerror(errno) +
                                   "), expected a readable data file");
    }
    unsigned char magic[2] = {0, 0};
    const std::size_t got = std::fread(magic, 1, 2, probe);
    std::fclose(probe);
    gzipped_ = got == 2 && magic[0] == 0x1f && magic[1] == 0x8b;

    // gzopen reads plain files transparently, so both kinds take the same path below.
    gzFile file = gzopen(path.c_str(), "rb");
    if (file == nullptr) {
        throw InputError(path, "cannot open file, expected a readable data file");
    }
    gzbuffer(file, kChunkBytes);
    file_ = file;
}

LineReader::~LineReader() {
    if (file_ != nullptr) {
        gzclose(asGz(file_));
    }
}

bool LineReader::fill() {
    if (at_end_) {
        return false;
    }
    buffer_.erase(0, buffer_pos_);
    buffer_pos_ = 0;
    const std::size_t old_size = buffer_.size();
    buffer_.resize(old_size + kChunkBytes);
    const int n = gzread(asGz(file_), &buffer_[old_size], kChunkBytes);
    int err = Z_OK;
    const char* message = gzerror(asGz(file_), &err);
    // A truncated gzip file reads to its end and then reports Z_BUF_ERROR ("unexpected end of
    // file"); a damaged one reports Z_DATA_ERROR. Either way the rest cannot be trusted.
    if (n < 0 || (err != Z_OK && err != Z_BUF_ERROR) || (n == 0 && err == Z_BUF_ERROR)) {
        buffer_.resize(old_size);
        at_end_ = true;
        throw InputError(path_ + ":" + std::to_string(line_number_ + 1),
                         std::string("gzip stream is corrupt or truncated (zlib: ") +
                             (message != nullptr ? message : "unknown error") +
                             "), expected a complete gzip file");
    }
    buffer_.resize(old_size + static_cast<std::size_t>(n));
    if (n == 0) {
        at_end_ = true;
        return false;
    }
    return true;
}

bool LineReader::next(std::string& line) {
    std::size_t newline = buffer_.find('\n', buffer_pos_);
    while (newline == std::string::npos) {
        const std::size_t scanned = buffer_.size() - buffer_pos_;
        if (!fill()) {
            if (buffer_pos_ >= buffer_.size()) {
                return false;
            }
            newline = buffer_.size();  // last line without a trailing newline
            break;
        }
        newline = buffer_.find('\n', scanned);  // fill() moved the unread part to the front
    }
    line.assign(buffer_, buffer_pos_, newline - buffer_pos_);
    buffer_pos_ = newline < buffer_.size() ? newline + 1 : newline;
    ++line_number_;
    if (!line.empty() && line.back() == '\r') {
        line.pop_back();
    }
    if (line_number_ == 1 && line.compare(0, 3, "\xEF\xBB\xBF") == 0) {
        line.erase(0, 3);
    }
    return true;
}

std::string readTextFile(const std::string& path) {
    LineReader reader(path);
    std::string text, line;
    while (reader.next(line)) {
        text += line;
        text += '\n';
    }
    return text;
}

}  // namespace rgpb
