#include "core/config/RunConfigMerge.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <optional>
#include <set>
#include <sstream>
#include <vector>

#include "core/config/ConfigFields.h"
#include "core/config/RunConfigMergeDetail.h"

namespace rgpb {
namespace {

using namespace merge_detail;
constexpr std::size_t npos = std::string::npos;

// The node at a key path of the previous text; an undefined node when absent.
YAML::Node lookup(const YAML::Node& root, const std::string& path) {
    YAML::Node node = root;
    std::stringstream parts(path);
    for (std::string part; std::getline(parts, part, '.');) {
        if (!node || !node.IsMap())
            return YAML::Node(YAML::NodeType::Undefined);
        const YAML::Node& map = node;
        YAML::Node next = map[part];
        if (!next)
            return YAML::Node(YAML::NodeType::Undefined);
        node.reset(next);  // assignment would overwrite the node; reset() moves the handle
    }
    return node;
}

bool sameValue(const ConfigField& f, const YAML::Node& node, const FieldValue& v) {
    try {
        switch (f.type) {
            case FieldType::Text:
            case FieldType::Choice:
                return node.IsScalar() && node.Scalar() == std::get<std::string>(v);
            case FieldType::Boolean:
                return node.IsScalar() && node.as<bool>() == std::get<bool>(v);
            case FieldType::TriState:
                return node.IsScalar() && (node.as<bool>() ? 1 : 0) == std::get<int64_t>(v);
            case FieldType::Integer:
                return node.IsScalar() &&
                       node.as<double>() == static_cast<double>(std::get<int64_t>(v));
            case FieldType::Number:
                return node.IsScalar() && node.as<double>() == std::get<double>(v);
            case FieldType::NumberPair: {
                const auto& p = std::get<std::vector<double>>(v);
                return node.IsSequence() && node.size() == p.size() &&
                       node[0].as<double>() == p[0] && node[1].as<double>() == p[1];
            }
        }
    } catch (const YAML::Exception&) {
    }
    return false;
}

// The value as toYaml() writes it (strings quoted where YAML needs it).
std::string fieldText(const ConfigField& f, const FieldValue& v) {
    if (f.type == FieldType::TriState)
        return std::get<int64_t>(v) == 1 ? "true" : "false";
    if (std::holds_alternative<std::string>(v)) {
        YAML::Emitter e;
        e << std::get<std::string>(v);
        return e.c_str();
    }
    return valueText(v);
}

// Whether toYaml() writes the field (the same rules).
bool written(const ConfigField& f, const RunConfig& c, const FieldValue& v) {
    if (configKeySection(f.key) == "model" && !c.model.from.empty() && f.key != "model.from")
        return false;
    return !((f.omit_default || f.key == "model.from") && v == defaultValue(f));
}

// The value a config reader gives the field when the text leaves it out.
FieldValue impliedValue(const ConfigField& f, const RunConfig& c) {
    if (f.key == "tokenizer.kind" && !c.model.from.empty())
        return std::string("model");
    return defaultValue(f);
}

// The text being edited: its lines, re-read after every change of structure.
class Document {
public:
    explicit Document(const std::string& text) : lines_(parseLines(text)) {}

    int find(const std::string& path) const {
        for (std::size_t i = 0; i < lines_.size(); ++i) {
            if (lines_[i].kind == Line::Key && !lines_[i].in_stages && lines_[i].path == path)
                return static_cast<int>(i);
        }
        return -1;
    }

    // The Key line of `path`, unfolding the flow section that holds it when needed; -1 when
    // the text does not hold the key.
    int findUnfolding(const std::string& path) {
        for (;;) {
            const int i = find(path);
            if (i >= 0)
                return i;
            std::string prefix = configKeySection(path);
            while (!prefix.empty() && find(prefix) < 0)
                prefix = configKeySection(prefix);
            if (prefix.empty())
                return -1;
            const int s = find(prefix);
            if (!lines_[static_cast<std::size_t>(s)].flow)
                return -1;
            unfold(s);
        }
    }

