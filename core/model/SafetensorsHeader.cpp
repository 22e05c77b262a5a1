#include "core/model/SafetensorsHeader.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <fstream>

#include "core/util/Error.h"
#include "core/util/JsonFile.h"

namespace rgpb {

namespace {

struct DtypeInfo {
    SafetensorsDtype dtype;
    const char* name;
    uint64_t size;
};
constexpr DtypeInfo kDtypes[] = {
    {SafetensorsDtype::F64, "F64", 8}, {SafetensorsDtype::F32, "F32", 4},
    {SafetensorsDtype::F16, "F16", 2}, {SafetensorsDtype::BF16, "BF16", 2},
    {SafetensorsDtype::I64, "I64", 8}, {SafetensorsDtype::I32, "I32", 4},
    {SafetensorsDtype::I16, "I16", 2}, {SafetensorsDtype::I8, "I8", 1},
    {SafetensorsDtype::U8, "U8", 1},   {SafetensorsDtype::BOOL, "BOOL", 1},
};

const DtypeInfo& infoOf(SafetensorsDtype dtype) {
    for (const auto& d : kDtypes) {
        if (d.dtype == dtype)
            return d;
    }
    return kDtypes[1];
}

std::string shapeText(const std::vector<int64_t>& shape) {
    std::string out = "[";
    for (std::size_t i = 0; i < shape.size(); ++i)
        out += (i ? ", " : "") + std::to_string(shape[i]);
    return out + "]";
}

}  // namespace

const char* safetensorsDtypeName(SafetensorsDtype dtype) {
    return infoOf(dtype).name;
}

bool safetensorsDtypeFromName(const std::string& name, SafetensorsDtype* dtype) {
    for (const auto& d : kDtypes) {
        if (name == d.name) {
            *dtype = d.dtype;
            return true;
        }
    }
    return false;
}

uint64_t safetensorsElementSize(SafetensorsDtype dtype) {
    return infoOf(dtype).size;
}

std::string safetensorsDtypeList() {
    std::string out;
    for (const auto& d : kDtypes)
        out += (out.empty() ? "" : ", ") + std::string(d.name);
    return out;
}

SafetensorsHeader readSafetensorsHeader(const std::string& path) {
    std::ifstream in(path, std::ios::binary | std::ios::ate);
    if (!in)
        throw InputError(path, std::string("cannot open file (") + std::strerror(errno) + ")");
    const uint64_t file_size = static_cast<uint64_t>(in.tellg());
    in.seekg(0);
    if (file_size < 8) {
        throw InputError(path, "truncated: " + std::to_string(file_size) +
                                   " bytes, a safetensors file starts with an 8-byte header "
                                   "length");
    }
    unsigned char prefix[8];
    in.read(reinterpret_cast<char*>(prefix), 8);
    uint64_t header_size = 0;
    for (int i = 0; i < 8; ++i)
        header_size |= static_cast<uint64_t>(prefix[i]) << (8 * i);
    if (header_size > file_size - 8) {
        throw InputError(path, "truncated header: its length field says " +
                                   std::to_string(header_size) + " bytes but only " +
                                   std::to_string(file_size - 8) + " follow");
    }
    std::string text(header_size, '\0');
    in.read(text.data(), static_cast<std::streamsize>(header_size));
    if (!in)
        throw InputError(path, "cannot read the header");

    const nlohmann::json header = parseJson(text, path, "a JSON object (the safetensors header)");
    if (!header.is_object())
        throw InputError(path, "header is not a JSON object");

    SafetensorsHeader result;
    const uint64_t data_start = 8 + header_size, data_size = file_size - data_start;
    for (const auto& [name, entry] : header.items()) {
        const std::string where = "tensor '" + name + "'";
        if (name == "__metadata__") {
            if (!entry.is_object())
                throw InputError(path, "__metadata__ is not an object");
            for (const auto& [key, value] : entry.items()) {
                if (!value.is_string()) {
                    throw InputError(path, "__metadata__ '" + key + "' is not a string");
                }
                result.metadata[key] = value.get<std::string>();
            }
            continue;
        }
        if (!entry.is_object() || !entry.contains("dtype") || !entry.contains("shape") ||
            !entry.contains("data_offsets")) {
            throw InputError(path, where + " needs dtype, shape and data_offsets");
        }
        const auto& dtype = entry["dtype"];
        const auto& shape = entry["shape"];
        const auto& offsets = entry["data_offsets"];
        SafetensorsDtype type;
        if (!dtype.is_string() || !safetensorsDtypeFromName(dtype.get<std::string>(), &type)) {
            throw InputError(path, where + " has dtype " + dtype.dump() +
                                       ", supported: " + safetensorsDtypeList());
        }
        std::vector<int64_t> sizes;
        bool shape_ok = shape.is_array();
        // The byte count, checked for overflow: a shape claiming more than the file holds must
        // fail on the size check below, never wrap around to a small number and allocate.
        const uint64_t element = safetensorsElementSize(type);
        uint64_t bytes = element;
        for (const auto& d : shape_ok ? shape : nlohmann::json::array()) {
            if (!d.is_number_unsigned() || d.get<uint64_t>() > static_cast<uint64_t>(INT64_MAX)) {
                shape_ok = false;
                break;
            }
            const uint64_t n = d.get<uint64_t>();
            sizes.push_back(static_cast<int64_t>(n));
            bytes = (n != 0 && bytes > UINT64_MAX / n) ? UINT64_MAX : bytes * n;
        }
        if (!shape_ok) {
            throw InputError(path, where + " has shape " + shape.dump() +
                                       ", expected a list of non-negative integers");
        }
        if (!offsets.is_array() || offsets.size() != 2 || !offsets[0].is_number_unsigned() ||
            !offsets[1].is_number_unsigned() || offsets[0] > offsets[1]) {
            throw InputError(path, where + " has data_offsets " + offsets.dump() +
                                       ", expected [begin, end] with begin <= end");
        }
        const uint64_t begin = offsets[0], end = offsets[1];
        if (end - begin != bytes) {
            throw InputError(
                path, where + " has shape " + shapeText(sizes) + " of " + dtype.get<std::string>() +
                          " (" + (bytes == UINT64_MAX ? "2^64 or more" : std::to_string(bytes)) +
                          " bytes) but data_offsets " + offsets.dump() + " span " +
                          std::to_string(end - begin) + " bytes");
        }
        if (end > data_size) {
            throw InputError(path, where + " has data_offsets " + offsets.dump() +
                                       " past the end of the data (" + std::to_string(data_size) +
                                       " bytes): the file is truncated or corrupt");
        }
        result.tensors.push_back({name, type, sizes, begin, end});
    }
    std::vector<const SafetensorsEntry*> spans;
    for (const SafetensorsEntry& e : result.tensors)
        spans.push_back(&e);
    std::sort(spans.begin(), spans.end(), [](const SafetensorsEntry* a, const SafetensorsEntry* b) {
        return a->begin < b->begin;
    });
    for (size_t i = 1; i < spans.size(); ++i) {
        if (spans[i]->begin < spans[i - 1]->end) {
            throw InputError(path, "tensors '" + spans[i - 1]->name + "' and '" + spans[i]->name +
                                       "' overlap in the data section");
        }
    }
    result.data_start = data_start;
    return result;
}

int64_t SafetensorsEntry::numel() const {
    // The header check bounds the product by the file's size, unless a dimension is 0 (then
    // the others may be anything: [2^62, 4, 0] must not overflow on the way to 0).
    if (std::find(shape.begin(), shape.end(), int64_t(0)) != shape.end())
        return 0;
    int64_t n = 1;
    for (int64_t d : shape)
        n *= d;
    return n;
}

}  // namespace rgpb
