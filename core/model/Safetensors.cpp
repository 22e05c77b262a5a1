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

struct DtypePair {
    torch::ScalarType type;
    SafetensorsDtype dtype;
};
constexpr DtypePair kDtypes[] = {
    {torch::kFloat64, SafetensorsDtype::F64}, {torch::kFloat32, SafetensorsDtype::F32},
    {torch::kFloat16, SafetensorsDtype::F16}, {torch::kBFloat16, SafetensorsDtype::BF16},
    {torch::kInt64, SafetensorsDtype::I64},   {torch::kInt32, SafetensorsDtype::I32},
    {torch::kInt16, SafetensorsDtype::I16},   {torch::kInt8, SafetensorsDtype::I8},
    {torch::kUInt8, SafetensorsDtype::U8},    {torch::kBool, SafetensorsDtype::BOOL},
};

const char* dtypeName(torch::ScalarType type) {
    for (const auto& d : kDtypes) {
        if (d.type == type)
            return safetensorsDtypeName(d.dtype);
    }
    return nullptr;
}

}  // namespace

torch::ScalarType torchDtype(SafetensorsDtype dtype) {
    for (const auto& d : kDtypes) {
        if (d.dtype == dtype)
            return d.type;
    }
    return torch::kFloat32;
}

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
                        "one of the dtypes " + safetensorsDtypeList(), "'", name, "' of ",
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

SafetensorsFile loadSafetensors(const std::string& path) {
    const SafetensorsHeader header = readSafetensorsHeader(path);
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw InputError(path, std::string("cannot open file (") + std::strerror(errno) + ")");
    SafetensorsFile result;
    result.metadata = header.metadata;
    for (const SafetensorsEntry& e : header.tensors) {
        auto tensor = torch::empty(e.shape, torch::TensorOptions().dtype(torchDtype(e.dtype)));
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