    // One past the last line of the key's value (its block children included).
    std::size_t valueEnd(int i) const {
        const Line& k = lines_[static_cast<std::size_t>(i)];
        std::size_t last = static_cast<std::size_t>(i + k.span - 1);
        if (k.value.empty()) {
            for (std::size_t j = last + 1; j < lines_.size(); ++j) {
                const Line& l = lines_[j];
                if (l.kind == Line::Blank || l.kind == Line::Comment)
                    continue;
                if (l.kind != Line::Continuation && l.indent <= k.indent)
                    break;
                last = j;
            }
        }
        return last + 1;
    }

    void setValue(int i, const std::string& value) {
        Line& k = lines_[static_cast<std::size_t>(i)];
        const std::size_t end = valueEnd(i);
        k.value = value;
        k.text = rebuild(k);
        std::vector<Line> keep;
        for (std::size_t j = static_cast<std::size_t>(i) + 1; j < end; ++j) {
            if (lines_[j].kind == Line::Comment || lines_[j].kind == Line::Blank)
                keep.push_back(lines_[j]);  // comments between block items stay
        }
        replace(static_cast<std::size_t>(i) + 1, end, keep);
    }

    void remove(int i) { replace(static_cast<std::size_t>(i), valueEnd(i), {}); }

    // `name: text` added at the end of section `section` ("" = the top level), created first
    // when the text has no such section.
    void add(const std::string& section, const std::string& name, const std::string& text) {
        std::size_t at = 0;
        int indent = 0;
        if (section.empty()) {
            at = topLevelInsertPoint();
        } else {
            int s = findUnfolding(section);
            if (s < 0) {
                add(configKeySection(section), configKeyName(section), "");
                s = find(section);
            }
            if (lines_[static_cast<std::size_t>(s)].flow) {
                unfold(s);
                s = find(section);
            }
            const Line& header = lines_[static_cast<std::size_t>(s)];
            if (!header.value.empty())
                throw CannotMerge{};  // a scalar where a section belongs
            indent = header.indent + 2;
            at = valueEnd(s);
            for (std::size_t j = static_cast<std::size_t>(s) + 1; j < at; ++j) {
                if (lines_[j].kind == Line::Key) {
                    indent = lines_[j].indent;
                    break;
                }
            }
        }
        Line l;
        l.text = std::string(static_cast<std::size_t>(indent), ' ') + name + ":" +
                 (text.empty() ? "" : " " + text);
        replace(at, at, {l});
    }

    // Replaces lines [from, to) by `with` and re-reads the text.
    void replace(std::size_t from, std::size_t to, const std::vector<Line>& with) {
        std::vector<Line> next(lines_.begin(), lines_.begin() + static_cast<long>(from));
        next.insert(next.end(), with.begin(), with.end());
        next.insert(next.end(), lines_.begin() + static_cast<long>(to), lines_.end());
        lines_ = parseLines(joinLines(next));
    }

    void mergeStages(const YAML::Node& root, const RunConfig& c);
    std::vector<std::pair<std::size_t, std::size_t>> stageSpans(int s, int& item_indent) const;

    std::string text() const { return joinLines(lines_); }
    const Line& at(int i) const { return lines_[static_cast<std::size_t>(i)]; }

private:
    // Top-level keys go before the stages list and the comment lines right above it.
    std::size_t topLevelInsertPoint() const {
        const int s = find("stages");
        if (s < 0)
            return lines_.size();
        std::size_t at = static_cast<std::size_t>(s);
        while (at > 0 && lines_[at - 1].kind == Line::Comment)
            --at;
        return at;
    }

    // `key: {a: 1, b: {c: 2}}` (one or several lines) becomes a block section.
    void unfold(int i) {
        const Line& k = lines_[static_cast<std::size_t>(i)];
        if (k.value[0] != '{')
            throw CannotMerge{};
        std::string flow = k.value;
        std::string comments = k.comment;
        for (int j = 1; j < k.span; ++j) {
            std::string value, gap, comment;
            splitComment(lines_[static_cast<std::size_t>(i + j)].text, value, gap, comment);
            flow += " " + value;
            if (!comment.empty())
                comments += (comments.empty() ? "" : " ") + comment;
        }
        YAML::Node node = YAML::Load(flow);
        if (!node.IsMap())
            throw CannotMerge{};
        blockMaps(node);
        YAML::Emitter e;
        e.SetIndent(2);
        e << node;
        Line header = k;
        header.value.clear();
        header.comment = comments;
        header.gap = comments.empty() ? "" : "  ";
        header.text = rebuild(header);
        std::vector<Line> with{header};
        std::stringstream body(e.c_str());
        for (std::string line; std::getline(body, line);) {
            Line l;
            l.text = std::string(static_cast<std::size_t>(k.indent + 2), ' ') + line;
            with.push_back(l);
        }
        replace(static_cast<std::size_t>(i), static_cast<std::size_t>(i + k.span), with);
    }

