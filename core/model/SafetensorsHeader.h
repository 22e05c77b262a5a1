// The header of a safetensors file (https://huggingface.co/docs/safetensors), read and checked
// without LibTorch: what a file claims to hold (names, dtypes, shapes, byte ranges), compared
// with its size before anything is allocated. core/model/Safetensors.h reads the data into
// tensors; this part is torch-free so that the header checks build and fuzz (fuzz/) without
// LibTorch.
//
// Layout: 8-byte little-endian u64 N; N bytes of JSON header {"__metadata__": {string: string},
// "<name>": {"dtype": "F32", "shape": [d0, d1, ...], "data_offsets": [begin, end]}, ...} with
// offsets relative to the data section that follows.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace rgpb {

// The dtypes this workbench reads and writes.
enum class SafetensorsDtype { F64, F32, F16, BF16, I64, I32, I16, I8, U8, BOOL };

const char* safetensorsDtypeName(SafetensorsDtype dtype);  // "F32", ...
// False when `name` is none of the names above.
bool safetensorsDtypeFromName(const std::string& name, SafetensorsDtype* dtype);
uint64_t safetensorsElementSize(SafetensorsDtype dtype);  // bytes per element
std::string safetensorsDtypeList();                       // "F64, F32, ..." for messages

struct SafetensorsEntry {
    std::string name;
    SafetensorsDtype dtype = SafetensorsDtype::F32;
    std::vector<int64_t> shape;
    uint64_t begin = 0, end = 0;  // byte offsets in the data section
    int64_t numel() const;
};
struct SafetensorsHeader {
    std::vector<SafetensorsEntry> tensors;        // in the header's order
    std::map<std::string, std::string> metadata;  // "__metadata__"
    uint64_t data_start = 0;                      // file offset of the data section
};

// A file's header alone, reading no tensor data, with every byte count checked against the
// file's size without overflow. InputError naming the path and what is wrong: missing file,
// truncated header, bad JSON, unknown dtype (says which, lists the supported), a shape whose
// byte count differs from its data_offsets, offsets out of range or overlapping.
SafetensorsHeader readSafetensorsHeader(const std::string& path);

}  // namespace rgpb
