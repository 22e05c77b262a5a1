// Test helper: a small tmpfs mounted on a folder for the helper's lifetime, to see what a full
// disk does. Needs root (CI runs as root); mounted() says whether it worked, why() why not.
#pragma once

#include <sys/mount.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>

namespace rgpb::test {

class SmallDisk {
public:
    SmallDisk(const std::string& dir, const std::string& size) : dir_(dir) {
        mounted_ = ::mount("tmpfs", dir_.c_str(), "tmpfs", 0, ("size=" + size).c_str()) == 0;
        error_ = mounted_ ? 0 : errno;
    }
    ~SmallDisk() {
        if (mounted_)
            ::umount2(dir_.c_str(), MNT_DETACH);
    }
    SmallDisk(const SmallDisk&) = delete;
    SmallDisk& operator=(const SmallDisk&) = delete;

    bool mounted() const { return mounted_; }
    // Remounts the disk read-only (what a read-only share looks like, even to root).
    bool makeReadOnly() const {
        return mounted_ &&
               ::mount("tmpfs", dir_.c_str(), "tmpfs", MS_REMOUNT | MS_RDONLY, nullptr) == 0;
    }
    std::string skipMessage() const {
        return "cannot mount a small tmpfs here (" + std::string(std::strerror(error_)) +
               "); CI runs as root";
    }
    // Fills the disk until fewer than `leave` bytes are free.
    void fill(std::size_t leave) const {
        const std::string filler = dir_ + "/filler";
        const std::string block(1024, 'x');
        std::FILE* f = std::fopen(filler.c_str(), "wb");
        while (f != nullptr && std::filesystem::space(dir_).available > leave &&
               std::fwrite(block.data(), 1, block.size(), f) == block.size() &&
               std::fflush(f) == 0) {
        }
        if (f != nullptr)
            std::fclose(f);
    }

private:
    std::string dir_;
    bool mounted_ = false;
    int error_ = 0;
};

}  // namespace rgpb::test
