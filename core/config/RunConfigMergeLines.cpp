// The line model of RunConfigMerge.cpp: YAML text as lines (keys with their paths, values,
// comments; flow collections that wrap; the stages list). Torch-free.
#include <cctype>
#include <set>
#include <sstream>

#include "core/config/RunConfigMergeDetail.h"

namespace rgpb::merge_detail {
namespace {

// Open minus closed brackets of a flow collection, outside quotes and comments.
int bracketDepth(const std::string& text) {
    int depth = 0;
    char quote = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char ch = text[i];
        if (quote) {
            if (ch == quote)
                quote = 0;
        } else if (ch == '\'' || ch == '"') {
            quote = ch;
        } else if (ch == '#' && (i == 0 || text[i - 1] == ' ')) {
            break;
        } else if (ch == '{' || ch == '[') {
            ++depth;
        } else if (ch == '}' || ch == ']') {
            --depth;
        }
    }
    return depth;
}

bool isKeyChar(char ch) {
    return std::isalnum(static_cast<unsigned char>(ch)) || ch == '_' || ch == '-';
}

}  // namespace

// Splits what follows "key:" into the value, the blanks before a comment, and the comment.
void splitComment(const std::string& rest, std::string& value, std::string& gap,
                  std::string& comment) {
    char quote = 0;
    std::size_t i = 0;
    for (; i < rest.size(); ++i) {
        const char ch = rest[i];
        if (quote) {
            if (ch == quote)
                quote = 0;
        } else if (ch == '\'' || ch == '"') {
            quote = ch;
        } else if (ch == '#' && (i == 0 || rest[i - 1] == ' ')) {
            break;
        }
    }
    const std::string before = rest.substr(0, i);
    comment = i < rest.size() ? rest.substr(i) : std::string();
    const auto last = before.find_last_not_of(' ');
    const auto first = before.find_first_not_of(' ');
    value = last == std::string::npos ? std::string() : before.substr(first, last - first + 1);
    gap = last == std::string::npos ? before : before.substr(last + 1);
}

std::vector<Line> parseLines(const std::string& text) {
    if (text.find('\r') != std::string::npos || text.find('\t') != std::string::npos)
        throw CannotMerge{};
    std::vector<Line> lines;
    std::vector<std::pair<int, std::string>> open;  // (indent, path) of block sections
    std::set<std::string> seen;
    bool in_stages = false;
    int depth = 0, owner = -1;
    std::stringstream in(text);
    for (std::string raw; std::getline(in, raw);) {
        Line l;
        l.text = raw;
        if (depth > 0) {
            l.kind = Line::Continuation;
            l.in_stages = in_stages;
            depth += bracketDepth(raw);
            ++lines[static_cast<std::size_t>(owner)].span;
            lines.push_back(l);
            continue;
        }
        const auto start = raw.find_first_not_of(' ');
        l.indent = start == std::string::npos ? 0 : static_cast<int>(start);
        if (start == std::string::npos) {
            l.kind = Line::Blank;
        } else if (raw[start] == '#') {
            l.kind = Line::Comment;
        } else {
            std::size_t end = start;
            while (end < raw.size() && isKeyChar(raw[end]))
                ++end;
            const bool key = end > start && raw[start] != '-' && end < raw.size() &&
                             raw[end] == ':' && (end + 1 == raw.size() || raw[end + 1] == ' ');
            if (key) {
                l.kind = Line::Key;
                l.key = raw.substr(start, end - start);
                splitComment(raw.substr(end + 1), l.value, l.gap, l.comment);
                l.flow = !l.value.empty() && (l.value[0] == '{' || l.value[0] == '[');
            } else {
                l.kind = Line::Other;
            }
        }
        if (l.kind == Line::Key && l.indent == 0) {
            in_stages = l.key == "stages";
            open.clear();
        } else if (l.kind != Line::Blank && l.kind != Line::Comment && l.indent == 0) {
            throw CannotMerge{};  // "---", a top-level list or flow mapping, ...
        }
        l.in_stages = in_stages && !(l.kind == Line::Key && l.indent == 0);
        if (l.kind == Line::Key && !l.in_stages) {
            while (!open.empty() && open.back().first >= l.indent)
                open.pop_back();
            l.path = (open.empty() ? std::string() : open.back().second + ".") + l.key;
            if (!seen.insert(l.path).second)
                throw CannotMerge{};
            const char c = l.value.empty() ? ' ' : l.value[0];
            if (c == '|' || c == '>' || c == '&' || c == '*' || c == '!')
                throw CannotMerge{};  // block scalars, anchors, aliases, tags
            if (l.value.empty())
                open.emplace_back(l.indent, l.path);
            depth = l.flow ? bracketDepth(l.value) : 0;
            owner = static_cast<int>(lines.size());
        } else if (l.kind == Line::Other && !l.in_stages) {
            // Only block sequence items under an open key (`betas:` then `- 0.9`).
            if (open.empty() || raw.compare(static_cast<std::size_t>(l.indent), 1, "-") != 0)
                throw CannotMerge{};
        }
        if (l.in_stages && l.kind != Line::Blank && l.kind != Line::Comment)
            depth = bracketDepth(raw.substr(static_cast<std::size_t>(l.indent)));
        if (depth > 0 && owner < 0)
            throw CannotMerge{};
        if (depth > 0 && l.in_stages)
            owner = static_cast<int>(lines.size());
        lines.push_back(l);
    }
    if (depth != 0)
        throw CannotMerge{};
    return lines;
}

std::string joinLines(const std::vector<Line>& lines) {
    std::string out;
    for (const Line& l : lines)
        out += l.text + "\n";
    return out;
}

std::string rebuild(const Line& l) {
    std::string out = std::string(static_cast<std::size_t>(l.indent), ' ') + l.key + ":";
    if (!l.value.empty())
        out += " " + l.value;
    if (!l.comment.empty())
        out += (l.gap.empty() ? std::string(" ") : l.gap) + l.comment;
    return out;
}

}  // namespace rgpb::merge_detail
