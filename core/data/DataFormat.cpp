#include "core/data/DataFormat.h"

#include <algorithm>

#include "core/util/Error.h"

namespace rgpb {

const std::vector<DataFormatInfo>& dataFormats() {
    static const std::vector<DataFormatInfo> table = {
        {DataFormat::Auto,
         "auto",
         {},
         "detect from the file: a JSON array or the first record's keys"},
        {DataFormat::HhRlhf,
         "hh-rlhf",
         {"hh"},
         "JSONL {chosen, rejected} full dialogues (Anthropic HH-RLHF)"},
        {DataFormat::Trl, "trl", {}, "JSONL {prompt, chosen, rejected} (TRL's DPOTrainer)"},
        {DataFormat::Contrast,
         "contrast",
         {},
         "JSONL {prompt_pos, response_pos, prompt_neg, response_neg}"},
        {DataFormat::CausalDialogue,
         "causal-dialogue",
         {},
         "a JSON array of CausalDialogue dialogues (utterance DAGs)"},
        {DataFormat::Text,
         "text",
         {},
         "plain text documents separated by blank lines (for method lm)"},
        {DataFormat::TextJsonl, "text-jsonl", {}, "JSONL {text} documents (for method lm)"},
    };
    return table;
}

DataFormat parseDataFormat(const std::string& name, const std::string& flag,
                           const std::string& where) {
    for (const DataFormatInfo& info : dataFormats()) {
        if (name == info.name ||
            std::find(info.aliases.begin(), info.aliases.end(), name) != info.aliases.end()) {
            return info.format;
        }
    }
    throw ArgumentError(where, flag, "one of " + dataFormatList(), "'" + name + "'");
}

const char* dataFormatName(DataFormat f) {
    for (const DataFormatInfo& info : dataFormats()) {
        if (info.format == f) {
            return info.name.c_str();
        }
    }
    return "unknown";
}

std::vector<std::string> dataFormatNames() {
    std::vector<std::string> names;
    for (const DataFormatInfo& info : dataFormats()) {
        names.push_back(info.name);
    }
    return names;
}

std::string dataFormatList(const std::string& separator) {
    std::string out;
    for (const DataFormatInfo& info : dataFormats()) {
        out += (out.empty() ? "" : separator) + info.name;
    }
    return out;
}

std::string dataFormatHelp(const std::string& indent) {
    std::vector<std::string> heads;
    std::size_t width = 0;
    for (const DataFormatInfo& info : dataFormats()) {
        std::string head = info.name;
        for (const std::string& alias : info.aliases) {
            head += (head.size() == info.name.size() ? " (or " : ", ") + alias;
        }
        if (!info.aliases.empty()) {
            head += ")";
        }
        width = std::max(width, head.size());
        heads.push_back(head);
    }
    std::string out;
    for (std::size_t i = 0; i < heads.size(); ++i) {
        out += indent + heads[i] + std::string(width + 2 - heads[i].size(), ' ') +
               dataFormats()[i].description + "\n";
    }
    return out;
}

}  // namespace rgpb
