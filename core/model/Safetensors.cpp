#include "core/model/Safetensors.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>

#if defined(__unix__) || defined(__APPLE__)
#include <unistd.h>
#endif

#include "core/util/Error.h"
#include "core/util/SafeFile.h"
#include "core/util/TensorText.h"

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "safetensors data is little-endian; this writer copies memory as is"
#endif

namespace rgpb {

namespace {

struct DtypeName {
    torch::ScalarType type;
    const char* name;
};
constexpr DtypeName kDtypes[] = {
    {torch::kFloat64, "F64"},   {torch::kFloat32, "F32"}, {torch::kFloat16, "F16"},
    {torch::kBFloat16, "BF16"}, {torch::kInt64, "I64"},   {torch::kInt32, "I32"},
    {torch::kInt16, "I16"},     {torch::kInt8, "I8"},     {torch::kUInt8, "U8"},
    {torch::kBool, "BOOL"},
};

std::string supportedNames() {
    std::string out;
    for (const auto& d : kDtypes)
        out += (out.empty() ? "" : ", ") + std::string(d.name);
    return out;
}

const char* dtypeName(torch::ScalarType type) {
    for (const auto& d : kDtypes) {
        if (d.type == type)
            return d.name;
    }
    return nullptr;
}

bool dtypeFromName(const std::string& name, torch::ScalarType* type) {
    for (const auto& d : kDtypes) {
        if (name == d.name) {
            *type = d.type;
            return true;
        }
    }
    return false;
}

}  // namespace

void saveSafetensors(const std::string& path,
                     const std::vector<std::pair<std::string, torch::Tensor>>& tensors,
                     const std::map<std::string, std::string>& metadata) {
    const char* where = "saveSafetensors";
    std::vector<std::pair<std::string, torch::Tensor>> sorted;
    sorted.reserve(tensors.size());
    std::set<std::string> seen;
    for (const auto& [name, tensor] : tensors) {
        requireArgument(seen.insert(name).second, where, "tensors", "unique names",
                        "'" + name + "' twice");
        requireArgument(name != "__metadata__", where, "tensors", "names other than __metadata__",
                        "'__metadata__'");
        requireArgument(tensor.defined(), where, "tensors", "defined tensors",
                        "'" + name + "' undefined");
        requireArgument(dtypeName(tensor.scalar_type()) != nullptr, where, "tensors",
                        "one of the dtypes " + supportedNames(), "'", name, "' of ",
                        tensor.scalar_type());
        sorted.emplace_back(name, tensor);
    }
    std::sort(sorted.begin(), sorted.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });

    // ordered_json keeps the key order as written: __metadata__ first, then names sorted.
    nlohmann::ordered_json header = nlohmann::ordered_json::object();
    if (!metadata.empty()) {
        auto& meta = header["__metadata__"] = nlohmann::ordered_json::object();
        for (const auto& [key, value] : metadata)
            meta[key] = value;
    }
    uint64_t offset = 0;
    for (const auto& [name, tensor] : sorted) {
        const uint64_t bytes = static_cast<uint64_t>(tensor.numel()) * tensor.element_size();
        auto& entry = header[name];
        entry["dtype"] = dtypeName(tensor.scalar_type());
        entry["shape"] = tensor.sizes().vec();
        entry["data_offsets"] = {offset, offset + bytes};
        offset += bytes;
    }
    std::string text = header.dump();
    text.append((8 - text.size() % 8) % 8, ' ');
    const uint64_t length = text.size();
    unsigned char prefix[8];
    for (int i = 0; i < 8; ++i)
        prefix[i] = static_cast<unsigned char>(length >> (8 * i));

    AtomicFile file(path);
    file.write(prefix, 8);
    file.write(text.data(), text.size());
    for (const auto& [name, tensor] : sorted) {
        const auto cpu = tensor.detach().to(torch::kCPU).contiguous();
        file.write(cpu.data_ptr(), static_cast<size_t>(cpu.numel()) * cpu.element_size());
    }
    file.commit();
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

    nlohmann::json header;
    try {
        header = nlohmann::json::parse(text);
    } catch (const nlohmann::json::exception& e) {
        throw InputError(path, std::string("header is not valid JSON: ") + e.what());
    }
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
        torch::ScalarType type;
        if (!dtype.is_string() || !dtypeFromName(dtype.get<std::string>(), &type)) {
            throw InputError(
                path, where + " has dtype " + dtype.dump() + ", supported: " + supportedNames());
        }
        std::vector<int64_t> sizes;
        bool shape_ok = shape.is_array();
        // The byte count, checked for overflow: a shape claiming more than the file holds must
        // fail on the size check below, never wrap around to a small number and allocate.
        const uint64_t element = c10::elementSize(type);
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

SafetensorsFile loadSafetensors(const std::string& path) {
    const SafetensorsHeader header = readSafetensorsHeader(path);
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw InputError(path, std::string("cannot open file (") + std::strerror(errno) + ")");
    SafetensorsFile result;
    result.metadata = header.metadata;
    for (const SafetensorsEntry& e : header.tensors) {
        auto tensor = torch::empty(e.shape, torch::TensorOptions().dtype(e.dtype));
        const uint64_t bytes = e.end - e.begin;
        if (bytes > 0) {
            in.seekg(static_cast<std::streamoff>(header.data_start + e.begin));
            in.read(static_cast<char*>(tensor.data_ptr()), static_cast<std::streamsize>(bytes));
            if (!in)
                throw InputError(path, "cannot read the data of tensor '" + e.name + "'");
        }
        result.tensors.emplace_back(e.name, tensor);
    }
    std::sort(result.tensors.begin(), result.tensors.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
    return result;
}

void loadModelWeights(GptNeoX& model, const std::string& path) {
    SafetensorsFile file = loadSafetensors(path);
    std::map<std::string, torch::Tensor> by_name(file.tensors.begin(), file.tensors.end());
    auto weights = namedWeights(model);
    std::set<std::string> expected;
    for (const auto& [name, param] : weights) {
        expected.insert(name);
        auto it = by_name.find(name);
        if (it == by_name.end()) {
            throw InputError(path, "tensor '" + name + "' is missing (the model expects shape " +
                                       shapeText(param.sizes()) + ")");
        }
        if (it->second.sizes() != param.sizes()) {
            throw InputError(path, "tensor '" + name + "' has shape " +
                                       shapeText(it->second.sizes()) + ", the model expects " +
                                       shapeText(param.sizes()));
        }
        if (!it->second.is_floating_point()) {
            throw InputError(path, "tensor '" + name + "' has dtype " +
                                       dtypeName(it->second.scalar_type()) +
                                       ", a weight must be F64, F32, F16 or BF16");
        }
    }
    for (const auto& [name, tensor] : file.tensors) {
        if (expected.count(name) == 0) {
            throw InputError(path, "unexpected tensor '" + name + "' (shape " +
                                       shapeText(tensor.sizes()) + "), not a weight of this " +
                                       "model ('" + model->config().name + "')");
        }
    }
    torch::NoGradGuard no_grad;
    for (auto& [name, param] : weights)
        param.copy_(by_name[name]);
}

void saveModelWeights(GptNeoX& model, const std::string& path,
                      const std::map<std::string, std::string>& metadata) {
    auto meta = metadata;
    meta.emplace("format", "pt");
    saveSafetensors(path, namedWeights(model), meta);
}

}  // namespace rgpb