    static void blockMaps(YAML::Node node) {
        if (!node.IsMap())
            return;
        node.SetStyle(YAML::EmitterStyle::Block);
        for (auto it = node.begin(); it != node.end(); ++it)
            blockMaps(it->second);
    }

    std::vector<Line> lines_;
};

// The stages list: items that did not change keep their text (comments included), changed
// ones are rewritten as one flow line, extra ones removed or appended.
// The block stages list under the Key line `s`: item i runs from its "- " line to its last
// line before the next item ([first, last + 1)); `item_indent` is the items' indentation.
std::vector<std::pair<std::size_t, std::size_t>> Document::stageSpans(int s,
                                                                      int& item_indent) const {
    const std::size_t end = valueEnd(s);
    std::vector<std::pair<std::size_t, std::size_t>> spans;
    item_indent = -1;
    for (std::size_t j = static_cast<std::size_t>(s) + 1; j < end; ++j) {
        const Line& l = lines_[j];
        if (l.kind == Line::Blank || l.kind == Line::Comment)
            continue;
        if (l.kind == Line::Continuation) {  // a wrapped flow item
            if (spans.empty())
                throw CannotMerge{};
            spans.back().second = j + 1;
            continue;
        }
        const bool dash = l.text.compare(static_cast<std::size_t>(l.indent), 1, "-") == 0;
        if (item_indent < 0) {
            if (!dash)
                throw CannotMerge{};
            item_indent = l.indent;
        }
        if (dash && l.indent == item_indent) {
            spans.emplace_back(j, j + 1);
        } else {
            if (spans.empty())
                throw CannotMerge{};
            spans.back().second = j + 1;
        }
    }
    return spans;
}

void Document::mergeStages(const YAML::Node& root, const RunConfig& c) {
    std::vector<std::string> items;
    for (const StageConfig& s : c.stages)
        items.push_back(stageFlow(s));
    const YAML::Node old = lookup(root, "stages");
    std::vector<std::optional<StageConfig>> before;
    if (old && old.IsSequence()) {
        for (std::size_t i = 0; i < old.size(); ++i)
            before.push_back(readStage(old[i]));
    }
    auto same = [&](std::size_t i) {
        return i < before.size() && before[i] && sameStage(*before[i], c.stages[i]);
    };
    auto itemLine = [](int indent, const std::string& item) {
        Line l;
        l.text = std::string(static_cast<std::size_t>(indent), ' ') + "- " + item;
        return l;
    };
    const int s = find("stages");
    if (s < 0) {
        std::vector<Line> with(1);
        with[0].text = "stages:";
        for (const std::string& item : items)
            with.push_back(itemLine(2, item));
        replace(lines_.size(), lines_.size(), with);
        return;
    }
    const Line header = lines_[static_cast<std::size_t>(s)];
    if (!header.value.empty()) {  // stages: [{...}, {...}]
        bool all_same = before.size() == c.stages.size();
        for (std::size_t i = 0; all_same && i < c.stages.size(); ++i)
            all_same = same(i);
        if (all_same)
            return;
        Line h = header;
        h.value.clear();
        h.text = rebuild(h);
        std::vector<Line> with{h};
        for (const std::string& item : items)
            with.push_back(itemLine(2, item));
        replace(static_cast<std::size_t>(s), static_cast<std::size_t>(s + header.span), with);
        return;
    }
    int item_indent = -1;
    const std::vector<std::pair<std::size_t, std::size_t>> spans = stageSpans(s, item_indent);
    if (spans.size() != before.size())
        throw CannotMerge{};
    if (item_indent < 0)
        item_indent = 2;
    // A one-line item keeps its trailing comment when rewritten.
    auto changedItem = [&](std::size_t i, const std::string& item) {
        Line l = itemLine(item_indent, item);
        if (spans[i].second == spans[i].first + 1) {
            std::string value, gap, comment;
            splitComment(lines_[spans[i].first].text, value, gap, comment);
            if (!comment.empty())
                l.text += (gap.empty() ? std::string(" ") : gap) + comment;
        }
        return l;
    };
    std::vector<Line> with;
    auto between = [&](std::size_t i) {  // the comment and blank lines after item i
        const std::size_t to = i + 1 < spans.size() ? spans[i + 1].first : spans[i].second;
        with.insert(with.end(), lines_.begin() + static_cast<long>(spans[i].second),
                    lines_.begin() + static_cast<long>(to));
    };
    for (const StageEdit& e : alignStages(before, c.stages)) {
        if (e.kind == StageEdit::Keep) {
            with.insert(with.end(), lines_.begin() + static_cast<long>(spans[e.old_index].first),
                        lines_.begin() + static_cast<long>(spans[e.old_index].second));
            between(e.old_index);
        } else if (e.kind == StageEdit::Replace) {
            with.push_back(changedItem(e.old_index, items[e.new_index]));
            between(e.old_index);
        } else if (e.kind == StageEdit::Remove) {
            between(e.old_index);
        } else {
            with.push_back(itemLine(item_indent, items[e.new_index]));
        }
    }
    const std::size_t from = spans.empty() ? static_cast<std::size_t>(s) + 1 : spans.front().first;
    const std::size_t to = spans.empty() ? from : spans.back().second;
    replace(from, to, with);
}

// The reader's message without its location ("file:line:col: ").
std::string problemOf(const std::exception& e) {
    const std::string m = e.what();
    const auto colon = m.find(": ");
    return colon == npos ? m : m.substr(colon + 2);
}

// Whether `merged` reads back as `config` (or, for a config the reader rejects, is rejected
// with the same problem: the form writes invalid values for the validator to show).
bool readsBackAs(const std::string& merged, const RunConfig& config) {
    std::string canonical, problem;
    try {
        canonical = toYaml(parseRunConfig(toYaml(config), "config"));
    } catch (const std::exception& e) {
        problem = problemOf(e);
    }
    try {
        const RunConfig back = parseRunConfig(merged, "config");
        return problem.empty() && toYaml(back) == canonical;
    } catch (const std::exception& e) {
        return !problem.empty() && problemOf(e) == problem;
    }
}

std::string merge(const std::string& previous, const RunConfig& c) {
    YAML::Node root;
    try {
        root = YAML::Load(previous);
    } catch (const YAML::Exception&) {
        throw CannotMerge{};
    }
    if (!root.IsMap())
        throw CannotMerge{};
    Document doc(previous);
    for (const ConfigField& f : configFields()) {
        const FieldValue v = f.get(c);
        const YAML::Node old = lookup(root, f.key);
        const bool present = old.IsDefined() && !old.IsNull();
        const bool wanted = written(f, c, v);
        if (present && (!wanted || !sameValue(f, old, v))) {
            const int i = doc.findUnfolding(f.key);
            if (i < 0)
                throw CannotMerge{};
            if (wanted)
                doc.setValue(i, fieldText(f, v));
            else
                doc.remove(i);
        } else if (!present && wanted && !(v == impliedValue(f, c))) {
            if (old.IsDefined() && doc.find(f.key) >= 0)
                doc.setValue(doc.find(f.key), fieldText(f, v));  // `key:` with no value
            else
                doc.add(configKeySection(f.key), configKeyName(f.key), fieldText(f, v));
        }
    }
    doc.mergeStages(root, c);
    return doc.text();
}

}  // namespace

std::string mergeIntoYaml(const std::string& previous, const RunConfig& config) {
    if (previous.find_first_not_of(" \n") == npos)
        return toYaml(config);
    try {
        std::string merged = merge(previous, config);
        if (readsBackAs(merged, config))
            return merged;
    } catch (const CannotMerge&) {
    } catch (const YAML::Exception&) {
    }
    return toYaml(config);
}

}  // namespace rgpb
