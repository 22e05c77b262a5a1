// Reading a comparison set directory written by `rgpb compare` (the contract in
// JudgmentStore.h): comparison.json and items.jsonl, with errors naming file, line and key.
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "core/util/Error.h"
#include "store/JudgmentStore.h"

namespace rgpb::judging {

namespace {

using nlohmann::json;

const json& field(const json& object, const char* key, json::value_t type,
                  const std::string& where) {
    auto it = object.find(key);
    if (it == object.end())
        throw InputError(where, std::string("missing key '") + key + "'");
    const bool number_ok = type == json::value_t::number_integer &&
                           (it->is_number_integer() || it->is_number_unsigned());
    if (it->type() != type && !number_ok) {
        const char* expected = type == json::value_t::string           ? "a string"
                               : type == json::value_t::array          ? "an array"
                               : type == json::value_t::object         ? "an object"
                               : type == json::value_t::number_integer ? "an integer"
                                                                       : "a value";
        throw InputError(where, std::string("key '") + key + "' must be " + expected + ", got " +
                                    it->type_name());
    }
    return *it;
}

std::string readText(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in)
        throw InputError(file.string(), "cannot be read (missing or not readable)");
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

}  // namespace

ComparisonSet readComparisonSet(const std::string& dir_text) {
    namespace fs = std::filesystem;
    const fs::path dir(dir_text);
    if (!fs::is_directory(dir))
        throw InputError(dir_text,
                         "is not a directory (expected a comparison set folder "
                         "with comparison.json and items.jsonl)");
    ComparisonSet set;
    set.dir = fs::absolute(dir).lexically_normal().string();
    const fs::path meta_path = dir / "comparison.json";
    const std::string meta_name = meta_path.string();
    set.comparison_json = readText(meta_path);
    json meta;
    try {
        meta = json::parse(set.comparison_json);
    } catch (const json::exception& e) {
        throw InputError(meta_name, std::string("is not valid JSON: ") + e.what());
    }
    if (!meta.is_object())
        throw InputError(meta_name, "must hold a JSON object");
    const json& version = field(meta, "version", json::value_t::number_integer, meta_name);
    if (version.get<int64_t>() != 1)
        throw InputError(meta_name + " (version)",
                         "version " + version.dump() + " is not supported (expected 1)");
    const json& models = field(meta, "models", json::value_t::array, meta_name);
    if (models.size() != 2)
        throw InputError(meta_name + " (models)",
                         "expected exactly 2 models, got " + std::to_string(models.size()));
    for (std::size_t m = 0; m < 2; ++m) {
        const std::string where = meta_name + " (models[" + std::to_string(m) + "])";
        if (!models[m].is_object())
            throw InputError(where, "must be an object");
        set.models[m].name =
            field(models[m], "name", json::value_t::string, where).get<std::string>();
        if (auto it = models[m].find("run"); it != models[m].end() && it->is_string())
            set.models[m].run = it->get<std::string>();
        if (auto it = models[m].find("checkpoint"); it != models[m].end())
            set.models[m].checkpoint = it->is_string() ? it->get<std::string>() : it->dump();
        if (set.models[m].name.empty())
            throw InputError(where + " (name)", "must not be empty");
    }
    if (auto it = meta.find("generation"); it != meta.end())
        set.generation_json = it->dump();
    if (auto it = meta.find("prompt_source"); it != meta.end() && it->is_string())
        set.prompt_source = it->get<std::string>();
    if (auto it = meta.find("created"); it != meta.end() && it->is_string())
        set.created = it->get<std::string>();

    const fs::path items_path = dir / "items.jsonl";
    const std::string items_name = items_path.string();
    std::ifstream in(items_path, std::ios::binary);
    if (!in)
        throw InputError(items_name, "cannot be read (missing or not readable)");
    std::set<int64_t> seen;
    std::string line;
    for (int64_t line_no = 1; std::getline(in, line); ++line_no) {
        if (!line.empty() && line.back() == '\r')
            line.pop_back();
        if (line.find_first_not_of(" \t") == std::string::npos)
            continue;
        const std::string where = items_name + ":" + std::to_string(line_no);
        json j;
        try {
            j = json::parse(line);
        } catch (const json::exception& e) {
            throw InputError(where, std::string("is not valid JSON: ") + e.what());
        }
        if (!j.is_object())
            throw InputError(where, "must hold a JSON object");
        ComparisonItem item;
        item.index = field(j, "index", json::value_t::number_integer, where).get<int64_t>();
        if (!seen.insert(item.index).second)
            throw InputError(where + " (index)",
                             "index " + std::to_string(item.index) + " appears twice");
        item.prompt = field(j, "prompt", json::value_t::string, where).get<std::string>();
        const json& responses = field(j, "responses", json::value_t::array, where);
        if (responses.size() != 2 || !responses[0].is_string() || !responses[1].is_string())
            throw InputError(where + " (responses)", "expected an array of 2 strings");
        item.responses = {responses[0].get<std::string>(), responses[1].get<std::string>()};
        if (auto it = j.find("new_tokens"); it != j.end() && !it->is_null()) {
            if (!it->is_array() || it->size() != 2 || !(*it)[0].is_number_integer() ||
                !(*it)[1].is_number_integer())
                throw InputError(where + " (new_tokens)", "expected an array of 2 integers");
            item.new_tokens = {(*it)[0].get<int64_t>(), (*it)[1].get<int64_t>()};
        } else {
            // Unknown token counts: lengths in bytes.
            item.new_tokens = {static_cast<int64_t>(item.responses[0].size()),
                               static_cast<int64_t>(item.responses[1].size())};
        }
        if (auto it = j.find("reference"); it != j.end() && !it->is_null()) {
            if (!it->is_string())
                throw InputError(where + " (reference)", "expected a string or null");
            item.reference = it->get<std::string>();
        }
        set.items.push_back(std::move(item));
    }
    if (set.items.empty())
        throw InputError(items_name, "holds no items");
    return set;
}

}  // namespace rgpb::judging
