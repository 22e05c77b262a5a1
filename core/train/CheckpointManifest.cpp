#include "core/train/CheckpointManifest.h"

#include <spdlog/spdlog.h>
#include <zlib.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <vector>

#include "core/run/RunStore.h"
#include "core/util/Error.h"
#include "core/util/JsonFile.h"
#include "core/util/Log.h"
#include "core/util/SafeFile.h"

namespace fs = std::filesystem;

namespace rgpb {
namespace {

std::string hex32(uint32_t v) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%08x", static_cast<unsigned>(v));
    return buf;
}

}  // namespace

FileChecksum checksumFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw Error("cannot read " + path + ": " + std::strerror(errno));
    FileChecksum c;
    uLong crc = crc32(0L, Z_NULL, 0);
    std::vector<char> buffer(1 << 20);
    while (in) {
        in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
        const std::streamsize n = in.gcount();
        if (n <= 0)
            break;
        crc = crc32_z(crc, reinterpret_cast<const Bytef*>(buffer.data()), static_cast<z_size_t>(n));
        c.bytes += n;
    }
    if (in.bad())
        throw Error("cannot read " + path + ": " + std::strerror(errno));
    c.crc32 = static_cast<uint32_t>(crc);
    return c;
}

void writeCheckpointManifest(const std::string& dir) {
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(dir)) {
        const std::string name = e.path().filename().string();
        if (e.is_regular_file() && name != kCheckpointManifest)
            names.push_back(name);
    }
    std::sort(names.begin(), names.end());
    nlohmann::ordered_json files = nlohmann::ordered_json::object();
    for (const std::string& name : names) {
        const FileChecksum c = checksumFile((fs::path(dir) / name).string());
        files[name] = {{"bytes", c.bytes}, {"crc32", hex32(c.crc32)}};
    }
    nlohmann::ordered_json j;
    j["format"] = 1;
    j["checksum"] = "crc32";
    j["files"] = files;
    writeFileAtomic((fs::path(dir) / kCheckpointManifest).string(), j.dump(2) + "\n");
}

std::string CheckpointCheck::describe() const {
    std::string out;
    for (const std::string& p : problems)
        out += (out.empty() ? "" : "; ") + p;
    return out;
}

CheckpointCheck verifyCheckpoint(const std::string& dir) {
    CheckpointCheck check;
    const fs::path manifest_path = fs::path(dir) / kCheckpointManifest;
    std::error_code ec;
    if (!fs::exists(manifest_path, ec))
        return check;
    check.has_manifest = true;
    const std::string where = manifest_path.string();
    nlohmann::json j;
    try {
        j = parseJson(readFile(where), where);
    } catch (const Error& e) {
        check.problems.push_back(e.what());
        return check;
    }
    const auto files = j.is_object() ? j.find("files") : j.end();
    if (!j.is_object() || files == j.end() || !files->is_object() || files->empty()) {
        check.problems.push_back(where + ": expected {\"files\": {name: {\"bytes\", \"crc32\"}}}");
        return check;
    }
    for (const auto& [name, entry] : files->items()) {
        const std::string path = (fs::path(dir) / name).string();
        const auto bytes = entry.is_object() ? entry.find("bytes") : entry.end();
        const auto crc = entry.is_object() ? entry.find("crc32") : entry.end();
        if (name.find('/') != std::string::npos || name == ".." || !entry.is_object() ||
            bytes == entry.end() || !bytes->is_number_integer() || crc == entry.end() ||
            !crc->is_string()) {
            check.problems.push_back(where + " (files." + excerpt(name, 80) +
                                     "): expected {\"bytes\": N, \"crc32\": \"8 hex digits\"}");
            continue;
        }
        if (!fs::is_regular_file(path, ec)) {
            check.problems.push_back(path + ": missing (the manifest lists it)");
            continue;
        }
        FileChecksum actual;
        try {
            actual = checksumFile(path);
        } catch (const Error& e) {
            check.problems.push_back(e.what());
            continue;
        }
        const int64_t stored_bytes = bytes->get<int64_t>();
        const std::string stored_crc = crc->get<std::string>();
        if (actual.bytes != stored_bytes) {
            check.problems.push_back(path + ": " + std::to_string(actual.bytes) +
                                     " bytes, the manifest says " + std::to_string(stored_bytes));
        } else if (hex32(actual.crc32) != stored_crc) {
            check.problems.push_back(path + ": crc32 " + hex32(actual.crc32) +
                                     ", the manifest says " + excerpt(stored_crc, 16) +
                                     " (the content changed: a flipped or overwritten byte)");
        }
    }
    return check;
}

bool requireIntactCheckpoint(const std::string& dir) {
    const CheckpointCheck check = verifyCheckpoint(dir);
    if (!check.intact())
        throw InputError(dir, "damaged checkpoint: " + check.describe());
    if (!check.has_manifest) {
        log::get("checkpoint")
            ->info("{}: no checksum (written before checkpoints carried {}): loaded unverified",
                   dir, kCheckpointManifest);
    }
    return check.has_manifest;
}

}  // namespace rgpb
