// Every file the product writes goes through here. A file written whole is written to a temporary
// file created exclusively beside it (O_CREAT|O_EXCL|O_NOFOLLOW, a unique name), synced, renamed
// over the target and the folder synced: readers see the old file or the new one, never half of
// one, and a link planted at the temporary or the final name is replaced, never written through.
// A file that grows (metrics, logs, samples) is opened for appending with O_NOFOLLOW, and a write
// that fails (disk full) is rolled back to the last whole record. Failures throw rgpb::Error
// naming the path and the system's reason.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace rgpb {

// Writes `content` to `path` atomically (creating missing parent folders).
void writeFileAtomic(const std::string& path, const std::string& content);

// A file written piece by piece and put in place by commit(); destroying it uncommitted removes
// the temporary file and leaves `path` as it was.
class AtomicFile {
public:
    explicit AtomicFile(std::string path);  // creates the temporary file (the folder must exist)
    ~AtomicFile();
    AtomicFile(const AtomicFile&) = delete;
    AtomicFile& operator=(const AtomicFile&) = delete;

    void write(const void* data, std::size_t bytes);
    void write(const std::string& text) { write(text.data(), text.size()); }
    void commit();  // sync, rename over `path`, sync the folder
    const std::string& tempPath() const { return temp_; }

private:
    std::string path_, temp_;
    int fd_ = -1;
    bool committed_ = false;
};

// Appends whole records to a file that is never a symbolic link. write() appends completely or
// throws, truncating the file back to its previous end, so no half record stays behind.
class AppendFile {
public:
    explicit AppendFile(const std::string& path);
    ~AppendFile();
    AppendFile(const AppendFile&) = delete;
    AppendFile& operator=(const AppendFile&) = delete;

    void write(const std::string& records);
    void sync();
    int64_t size() const { return size_; }  // bytes in the file (0: new or empty)
    const std::string& path() const { return path_; }

private:
    std::string path_;
    int fd_ = -1;
    int64_t size_ = 0;
};

}  // namespace rgpb
