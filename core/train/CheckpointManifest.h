// The checksums of a checkpoint's files: manifest.json, written last into the checkpoint folder,
// lists every other file of the checkpoint with its size and CRC-32 (zlib's, the polynomial of
// gzip and PNG), so a flipped byte or a cut file is found before anything is loaded. Torch-free:
// the run listing and the CLI may check a checkpoint without LibTorch.
//
//   {"format": 1, "checksum": "crc32",
//    "files": {"model.safetensors": {"bytes": 4194304, "crc32": "1c291ca3"}, ...}}
//
// Checkpoints written before the manifest existed have none: they load unchecked (the caller
// says so in the log).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace rgpb {

inline constexpr const char* kCheckpointManifest = "manifest.json";

// CRC-32 of a whole file and its size; rgpb::Error naming the path when it cannot be read.
struct FileChecksum {
    int64_t bytes = 0;
    uint32_t crc32 = 0;
};
FileChecksum checksumFile(const std::string& path);

// Writes DIR/manifest.json with the checksum of every regular file in DIR (the manifest aside).
void writeCheckpointManifest(const std::string& dir);

struct CheckpointCheck {
    bool has_manifest = false;          // false: an older checkpoint, nothing to verify against
    std::vector<std::string> problems;  // "PATH: crc32 stored 1c291ca3, the file has 0e3f..."
    bool intact() const { return problems.empty(); }
    std::string describe() const;  // the problems joined by "; "
};

// Compares every file the manifest lists with what is on disk (missing file, size, CRC-32); a
// malformed manifest is a problem too. Reads each listed file once.
CheckpointCheck verifyCheckpoint(const std::string& dir);

// verifyCheckpoint(), throwing InputError(dir, "damaged checkpoint: ...") when it is not intact;
// a checkpoint without a manifest is logged ("no checksum") and passes. Returns whether the
// checkpoint had a manifest. What every loader of a checkpoint calls first.
bool requireIntactCheckpoint(const std::string& dir);

}  // namespace rgpb
