#include "core/data/CausalDialogueReader.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <unordered_map>
#include <vector>

#include "core/util/JsonFile.h"
#include "core/util/Log.h"

namespace rgpb {

using nlohmann::json;

namespace {

// Path explosion guard: a DAG with many merges has exponentially many paths. Past this many
// path prefixes in one dialogue the rest of it is left out (with a warning), so one odd
// dialogue cannot stall reading.
constexpr std::size_t kMaxPrefixesPerDialogue = 200000;

struct Utterance {
    std::string id;    // canonical: decimal for integers, as is for strings
    std::string line;  // "speaker: text"
    std::string speaker, text;
    std::vector<std::size_t> previous;  // indexes of prev_ids, deduplicated, file order
    std::string previous_key;           // sorted prev ids joined, to find siblings
};

std::string jsonPath(std::size_t dialogue, std::size_t utterance, const char* key) {
    std::string where =
        "[" + std::to_string(dialogue) + "].original_data[" + std::to_string(utterance) + "]";
    return key != nullptr ? where + "." + key : where;
}

InputError atPath(const std::string& file, const std::string& where, const std::string& problem) {
    return InputError(file + " (" + where + ")", problem);
}

const char* typeName(const json& value) {
    if (value.is_null())
        return "null";
    if (value.is_object())
        return "an object";
    if (value.is_array())
        return "an array";
    if (value.is_string())
        return "a string";
    if (value.is_boolean())
        return "a boolean";
    return "a number";
}

// An utterance id: an integer or a non-empty string. Returns the canonical text.
std::string idText(const json& value, const std::string& file, const std::string& where) {
    if (value.is_number_integer()) {
        return value.dump();
    }
    if (value.is_string() && !value.get<std::string>().empty()) {
        return value.get<std::string>();
    }
    throw atPath(file, where,
                 std::string("id is ") + typeName(value) + ", expected an integer or a string");
}

std::string stringKey(const json& object, const char* key, const std::string& file,
                      const std::string& where, bool non_empty) {
    const auto it = object.find(key);
    if (it == object.end()) {
        throw atPath(file, where,
                     std::string("missing key \"") + key +
                         "\", expected an utterance {id, type, text, speaker, "
                         "prev_ids}");
    }
    if (!it->is_string()) {
        throw atPath(file, where + "." + key,
                     std::string("is ") + typeName(*it) + ", expected a string");
    }
    std::string text = it->get<std::string>();
    if (non_empty && text.find_first_not_of(" \t\r\n") == std::string::npos) {
        throw atPath(file, where + "." + key, "is empty, expected non-empty utterance text");
    }
    return text;
}

struct Dialogue {
    std::string name;
    std::vector<Utterance> utterances;
    std::vector<std::vector<std::size_t>> next;  // children, file order
};

Dialogue parseDialogue(const json& value, std::size_t d, const std::string& file) {
    const std::string where = "[" + std::to_string(d) + "]";
    if (!value.is_object()) {
        throw atPath(file, where,
                     std::string("dialogue is ") + typeName(value) +
                         ", expected an object {dialog_name, category, original_data}");
    }
    Dialogue dialogue;
    const auto name = value.find("dialog_name");
    if (name != value.end() && name->is_string()) {
        dialogue.name = name->get<std::string>();
    }
    const auto data = value.find("original_data");
    if (data == value.end() || !data->is_array()) {
        throw atPath(file, where + ".original_data",
                     data == value.end() ? std::string("missing, expected an array of utterances")
                                         : std::string("is ") + typeName(*data) +
                                               ", expected an array of utterances");
    }

    std::unordered_map<std::string, std::size_t> index;
    std::vector<std::vector<std::string>> previous_ids(data->size());
    for (std::size_t u = 0; u < data->size(); ++u) {
        const json& item = (*data)[u];
        const std::string at = jsonPath(d, u, nullptr);
        if (!item.is_object()) {
            throw atPath(file, at,
                         std::string("utterance is ") + typeName(item) +
                             ", expected an object {id, type, text, speaker, prev_ids}");
        }
        Utterance utterance;
        const auto id = item.find("id");
        if (id == item.end()) {
            throw atPath(file, at, "missing key \"id\", expected an integer or string id");
        }
        utterance.id = idText(*id, file, jsonPath(d, u, "id"));
        utterance.speaker = stringKey(item, "speaker", file, at, false);
        utterance.text = stringKey(item, "text", file, at, true);
        utterance.line =
            utterance.speaker.empty() ? utterance.text : utterance.speaker + ": " + utterance.text;
        const auto prev = item.find("prev_ids");
        if (prev != item.end() && !prev->is_null()) {
            if (!prev->is_array()) {
                throw atPath(
                    file, jsonPath(d, u, "prev_ids"),
                    std::string("is ") + typeName(*prev) + ", expected an array of utterance ids");
            }
            for (std::size_t p = 0; p < prev->size(); ++p) {
                previous_ids[u].push_back(idText(
                    (*prev)[p], file, jsonPath(d, u, "prev_ids") + "[" + std::to_string(p) + "]"));
            }
        }
        if (!index.emplace(utterance.id, u).second) {
            throw atPath(file, jsonPath(d, u, "id"),
                         "duplicate id " + utterance.id + " (also at original_data[" +
                             std::to_string(index[utterance.id]) + "]), expected unique ids");
        }
        dialogue.utterances.push_back(std::move(utterance));
    }

    dialogue.next.resize(dialogue.utterances.size());
    for (std::size_t u = 0; u < dialogue.utterances.size(); ++u) {
        Utterance& utterance = dialogue.utterances[u];
        std::vector<std::string> sorted = previous_ids[u];
        std::sort(sorted.begin(), sorted.end());
        sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
        for (const std::string& id : sorted) {
            utterance.previous_key += id;
            utterance.previous_key += '\x1f';  // unit separator: cannot clash with id text
        }
        for (const std::string& id : previous_ids[u]) {
            const auto found = index.find(id);
            if (found == index.end()) {
                throw atPath(
                    file, jsonPath(d, u, "prev_ids"),
                    "unknown id " + id + ", expected ids of utterances in the same dialogue");
            }
            if (std::find(utterance.previous.begin(), utterance.previous.end(), found->second) ==
                utterance.previous.end()) {
                utterance.previous.push_back(found->second);
                dialogue.next[found->second].push_back(u);
            }
        }
    }

    // Kahn's algorithm: utterances left over sit on (or behind) a cycle.
    std::vector<std::size_t> pending(dialogue.utterances.size());
    std::vector<std::size_t> ready;
    for (std::size_t u = 0; u < pending.size(); ++u) {
        pending[u] = dialogue.utterances[u].previous.size();
        if (pending[u] == 0)
            ready.push_back(u);
    }
    std::size_t ordered = 0;
    while (!ready.empty()) {
        const std::size_t u = ready.back();
        ready.pop_back();
        ++ordered;
        for (std::size_t child : dialogue.next[u]) {
            if (--pending[child] == 0)
                ready.push_back(child);
        }
    }
    if (ordered != pending.size()) {
        const auto stuck =
            std::find_if(pending.begin(), pending.end(), [](std::size_t p) { return p != 0; });
        const std::size_t u = static_cast<std::size_t>(stuck - pending.begin());
        throw atPath(file, jsonPath(d, u, "prev_ids"),
                     "id " + dialogue.utterances[u].id +
                         " is on a cycle of prev_ids, expected an acyclic dialogue graph");
    }
    return dialogue;
}

// Walks every root-to-leaf path depth first; each path prefix is visited exactly once, so a
// step shared by several paths yields its pairs once.
void collectPairs(const Dialogue& dialogue, std::size_t d, const std::string& file,
                  std::vector<PairText>& pairs) {
    const std::vector<Utterance>& all = dialogue.utterances;
    std::map<std::string, std::vector<std::size_t>> siblings;  // previous_key -> utterances
    for (std::size_t u = 0; u < all.size(); ++u) {
        siblings[all[u].previous_key].push_back(u);
    }

    std::vector<std::size_t> path;
    // The path's lines ("line\n" each) and ids ("a>b>c") kept along the walk: leaving a branch
    // cuts them back to the recorded ends, entering a step appends one line, so a chain of N
    // utterances costs O(N) rather than rebuilding an O(N) history at each of its N steps.
    std::string lines, ids;
    std::vector<std::size_t> line_end, id_end;  // lengths after path[k]
    std::size_t prefixes = 0;
    // Explicit stack of (utterance, depth) so deep dialogues cannot overflow the call stack.
    std::vector<std::pair<std::size_t, std::size_t>> stack;
    for (std::size_t u = all.size(); u-- > 0;) {
        if (all[u].previous.empty())
            stack.emplace_back(u, 0);
    }
    while (!stack.empty()) {
        const auto [u, depth] = stack.back();
        stack.pop_back();
        path.resize(depth);
        line_end.resize(depth);
        id_end.resize(depth);
        lines.resize(depth == 0 ? 0 : line_end.back());
        ids.resize(depth == 0 ? 0 : id_end.back());
        path.push_back(u);
        lines += all[u].line;
        lines += '\n';
        line_end.push_back(lines.size());
        ids += (depth == 0 ? "" : ">") + all[u].id;
        id_end.push_back(ids.size());
        if (++prefixes > kMaxPrefixesPerDialogue) {
            log::get("data")->warn(
                "{} ([{}]): more than {} path prefixes in dialogue '{}', the rest is left out",
                file, d, kMaxPrefixesPerDialogue, dialogue.name);
            return;
        }
        if (path.size() >= 2) {
            const Utterance& y = all[u];
            const std::size_t x = path[path.size() - 2];
            // The lines before x (path[0 .. size-3]).
            const std::size_t history_end = path.size() >= 3 ? line_end[path.size() - 3] : 0;
            const std::string y_prompt_end = y.speaker.empty() ? std::string() : y.speaker + ":";
            const std::string response = y.speaker.empty() ? y.text : " " + y.text;
            for (std::size_t other : siblings[all[x].previous_key]) {
                const bool also_cause =
                    std::find(y.previous.begin(), y.previous.end(), other) != y.previous.end();
                if (other == x || also_cause)
                    continue;
                PairText pair;
                pair.prompt_pos = lines.substr(0, line_end[path.size() - 2]) + y_prompt_end;
                pair.prompt_neg =
                    lines.substr(0, history_end) + all[other].line + "\n" + y_prompt_end;
                pair.response_pos = response;
                pair.response_neg = response;
                pair.origin = file + " [" + std::to_string(d) + "] " + dialogue.name + ": " + ids +
                              " (neg " + all[other].id + ")";
                pairs.push_back(std::move(pair));
            }
        }
        const std::vector<std::size_t>& children = dialogue.next[u];
        for (std::size_t c = children.size(); c-- > 0;) {
            stack.emplace_back(children[c], depth + 1);
        }
    }
}

}  // namespace

void readCausalDialogue(const std::string& path, const std::string& text, MalformedPolicy policy,
                        PairDataset& out) {
    const json document = parseJson(text, path, "a JSON array of CausalDialogue dialogues");
    if (!document.is_array()) {
        throw InputError(path, std::string("the document is ") + typeName(document) +
                                   ", expected a JSON array of CausalDialogue dialogues");
    }
    for (std::size_t d = 0; d < document.size(); ++d) {
        ++out.report.records;
        try {
            const Dialogue dialogue = parseDialogue(document[d], d, path);
            const std::size_t before = out.pairs.size();
            collectPairs(dialogue, d, path, out.pairs);
            out.report.read += out.pairs.size() - before;
        } catch (const InputError& error) {
            noteMalformed(out.report, policy, error);
        }
    }
}

}  // namespace rgpb
