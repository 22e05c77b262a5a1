// readPromptFile() and unescapePromptLine() of core/generate/Generation.h.
#include <nlohmann/json.hpp>

#include <fstream>

#include "core/generate/Generation.h"
#include "core/util/Error.h"
#include "core/util/JsonFile.h"

namespace rgpb {

std::string unescapePromptLine(const std::string& text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '\\' && i + 1 < text.size()) {
            const char c = text[i + 1];
            if (c == 'n' || c == 't' || c == '\\') {
                out.push_back(c == 'n' ? '\n' : c == 't' ? '\t' : '\\');
                ++i;
                continue;
            }
        }
        out.push_back(text[i]);
    }
    return out;
}

std::vector<PromptEntry> readPromptFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw InputError(path, "cannot open the prompts file");
    std::vector<PromptEntry> out;
    std::string line;
    int64_t number = 0;
    int format = 0;  // 0 = not decided yet, 1 = plain lines, 2 = JSONL
    while (std::getline(in, line)) {
        ++number;
        if (!line.empty() && line.back() == '\r')
            line.pop_back();
        if (line.find_first_not_of(" \t") == std::string::npos)
            continue;
        if (format == 0)
            format = line[line.find_first_not_of(" \t")] == '{' ? 2 : 1;
        const std::string where = path + ":" + std::to_string(number);
        PromptEntry e;
        e.line = number;
        if (format == 1) {
            e.prompt = unescapePromptLine(line);
        } else {
            const nlohmann::json j =
                parseJson(line, where,
                          "an object with a string \"prompt\" (the file is JSONL because its "
                          "first line is an object)");
            if (!j.is_object() || !j.contains("prompt") || !j["prompt"].is_string())
                throw InputError(where, "expected an object with a string \"prompt\"");
            e.prompt = j["prompt"].get<std::string>();
            if (j.contains("reference") && !j["reference"].is_null()) {
                if (!j["reference"].is_string())
                    throw InputError(where, "\"reference\" must be a string or null");
                e.reference = j["reference"].get<std::string>();
            }
        }
        out.push_back(std::move(e));
    }
    if (out.empty())
        throw InputError(path, "no prompts in the file (it is empty or all lines are blank)");
    return out;
}

}  // namespace rgpb
