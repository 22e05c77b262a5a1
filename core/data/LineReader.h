// Reads a text file line by line, plain or gzip-compressed, with lines of any length. Gzip is
// recognised by its magic bytes (1f 8b), not by the file name, so a renamed file still reads.
// The data readers use it so that .jsonl and .jsonl.gz share one code path and a very long
// line (a whole HH-RLHF dialogue) is never cut at a buffer size.
#pragma once

#include <cstddef>
#include <string>

namespace rgpb {

class LineReader {
public:
    // Throws InputError naming `path` when the file cannot be opened.
    explicit LineReader(const std::string& path);
    ~LineReader();
    LineReader(const LineReader&) = delete;
    LineReader& operator=(const LineReader&) = delete;

    // Reads the next line into `line` without its "\n" (and without a "\r" before it, and
    // without a UTF-8 byte order mark on line 1). Returns false at the end of the file. Throws
    // InputError("path:line") when a gzip stream is corrupt or truncated.
    bool next(std::string& line);

    // 1-based number of the line last returned by next().
    std::size_t lineNumber() const { return line_number_; }
    bool gzipped() const { return gzipped_; }
    const std::string& path() const { return path_; }

private:
    bool fill();  // reads the next chunk into buffer_; false at the end

    std::string path_;
    void* file_ = nullptr;  // gzFile; zlib.h stays out of this header
    bool gzipped_ = false;
    bool at_end_ = false;
    std::string buffer_;
    std::size_t buffer_pos_ = 0;
    std::size_t line_number_ = 0;
};

// The whole file as one string (decompressed when gzipped), for whole-document JSON.
std::string readTextFile(const std::string& path);

}  // namespace rgpb
