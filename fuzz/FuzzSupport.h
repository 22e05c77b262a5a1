// Shared by the libFuzzer targets (fuzz/*.cpp): a private temporary folder per process, inputs
// written there, and the rule that the project's own clean errors are an expected outcome.
//
// A target calls its parser inside expectClean(): rgpb::Error (InputError, ArgumentError, ...)
// is what a parser throws by design for bad input and ends the run of that input quietly. Any
// other exception (a raw JSON or YAML library exception, std::bad_alloc, std::out_of_range)
// escapes, and libFuzzer reports it as a crash with the input that caused it: it is a finding,
// like a sanitizer report, a leak, a timeout or an allocation over -malloc_limit_mb.
//
// Deterministic: the folder's name differs per process, never what a parser sees of it (every
// input is written under the same file name, every message's path is the same length).
#pragma once

#include <sys/stat.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>
#include <utility>

#include "core/util/Error.h"
#include "core/util/SafeFile.h"

namespace rgpb::fuzz {

// A folder made for this process (under /dev/shm when there is one: a RAM disk, so the writes
// each input needs cost no disk I/O; else $TMPDIR or /tmp), removed at exit.
inline const std::string& tempDir() {
    // Never destroyed: the exit handler that removes the folder runs after static destructors.
    static const std::string& dir = *new std::string([] {
        std::string base = "/tmp";
        if (const char* t = std::getenv("TMPDIR"); t != nullptr && *t != '\0')
            base = t;
        struct stat st {};
        if (::stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode) && ::access("/dev/shm", W_OK) == 0)
            base = "/dev/shm";
        std::string pattern = base + "/rgpb-fuzz-XXXXXX";
        if (::mkdtemp(pattern.data()) == nullptr)
            std::abort();
        std::atexit([] {
            std::error_code ec;
            std::filesystem::remove_all(tempDir(), ec);
        });
        return pattern;
    }());
    return dir;
}

// tempDir()/name (a sub-folder of it when `name` has a slash, created as needed).
inline std::string tempPath(const std::string& name) {
    const std::filesystem::path p = std::filesystem::path(tempDir()) / name;
    std::filesystem::create_directories(p.parent_path());
    return p.string();
}

// Writes `bytes` to tempDir()/name through the project's one file writer; returns the path.
inline std::string writeInput(const std::string& name, std::string_view bytes) {
    const std::string path = tempPath(name);
    writeFileAtomic(path, std::string(bytes));
    return path;
}

// Removes everything in tempDir() (between inputs: what one input left must not change the
// next one's run).
inline void clearTempDir() {
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(tempDir(), ec))
        std::filesystem::remove_all(entry.path(), ec);
}

inline std::string_view asText(const uint8_t* data, std::size_t size) {
    return {reinterpret_cast<const char*>(data), size};
}

// The input split at its first NUL byte: two files in one input (vocab.json + merges.txt,
// comparison.json + items.jsonl). Without a NUL the second part is empty.
inline std::pair<std::string_view, std::string_view> splitAtNul(std::string_view text) {
    const std::size_t nul = text.find('\0');
    if (nul == std::string_view::npos)
        return {text, {}};
    return {text.substr(0, nul), text.substr(nul + 1)};
}

// Runs `parse`; the project's own errors are the expected outcome for bad input.
template <class F>
void expectClean(F&& parse) {
    try {
        std::forward<F>(parse)();
    } catch (const rgpb::Error&) {
    }
}

}  // namespace rgpb::fuzz
