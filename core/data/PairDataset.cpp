#include "core/data/PairDataset.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>

#include "core/data/CausalDialogueReader.h"
#include "core/data/LineReader.h"
#include "core/data/SeededRandom.h"
#include "core/util/Error.h"
#include "core/util/JsonFile.h"
#include "core/util/Log.h"

namespace rgpb {

using nlohmann::json;

namespace {

constexpr const char* kHhAssistantTurn = "\n\nAssistant:";

bool isBlank(const std::string& text) {
    return std::all_of(text.begin(), text.end(),
                       [](unsigned char c) { return std::isspace(c) != 0; });
}

bool endsWith(const std::string& text, const std::string& suffix) {
    return text.size() >= suffix.size() &&
           text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// The path without a trailing ".gz", lower-cased, for extension checks.
std::string plainName(const std::string& path) {
    std::string name = path;
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (endsWith(name, ".gz")) {
        name.resize(name.size() - 3);
    }
    return name;
}

const char* jsonTypeName(const json& value) {
    switch (value.type()) {
        case json::value_t::null:
            return "null";
        case json::value_t::object:
            return "an object";
        case json::value_t::array:
            return "an array";
        case json::value_t::string:
            return "a string";
        case json::value_t::boolean:
            return "a boolean";
        case json::value_t::discarded:
            return "invalid";
        default:
            return "a number";
    }
}

json parseLine(const std::string& line, const std::string& location) {
    json value;
    try {
        value = json::parse(line);
    } catch (const json::exception& error) {
        throw InputError(location, "invalid JSON (" + jsonErrorDetail(error, false) +
                                       "), expected one JSON object per line");
    }
    if (!value.is_object()) {
        throw InputError(location, std::string("the line is ") + jsonTypeName(value) +
                                       ", expected one JSON object per line");
    }
    return value;
}

// The string under `key`; a missing key, another type or (for responses) an empty or
// whitespace-only string is an InputError naming the key and the format's keys.
std::string stringField(const json& record, const char* key, const char* format_keys,
                        const std::string& location, bool non_empty) {
    const auto it = record.find(key);
    if (it == record.end()) {
        throw InputError(location, std::string("missing key \"") + key +
                                       "\", expected an object with keys " + format_keys);
    }
    if (!it->is_string()) {
        throw InputError(location, std::string("key \"") + key + "\" is " + jsonTypeName(*it) +
                                       ", expected a string");
    }
    std::string text = it->get<std::string>();
    if (non_empty && isBlank(text)) {
        throw InputError(
            location, std::string("key \"") + key + "\" is empty, expected a non-empty response");
    }
    return text;
}

PairText hhRlhfPair(const json& record, const std::string& location) {
    const char* keys = "chosen, rejected (hh-rlhf)";
    const std::string chosen = stringField(record, "chosen", keys, location, true);
    const std::string rejected = stringField(record, "rejected", keys, location, true);
    const std::size_t turn = chosen.rfind(kHhAssistantTurn);
    if (turn == std::string::npos) {
        throw InputError(location,
                         "\"chosen\" has no \"\\n\\nAssistant:\" turn, expected an HH-RLHF "
                         "dialogue ending in an Assistant response");
    }
    PairText pair;
    pair.prompt_pos = chosen.substr(0, turn + std::char_traits<char>::length(kHhAssistantTurn));
    if (rejected.compare(0, pair.prompt_pos.size(), pair.prompt_pos) != 0) {
        throw InputError(location,
                         "\"rejected\" does not share the prompt of \"chosen\" (up to its last "
                         "\"\\n\\nAssistant:\"), expected both to differ only in the final "
                         "response");
    }
    pair.prompt_neg = pair.prompt_pos;
    pair.response_pos = chosen.substr(pair.prompt_pos.size());
    pair.response_neg = rejected.substr(pair.prompt_pos.size());
    if (isBlank(pair.response_pos)) {
        throw InputError(location,
                         "the chosen response (after the last \"\\n\\nAssistant:\") "
                         "is empty, expected a non-empty response");
    }
    if (isBlank(pair.response_neg)) {
        throw InputError(location,
                         "the rejected response (after the last "
                         "\"\\n\\nAssistant:\") is empty, expected a non-empty "
                         "response");
    }
    return pair;
}

PairText trlPair(const json& record, const std::string& location) {
    const char* keys = "prompt, chosen, rejected (trl)";
    PairText pair;
    pair.prompt_pos = stringField(record, "prompt", keys, location, false);
    pair.response_pos = stringField(record, "chosen", keys, location, true);
    pair.response_neg = stringField(record, "rejected", keys, location, true);
    pair.prompt_neg = pair.prompt_pos;
    return pair;
}

PairText contrastPair(const json& record, const std::string& location) {
    const char* keys = "prompt_pos, response_pos, prompt_neg, response_neg (contrast)";
    PairText pair;
    pair.prompt_pos = stringField(record, "prompt_pos", keys, location, false);
    pair.response_pos = stringField(record, "response_pos", keys, location, true);
    pair.prompt_neg = stringField(record, "prompt_neg", keys, location, false);
    pair.response_neg = stringField(record, "response_neg", keys, location, true);
    return pair;
}

// One text-jsonl record: {"text": "..."} holding a non-blank document.
PairText textDocument(const json& record, const std::string& location) {
    std::string text = stringField(record, "text", "text (text-jsonl)", location, false);
    if (isBlank(text))
        throw InputError(location, "key \"text\" is empty, expected a non-empty document");
    return documentPair(std::move(text), location);
}

bool isTextFormat(DataFormat format) {
    return format == DataFormat::Text || format == DataFormat::TextJsonl;
}

// Plain text: documents are runs of non-blank lines, joined by "\n"; one or more blank
// (whitespace-only) lines separate them. A document's origin is the line it starts on. Only a
// corrupt gzip stream can be malformed here; the document it cuts off is dropped with it.
void readTextDocuments(const std::string& path, MalformedPolicy policy, PairDataset& out) {
    LineReader reader(path);
    std::string line, document, origin;
    auto finish = [&] {
        if (document.empty())
            return;
        ++out.report.records;
        ++out.report.read;
        out.pairs.push_back(documentPair(std::move(document), origin));
        document.clear();
    };
    while (true) {
        try {
            if (!reader.next(line))
                break;
        } catch (const InputError& error) {
            ++out.report.records;
            noteMalformed(out.report, policy, error);
            document.clear();
            break;
        }
        if (isBlank(line)) {
            finish();
            continue;
        }
        if (document.empty())
            origin = path + ":" + std::to_string(reader.lineNumber());
        else
            document += '\n';
        document += line;
    }
    finish();
}

DataFormat formatFromKeys(const json& record) {
    if (record.contains("prompt_pos")) {
        return DataFormat::Contrast;
    }
    if (record.contains("prompt")) {
        return DataFormat::Trl;
    }
    if (record.contains("chosen")) {
        return DataFormat::HhRlhf;
    }
    if (record.contains("original_data")) {
        return DataFormat::CausalDialogue;
    }
    return DataFormat::Auto;
}

void readJsonLines(const std::string& path, DataFormat format, MalformedPolicy policy,
                   PairDataset& out) {
    LineReader reader(path);
    std::string line;
    while (true) {
        try {
            if (!reader.next(line)) {
                break;
            }
        } catch (const InputError& error) {  // corrupt gzip: nothing after it can be read
            ++out.report.records;
            noteMalformed(out.report, policy, error);
            break;
        }
        if (isBlank(line)) {
            continue;
        }
        ++out.report.records;
        const std::string location = path + ":" + std::to_string(reader.lineNumber());
        try {
            const json record = parseLine(line, location);
            PairText pair = format == DataFormat::HhRlhf      ? hhRlhfPair(record, location)
                            : format == DataFormat::Trl       ? trlPair(record, location)
                            : format == DataFormat::TextJsonl ? textDocument(record, location)
                                                              : contrastPair(record, location);
            pair.origin = location;
            out.pairs.push_back(std::move(pair));
            ++out.report.read;
        } catch (const InputError& error) {
            noteMalformed(out.report, policy, error);
        }
    }
}

}  // namespace

void noteMalformed(ReadReport& report, MalformedPolicy policy, const InputError& error) {
    if (policy == MalformedPolicy::Stop) {
        throw error;
    }
    ++report.skipped;
    if (report.problems.size() < ReadReport::kMaxProblems) {
        report.problems.push_back(error.what());
    }
}

DataFormat detectDataFormat(const std::string& path) {
    const std::string name = plainName(path);
    if (endsWith(name, ".json")) {
        return DataFormat::CausalDialogue;
    }
    LineReader reader(path);
    std::string line;
    while (reader.next(line)) {
        if (isBlank(line)) {
            continue;
        }
        const std::size_t first = line.find_first_not_of(" \t");
        if (line[first] == '[') {
            return DataFormat::CausalDialogue;
        }
        json record = json::parse(line, nullptr, false);
        if (record.is_discarded() || !record.is_object()) {
            continue;  // a broken first line is reported by the reader, not guessed around
        }
        const DataFormat format = formatFromKeys(record);
        if (format == DataFormat::Auto && record.contains("text")) {
            throw InputError(path + ":" + std::to_string(reader.lineNumber()),
                             "the first record has a \"text\" key: documents of unlabeled "
                             "text are read only when named, set data.format: text-jsonl (and "
                             "train them with method lm)");
        }
        if (format == DataFormat::Auto) {
            throw InputError(path + ":" + std::to_string(reader.lineNumber()),
                             "cannot detect the data format from the keys of the first record, "
                             "expected \"chosen\" (hh-rlhf), \"prompt\" (trl) or \"prompt_pos\" "
                             "(contrast)");
        }
        return format;
    }
    throw InputError(path,
                     "no JSON record found to detect the data format from, expected JSONL "
                     "(hh-rlhf, trl, contrast) or a JSON array (causal-dialogue); plain text "
                     "documents are read with data.format: text");
}

PairDataset readPairDataset(const std::string& path, DataFormat format, MalformedPolicy policy) {
    PairDataset out;
    out.format = format == DataFormat::Auto ? detectDataFormat(path) : format;
    if (out.format == DataFormat::CausalDialogue) {
        readCausalDialogue(path, readTextFile(path), policy, out);
    } else if (out.format == DataFormat::Text) {
        readTextDocuments(path, policy, out);
    } else {
        readJsonLines(path, out.format, policy, out);
    }
    const ReadReport& report = out.report;
    if (out.pairs.empty()) {
        throw InputError(
            path, "no usable pair in " + std::to_string(report.records) + " records (" +
                      std::to_string(report.skipped) + " skipped" +
                      (report.problems.empty() ? "" : "; first: " + report.problems.front()) +
                      "), expected at least one " + dataFormatName(out.format) +
                      (isTextFormat(out.format) ? " document" : " pair"));
    }
    auto logger = log::get("data");
    logger->info("{}: {} pairs from {} records ({}), {} skipped", path, report.read, report.records,
                 dataFormatName(out.format), report.skipped);
    for (const std::string& problem : report.problems) {
        logger->warn("{}", problem);
    }
    if (report.skipped > report.problems.size()) {
        logger->warn("{}: {} more problems not listed", path,
                     report.skipped - report.problems.size());
    }
    return out;
}

void shufflePairs(std::vector<PairText>& pairs, uint64_t seed) {
    SeededRandom random(seed);
    random.shuffle(pairs);
}

DataSplit splitPairs(std::vector<PairText> pairs, std::size_t eval_count, uint64_t seed) {
    requireArgument(eval_count <= pairs.size(), "splitPairs", "eval_count",
                    "at most the number of pairs (" + std::to_string(pairs.size()) + ")",
                    eval_count);
    shufflePairs(pairs, seed);
    DataSplit split;
    const auto cut = pairs.begin() + static_cast<std::ptrdiff_t>(eval_count);
    split.eval.assign(std::make_move_iterator(pairs.begin()), std::make_move_iterator(cut));
    split.train.assign(std::make_move_iterator(cut), std::make_move_iterator(pairs.end()));
    return split;
}

}  // namespace rgpb
