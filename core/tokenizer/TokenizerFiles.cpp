#include "core/tokenizer/TokenizerFiles.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>

#include "core/tokenizer/TokenizerFactory.h"
#include "core/util/Error.h"
#include "core/util/SafeFile.h"

namespace fs = std::filesystem;

namespace rgpb {

void writeDescriptor(const std::string& dir, nlohmann::json descriptor,
                     const SpecialTokens& specials) {
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec)
        throw Error("cannot create tokenizer folder " + dir + ": " + ec.message());
    descriptor["format"] = 1;
    descriptor["specials"] = {
        {"pad", specials.pad}, {"bos", specials.bos}, {"eos", specials.eos}, {"sep", specials.sep}};
    std::string path = (fs::path(dir) / kTokenizerDescriptorFile).string();
    writeFileAtomic(path, descriptor.dump(2) + "\n");
}

void checkDescriptorSpecials(const nlohmann::json& descriptor, const std::string& path,
                             const SpecialTokens& expected) {
    auto it = descriptor.find("specials");
    if (it == descriptor.end())
        return;
    if (!it->is_object())
        throw InputError(path + " (specials)", "must be an object");
    const std::pair<const char*, int32_t> fields[] = {
        {"pad", expected.pad}, {"bos", expected.bos}, {"eos", expected.eos}, {"sep", expected.sep}};
    for (const auto& [name, id] : fields) {
        auto field = it->find(name);
        if (field == it->end())
            continue;
        if (!field->is_number_integer() || field->get<long long>() != id) {
            throw InputError(
                path + " (specials." + name + ")",
                "must be " + std::to_string(id) + " for this tokenizer, got " + field->dump());
        }
    }
}

void throwAtKey(const std::string& source, const std::string& key, const std::string& what) {
    throw InputError(source + " (" + key + ")", what);
}

bool optionalBool(const nlohmann::json& obj, const char* key, bool fallback,
                  const std::string& source, const std::string& path) {
    auto it = obj.find(key);
    if (it == obj.end() || it->is_null())
        return fallback;
    if (!it->is_boolean())
        throwAtKey(source, path + "." + key, "expected true or false, got " + it->dump());
    return it->get<bool>();
}

}  // namespace rgpb
