#include "core/util/SafeFile.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <random>

#include "core/util/Error.h"

namespace fs = std::filesystem;

namespace rgpb {
namespace {

[[noreturn]] void fail(const std::string& what, const std::string& path, int error) {
    if (error == ELOOP)
        throw Error(what + " " + path +
                    ": it is a symbolic link (files are never written through one)");
    throw Error(what + " " + path + ": " + std::strerror(error));
}

// Writes all of `bytes`, retrying short writes and interruptions; false with errno set on failure.
bool writeAll(int fd, const char* data, std::size_t bytes) {
    while (bytes > 0) {
        const ssize_t n = ::write(fd, data, bytes);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return false;
        }
        if (n == 0) {
            errno = ENOSPC;
            return false;
        }
        data += n;
        bytes -= static_cast<std::size_t>(n);
    }
    return true;
}

std::string uniqueSuffix() {
    static std::atomic<uint64_t> counter{0};
    static const uint64_t seed =
        std::random_device{}() ^
        static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
    const uint64_t n = seed + 0x9E3779B97F4A7C15ull * ++counter + static_cast<uint64_t>(::getpid());
    char buf[24];
    std::snprintf(buf, sizeof buf, "%012llx",
                  static_cast<unsigned long long>(n & 0xFFFFFFFFFFFFull));
    return buf;
}

void syncFolder(const fs::path& folder) {
    const int fd =
        ::open(folder.empty() ? "." : folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return;  // the data is renamed in place; a folder we cannot open cannot be synced
    ::fsync(fd);
    ::close(fd);
}

}  // namespace

AtomicFile::AtomicFile(std::string path) : path_(std::move(path)) {
    for (int attempt = 0; attempt < 100 && fd_ < 0; ++attempt) {
        temp_ = path_ + ".tmp-" + uniqueSuffix();
        fd_ = ::open(temp_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
        if (fd_ < 0 && errno != EEXIST)
            fail("cannot create", temp_, errno);
    }
    if (fd_ < 0)
        fail("cannot create a temporary file for", path_, EEXIST);
}

AtomicFile::~AtomicFile() {
    if (fd_ >= 0)
        ::close(fd_);
    if (!committed_)
        ::unlink(temp_.c_str());
}

void AtomicFile::write(const void* data, std::size_t bytes) {
    if (!writeAll(fd_, static_cast<const char*>(data), bytes))
        fail("cannot write", temp_, errno);
}

void AtomicFile::commit() {
    if (::fsync(fd_) != 0)
        fail("cannot write", temp_, errno);
    const int rc = ::close(fd_);
    fd_ = -1;
    if (rc != 0)
        fail("cannot write", temp_, errno);
    if (::rename(temp_.c_str(), path_.c_str()) != 0)
        fail("cannot replace", path_, errno);
    committed_ = true;
    syncFolder(fs::path(path_).parent_path());
}

void writeFileAtomic(const std::string& path, const std::string& content) {
    const fs::path p(path);
    if (p.has_parent_path()) {
        std::error_code ec;
        fs::create_directories(p.parent_path(), ec);
        if (ec)
            throw Error("cannot create the folder " + p.parent_path().string() + ": " +
                        ec.message());
    }
    AtomicFile file(path);
    file.write(content);
    file.commit();
}

AppendFile::AppendFile(const std::string& path) : path_(path) {
    fd_ = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0666);
    if (fd_ < 0)
        fail("cannot open", path, errno);
    struct stat st {};
    const bool stat_ok = ::fstat(fd_, &st) == 0;
    const int error = errno;
    if (!stat_ok || !S_ISREG(st.st_mode)) {
        ::close(fd_);
        fd_ = -1;
        if (!stat_ok)
            fail("cannot open", path, error);
        throw Error("cannot append to " + path + ": it is not a regular file");
    }
    size_ = static_cast<int64_t>(st.st_size);
}

AppendFile::~AppendFile() {
    if (fd_ >= 0)
        ::close(fd_);
}

void AppendFile::write(const std::string& records) {
    if (records.empty())
        return;
    if (!writeAll(fd_, records.data(), records.size())) {
        const int error = errno;
        // Drop the partial record: the file ends where the last whole write ended.
        const bool rolled_back = ::ftruncate(fd_, static_cast<off_t>(size_)) == 0;
        fail(rolled_back ? "cannot write" : "cannot write (a partial record remains)", path_,
             error);
    }
    size_ += static_cast<int64_t>(records.size());
}

void AppendFile::sync() {
    if (::fsync(fd_) != 0)
        fail("cannot write", path_, errno);
}

}  // namespace rgpb
